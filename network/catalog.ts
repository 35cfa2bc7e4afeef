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

export const deviceSchema = z.object({
  id,
  site: id.describe('Site the device is installed at'),
  model: z.string().optional().describe('Instrument model, for maintenance'),
  passwordHash: z
    .string()
    .regex(/^scrypt\$/, 'a hash printed by `clearwater catalog hash-password`')
    .describe('scrypt hash of the MQTT password (`clearwater catalog hash-password`)'),
  intervalS: z.number().positive().max(86_400).describe('Reporting interval, seconds'),
  metrics: z.array(metricNameSchema).min(1).describe('Metrics the device may publish'),
  location: location.optional().describe('Defaults to the site location'),
});

export const catalogSchema = z
  .object({
    county: z.object({ id, name: z.string().min(1) }),
    townships: z.array(townshipSchema).min(1),
    villages: z.array(villageSchema),
    zones: z.array(zoneSchema).min(1),
    sites: z.array(siteSchema),
    devices: z.array(deviceSchema),
  })
  .superRefine((catalog, ctx) => {
    for (const problem of crossReferenceProblems(catalog)) ctx.addIssue({ code: 'custom', ...problem });
  });

export type CatalogFile = z.infer<typeof catalogSchema>;
export type Site = z.infer<typeof siteSchema>;
export type DeviceEntry = z.infer<typeof deviceSchema>;

interface Problem {
  path: (string | number)[];
  message: string;
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
  });
  return problems;
}

/** A device as the pipeline sees it: catalog entry joined with its site. */
export interface Device {
  readonly id: string;
  readonly site: Site;
  readonly intervalMs: number;
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
