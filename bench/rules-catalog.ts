/**
 * A synthetic county for the rules benchmark, seeded: small water works, each one plant service
 * area (zone) with its source, plant (outlet analyser panel and flow meter), often a clear-water
 * reservoir, one to three mains, sometimes a booster station for hill villages, and three to
 * twelve villages with a tap each. About 21 devices a works, so 10,000 devices make about 470
 * works: a Zhejiang county runs about 50-550 small works (figure not confirmed against a
 * published source). Instruments and intervals follow the sample county
 * (simulators/tools/generate-sample-catalog.ts).
 *
 * The document goes through the catalog's own zod schema (`parseCatalog`) like a real one.
 * Passwords: `passwordHash(deviceId)` lets the caller give real hashes only to the devices that
 * will log in (hashing 10,000 is what would be measured otherwise).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCatalog, type Catalog, type CatalogDocument, type SiteKind } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { createRandom, type Random } from '../simulators/random.ts';

/** Outlet panel: every indicator of plant-outlet-anomaly.yaml in one sample. */
export const PLANT_PANEL: readonly MetricName[] = ['turbidity', 'free_chlorine', 'ph', 'orp', 'conductivity', 'total_chlorine'];
export const TAP_QUALITY: readonly MetricName[] = ['turbidity', 'free_chlorine', 'ph', 'temperature'];
const WORKS_PER_TOWNSHIP = 25;

type Sites = CatalogDocument['sites'];
type Devices = Omit<CatalogDocument['devices'][number], 'passwordHash'>[];

interface Works {
  readonly sites: Sites;
  readonly devices: Devices;
  readonly villages: CatalogDocument['villages'];
}

function worksAt(w: number, random: Random): Works {
  const township = `t-${Math.floor(w / WORKS_PER_TOWNSHIP)}`;
  const zone = `z-${w}`;
  const [lat0, lon0] = [29.2 + random.uniform(0, 0.8), 119.3 + random.uniform(0, 0.8)];
  const sites: Sites = [];
  const devices: Devices = [];
  const villages: CatalogDocument['villages'] = [];
  const site = (id: string, kind: SiteKind, village?: string) => {
    sites.push({ id, name: `${kind} ${id}`, kind, township, zone, location: { lat: lat0 + random.uniform(-0.02, 0.02), lon: lon0 + random.uniform(-0.02, 0.02) }, ...(village ? { village } : {}) });
    return id;
  };
  const add = (siteId: string, suffix: string, model: string, intervalS: number, metrics: readonly MetricName[]) =>
    devices.push({ id: `${siteId}-${suffix}`, site: siteId, model, intervalS, metrics: [...metrics] });

  add(site(`w${w}-source`, 'source'), 'mp', 'multiparameter sonde', 60, ['turbidity', 'ph', 'temperature', 'conductivity']);
  const plant = site(`w${w}-plant`, 'plant');
  add(plant, 'panel', 'outlet analyser panel', 60, PLANT_PANEL);
  add(plant, 'fm', 'electromagnetic flow meter', 60, ['flow', 'pressure']);
  if (random.next() < 0.6) {
    const reservoir = site(`w${w}-reservoir`, 'reservoir');
    add(reservoir, 'lvl', 'radar level gauge', 300, ['level']);
    add(reservoir, 'cl', 'amperometric chlorine analyser', 60, ['free_chlorine']);
  }
  for (let m = 0, mains = random.int(1, 3); m < mains; m++) {
    const main = site(`w${w}-main-${m}`, 'main');
    add(main, 'pt', 'pressure/flow logger', 60, ['pressure', 'flow']);
    if (random.next() < 0.3) add(main, 'wq', 'pipe water-quality probe', 60, ['turbidity', 'free_chlorine']);
  }
  if (random.next() < 0.35) {
    const booster = site(`w${w}-booster`, 'booster');
    add(booster, 'tank', 'booster tank level gauge', 300, ['level']);
    add(booster, 'suction', 'pressure transmitter', 60, ['pressure']);
    add(booster, 'discharge', 'pressure/flow transmitter', 60, ['pressure', 'flow']);
  }
  for (let v = 0, count = random.int(3, 12); v < count; v++) {
    const village = `w${w}-v${v}`;
    villages.push({ id: village, name: `village ${village}`, township });
    const tap = site(`${village}-tap`, 'tap', village);
    add(tap, 'wq', 'village water-quality station', 60, TAP_QUALITY);
    if (random.next() < 0.8) add(tap, 'pt', 'network-end pressure logger', 60, ['pressure']);
  }
  return { sites, devices, villages };
}

/** The catalog document of `deviceCount` devices. Pure given `seed` and `passwordHash`. */
export function countyCatalogFile(deviceCount: number, seed: string, passwordHash: (deviceId: string) => string): CatalogDocument {
  const random = createRandom(`catalog/${seed}`);
  const sites: Sites = [];
  const devices: Devices = [];
  const villages: CatalogDocument['villages'] = [];
  let works = 0;
  while (devices.length < deviceCount) {
    const next = worksAt(works++, random);
    sites.push(...next.sites);
    devices.push(...next.devices);
    villages.push(...next.villages);
  }
  // The last works is cut where the count is reached; its sites without a device stay (harmless).
  const kept = devices.slice(0, deviceCount);
  const townships = Array.from({ length: Math.ceil(works / WORKS_PER_TOWNSHIP) }, (_, t) => ({ id: `t-${t}`, name: `township ${t}` }));
  return {
    county: { id: 'bench-county', name: `Benchmark county (${deviceCount} devices, seed ${seed})` },
    townships,
    villages,
    zones: Array.from({ length: works }, (_, w) => ({ id: `z-${w}`, name: `works ${w} service area` })),
    sites,
    devices: kept.map((d) => ({ ...d, passwordHash: passwordHash(d.id) })),
  };
}

/** Checks the document with the catalog's schema; throws with every problem. */
export function checkedCatalog(file: CatalogDocument): Catalog {
  const parsed = parseCatalog(file);
  if (!parsed.ok) throw new Error(`generated catalog is invalid:\n${parsed.problems}`);
  return parsed.catalog;
}

/** Writes the document as `catalog.yaml` (JSON is YAML) into `dir`; returns the path. */
export async function writeCatalog(dir: string, file: CatalogDocument): Promise<string> {
  const path = join(dir, 'catalog.yaml');
  await writeFile(path, `# Generated by bench/rules-catalog.ts\n${JSON.stringify(file)}\n`);
  return path;
}

/** Counts by site kind: devices and sites, for the report. */
export function kindMix(catalog: Catalog): Record<SiteKind, { sites: number; devices: number }> {
  const mix = {} as Record<SiteKind, { sites: number; devices: number }>;
  for (const site of catalog.sites.values()) (mix[site.kind] ??= { sites: 0, devices: 0 }).sites++;
  for (const device of catalog.devices.values()) (mix[device.site.kind] ??= { sites: 0, devices: 0 }).devices++;
  return mix;
}
