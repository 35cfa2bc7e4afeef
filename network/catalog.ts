/**
 * The network catalog: townships, villages, zones, sites and devices, written in YAML and
 * checked by the zod schema below (docs/catalog.schema.json is generated from it). Tags written
 * to InfluxDB come from here, never from a payload.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { metricNameSchema, type MetricName } from './metrics.ts';
import { ID_PATTERN } from './topic.ts';

const id = z.string().regex(ID_PATTERN, 'ids are lower-case letters, digits and dashes, at most 64');

export const siteKinds = ['source', 'plant', 'reservoir', 'booster', 'main', 'tap'] as const;
export type SiteKind = (typeof siteKinds)[number];

const location = z
  .object({
    lat: z.number().min(-90).max(90).describe('WGS 84 latitude, degrees'),
    lon: z.number().min(-180).max(180).describe('WGS 84 longitude, degrees'),
  })
  .describe('Where the site or device is');

export const townshipSchema = z.object({
  id,
  name: z.string().min(1).describe('Display name, e.g. 桐门镇 or "Tongmen township"'),
});

export const villageSchema = z.object({
  id,
  name: z.string().min(1),
  township: id.describe('Township the village belongs to'),
});

export const zoneSchema = z.object({
  id,
  name: z.string().min(1).describe('Pressure / supply zone (a DMA or a plant service area)'),
});

export const siteSchema = z.object({
  id,
  name: z.string().min(1),
  kind: z.enum(siteKinds).describe('What the site is in the supply chain, source to tap'),
  township: id,
  village: id.optional().describe('Village served; absent for plants and trunk mains'),
  zone: id,
  location,
});

export const mainSchema = z
  .object({
    id,
    name: z.string().min(1).describe('Display name, e.g. 城北DN600主管'),
    dnMm: z.number().int().positive().max(4000).optional().describe('Nominal diameter DN, mm'),
    sites: z.array(id).min(2).describe('The sites the main runs through, upstream first (drawn as a line on the console map)'),
  })
  .describe('A water main between monitored sites');

export const deviceSchema = z.object({
  id,
  site: id.describe('Site the device is installed at'),
  model: z.string().optional().describe('Instrument model, for maintenance'),
  passwordHash: z
    .string()
    .regex(/^scrypt\$/, 'a hash printed by `clearwater catalog hash-password`')
    .describe('scrypt hash of the MQTT password (`clearwater catalog hash-password`)'),
  intervalS: z.number().positive().max(86_400).describe('Reporting interval, seconds'),
  uploadEveryS: z
    .number()
    .positive()
    .max(86_400)
    .optional()
    .describe('Data loggers: samples kept since the last upload go up as one `samples` batch this often, seconds (at least intervalS; e.g. 900 for a logger sampling every minute). Absent: each sample is sent as it is taken'),
  metrics: z.array(metricNameSchema).min(1).describe('Metrics the device may publish'),
  location: location.optional().describe('Defaults to the site location'),
});

/** Local clock time "HH:MM" (24 h). */
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time such as "22:00"');

export const recipientRoles = ['village_admin', 'township_official', 'county_dispatch'] as const;

export const recipientSchema = z
  .object({
    id,
    name: z.string().min(1).describe('Name as messages address the person, e.g. 桐门村管理员 王伟'),
    role: z
      .enum(recipientRoles)
      .describe('village_admin: told first about the sites of `villages`; township_official: when a ticket of `townships` goes up a tier, or for sites without a village; county_dispatch: when it reaches the county'),
    villages: z.array(id).default([]).describe('Villages a village_admin answers for'),
    townships: z.array(id).default([]).describe('Townships a township_official answers for'),
    language: z.enum(['zh-CN', 'en']).default('zh-CN').describe('Language of the messages; Chinese by default'),
    dingtalk: id.optional().describe('DingTalk group robot this person reads, by its id in the config (notify.dingtalk.robots); the webhook and its secret stay out of the catalog'),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'a mobile number in E.164, e.g. +8613800000000')
      .optional()
      .describe('Mobile number (E.164): SMS, and the @-mention in the DingTalk group'),
    email: z.email().optional().describe('E-mail address'),
    quietHours: z
      .object({ from: clockTime, to: clockTime })
      .optional()
      .describe('Local hours (county time zone) in which only critical tickets reach this person; the rest wait until `to`'),
  })
  .describe('A person who is told about tickets');
export type RecipientEntry = z.infer<typeof recipientSchema>;

export const catalogSchema = z
  .object({
    county: z.object({
      id,
      name: z.string().min(1),
      timeZone: z.string().min(1).default('Asia/Shanghai').describe('IANA time zone of the county: quiet hours, daily digests and messages use its local time'),
    }),
    townships: z.array(townshipSchema).min(1),
    villages: z.array(villageSchema),
    zones: z.array(zoneSchema).min(1),
    sites: z.array(siteSchema),
    devices: z.array(deviceSchema),
    mains: z.array(mainSchema).default([]).describe('Water mains between sites, where known: the lines of the console map'),
    recipients: z.array(recipientSchema).default([]).describe('Who is told about tickets: village administrators, township officials, county dispatch'),
  })
  .superRefine((catalog, ctx) => {
    for (const problem of crossReferenceProblems(catalog)) ctx.addIssue({ code: 'custom', ...problem });
  });

export type CatalogFile = z.infer<typeof catalogSchema>;
/** A catalog as written (defaults may be left out). */
export type CatalogDocument = z.input<typeof catalogSchema>;
export type Site = z.infer<typeof siteSchema>;
export type DeviceEntry = z.infer<typeof deviceSchema>;

interface Problem {
  path: (string | number)[];
  message: string;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function crossReferenceProblems(catalog: Omit<CatalogFile, never>): Problem[] {
  const problems: Problem[] = [];
  const known = (list: readonly { id: string }[], key: keyof CatalogFile) => {
    const ids = new Set<string>();
    list.forEach((entry, i) => {
      if (ids.has(entry.id)) problems.push({ path: [key, i, 'id'], message: `duplicate ${key} id "${entry.id}"` });
      ids.add(entry.id);
    });
    return ids;
  };
  const townships = known(catalog.townships, 'townships');
  const zones = known(catalog.zones, 'zones');
  const sites = known(catalog.sites, 'sites');
  known(catalog.devices, 'devices');
  const villageTownship = new Map(catalog.villages.map((v) => [v.id, v.township]));
  known(catalog.villages, 'villages');

  catalog.villages.forEach((v, i) => {
    if (!townships.has(v.township)) problems.push({ path: ['villages', i, 'township'], message: `unknown township "${v.township}"` });
  });
  catalog.sites.forEach((s, i) => {
    if (!townships.has(s.township)) problems.push({ path: ['sites', i, 'township'], message: `unknown township "${s.township}"` });
    if (!zones.has(s.zone)) problems.push({ path: ['sites', i, 'zone'], message: `unknown zone "${s.zone}"` });
    if (s.village !== undefined) {
      const township = villageTownship.get(s.village);
      if (township === undefined) problems.push({ path: ['sites', i, 'village'], message: `unknown village "${s.village}"` });
      else if (township !== s.township) {
        problems.push({ path: ['sites', i, 'village'], message: `village "${s.village}" is in township "${township}", not "${s.township}"` });
      }
    }
  });
  catalog.devices.forEach((d, i) => {
    if (!sites.has(d.site)) problems.push({ path: ['devices', i, 'site'], message: `unknown site "${d.site}"` });
    if (d.uploadEveryS !== undefined && d.uploadEveryS < d.intervalS) problems.push({ path: ['devices', i, 'uploadEveryS'], message: `device "${d.id}" uploads every ${d.uploadEveryS} s, more often than it samples (every ${d.intervalS} s)` });
  });
  known(catalog.mains, 'mains');
  catalog.mains.forEach((m, i) => {
    m.sites.forEach((site, j) => sites.has(site) || problems.push({ path: ['mains', i, 'sites', j], message: `unknown site "${site}"` }));
  });
  known(catalog.recipients, 'recipients');
  catalog.recipients.forEach((r, i) => {
    r.villages.forEach((v, j) => villageTownship.has(v) || problems.push({ path: ['recipients', i, 'villages', j], message: `unknown village "${v}"` }));
    r.townships.forEach((t, j) => townships.has(t) || problems.push({ path: ['recipients', i, 'townships', j], message: `unknown township "${t}"` }));
    if (r.role === 'village_admin' && r.villages.length === 0) problems.push({ path: ['recipients', i, 'villages'], message: 'a village_admin needs at least one village' });
    if (r.role === 'township_official' && r.townships.length === 0) problems.push({ path: ['recipients', i, 'townships'], message: 'a township_official needs at least one township' });
    if (r.dingtalk === undefined && r.phone === undefined && r.email === undefined) problems.push({ path: ['recipients', i], message: `recipient "${r.id}" has no way to be reached (dingtalk, phone or email)` });
  });
  if (!isTimeZone(catalog.county.timeZone)) problems.push({ path: ['county', 'timeZone'], message: `unknown time zone "${catalog.county.timeZone}"` });
  return problems;
}

/** A device as the pipeline sees it: catalog entry joined with its site. */
export interface Device {
  readonly id: string;
  readonly site: Site;
  readonly intervalMs: number;
  /** A data logger's upload period (`uploadEveryS`), ms; undefined: every sample is sent as taken. */
  readonly uploadEveryMs?: number;
  readonly metrics: ReadonlySet<MetricName>;
  readonly passwordHash: string;
  readonly location: { lat: number; lon: number };
  /** InfluxDB tags from the catalog: site, device, site_kind, village, township, zone. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Read-only lookups over a validated catalog. */
export class Catalog {
  readonly devices: ReadonlyMap<string, Device>;
  readonly sites: ReadonlyMap<string, Site>;

  constructor(readonly file: CatalogFile) {
    this.sites = new Map(file.sites.map((s) => [s.id, s]));
    const devices = new Map<string, Device>();
    for (const entry of file.devices) {
      const site = this.sites.get(entry.site);
      if (!site) throw new Error(`device ${entry.id}: unknown site ${entry.site}`); // excluded by the schema
      devices.set(entry.id, {
        id: entry.id,
        site,
        intervalMs: entry.intervalS * 1000,
        ...(entry.uploadEveryS !== undefined && { uploadEveryMs: entry.uploadEveryS * 1000 }),
        metrics: new Set(entry.metrics),
        passwordHash: entry.passwordHash,
        location: entry.location ?? site.location,
        tags: deviceTags(entry, site),
      });
    }
    this.devices = devices;
  }

  device(deviceId: string): Device | undefined {
    return this.devices.get(deviceId);
  }

  village(villageId: string) {
    return this.file.villages.find((v) => v.id === villageId);
  }

  township(townshipId: string) {
    return this.file.townships.find((t) => t.id === townshipId);
  }

  recipient(recipientId: string): RecipientEntry | undefined {
    return this.file.recipients.find((r) => r.id === recipientId);
  }
}

function deviceTags(entry: DeviceEntry, site: Site): Record<string, string> {
  const tags: Record<string, string> = {
    device: entry.id,
    site: site.id,
    site_kind: site.kind,
    township: site.township,
    zone: site.zone,
  };
  if (site.village !== undefined) tags.village = site.village;
  return tags;
}

export type CatalogParse = { ok: true; catalog: Catalog } | { ok: false; problems: string };

/** Validates a parsed YAML/JSON document. Pure. */
export function parseCatalog(document: unknown): CatalogParse {
  const parsed = catalogSchema.safeParse(document);
  if (!parsed.success) return { ok: false, problems: z.prettifyError(parsed.error) };
  return { ok: true, catalog: new Catalog(parsed.data) };
}

/** Reads and validates a catalog file; throws with every problem listed. */
export async function loadCatalog(path: string): Promise<Catalog> {
  const text = await readFile(path, 'utf8');
  const parsed = parseCatalog(parseYaml(text));
  if (!parsed.ok) throw new Error(`catalog ${path} is invalid:\n${parsed.problems}`);
  return parsed.catalog;
}
