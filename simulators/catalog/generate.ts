/**
 * Synthetic county catalogs, the one generator the benchmarks and tests use (the sample county,
 * drawn by hand, installs from the same instrument table: instruments.ts). Two layouts:
 * - `worksCounty`: seeded small water works, each one plant service area (zone) with its source,
 *   plant (outlet analyser panel and flow meter), often a clear-water reservoir, one to three
 *   mains, sometimes a booster station for hill villages, and `villagesPerWorks` villages with a
 *   tap each. About 21 devices a works, so 10,000 devices make about 470 works: a Zhejiang county
 *   runs about 50-550 small works (figure not confirmed against a published source).
 * - `tapCounty`: one township, `villages` villages, one tap and one water-quality station a
 *   device, for load: every device alike.
 *
 * Passwords: a document comes with the hash `passwordHash(deviceId)` gives (cheap, so 10,000
 * devices cost nothing); `withPasswordHashes` gives real ones to the devices that will log in.
 * `checkedCatalog` puts a document through the catalog's own zod schema, like a real one.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCatalog, type Catalog, type CatalogDocument, type SiteKind } from '../../network/catalog.ts';
import { hashPassword } from '../../network/password.ts';
import { createRandom, type Random } from '../random.ts';
import { install, instruments, type DeviceSpec } from './instruments.ts';

type Sites = CatalogDocument['sites'];
type Villages = CatalogDocument['villages'];

export interface WorksCountyOptions {
  /** Devices in the catalog; the last works is cut where the count is reached. */
  readonly devices: number;
  /** Same seed, same county. */
  readonly seed: string;
  /** Works (and so zones) a township; townships = works ÷ this, rounded up. Default 25. */
  readonly worksPerTownship?: number;
  /** Least and most villages a works serves. Default [3, 12]. */
  readonly villagesPerWorks?: readonly [number, number];
  readonly passwordHash: (deviceId: string) => string;
}

interface Works {
  readonly sites: Sites;
  readonly devices: DeviceSpec[];
  readonly villages: Villages;
}

function worksAt(w: number, random: Random, township: string, [fewest, most]: readonly [number, number]): Works {
  const zone = `z-${w}`;
  const [lat0, lon0] = [29.2 + random.uniform(0, 0.8), 119.3 + random.uniform(0, 0.8)];
  const works: Works = { sites: [], devices: [], villages: [] };
  const site = (id: string, kind: SiteKind, village?: string) => {
    works.sites.push({ id, name: `${kind} ${id}`, kind, township, zone, location: { lat: lat0 + random.uniform(-0.02, 0.02), lon: lon0 + random.uniform(-0.02, 0.02) }, ...(village ? { village } : {}) });
    return id;
  };
  const add = (...devices: DeviceSpec[]) => works.devices.push(...devices);

  add(install(site(`w${w}-source`, 'source'), instruments.sonde));
  const plant = site(`w${w}-plant`, 'plant');
  add(install(plant, instruments.outletPanel), install(plant, instruments.flowMeter));
  if (random.next() < 0.6) {
    const reservoir = site(`w${w}-reservoir`, 'reservoir');
    add(install(reservoir, instruments.reservoirLevel), install(reservoir, instruments.reservoirChlorine));
  }
  for (let m = 0, mains = random.int(1, 3); m < mains; m++) {
    const main = site(`w${w}-main-${m}`, 'main');
    add(install(main, instruments.mainLogger));
    if (random.next() < 0.3) add(install(main, instruments.mainQuality));
  }
  if (random.next() < 0.35) {
    const booster = site(`w${w}-booster`, 'booster');
    add(install(booster, instruments.boosterTank), install(booster, instruments.suctionPressure), install(booster, instruments.dischargePressure));
  }
  for (let v = 0, count = random.int(fewest, most); v < count; v++) {
    const village = `w${w}-v${v}`;
    works.villages.push({ id: village, name: `village ${village}`, township });
    const tap = site(`${village}-tap`, 'tap', village);
    add(install(tap, instruments.tapStation));
    if (random.next() < 0.8) add(install(tap, instruments.tapPressure));
  }
  return works;
}

/** A county of small water works. Pure given `seed` and `passwordHash`. */
export function worksCounty(options: WorksCountyOptions): CatalogDocument {
  const { devices: deviceCount, seed } = options;
  const worksPerTownship = options.worksPerTownship ?? 25;
  const random = createRandom(`catalog/${seed}`);
  const county: Works = { sites: [], devices: [], villages: [] };
  let works = 0;
  while (county.devices.length < deviceCount) {
    const next = worksAt(works, random, `t-${Math.floor(works / worksPerTownship)}`, options.villagesPerWorks ?? [3, 12]);
    works++;
    county.sites.push(...next.sites);
    county.devices.push(...next.devices);
    county.villages.push(...next.villages);
  }
  // Sites of the last works left without a device stay (harmless).
  return {
    county: { id: 'bench-county', name: `Benchmark county (${deviceCount} devices, seed ${seed})` },
    townships: Array.from({ length: Math.ceil(works / worksPerTownship) }, (_, t) => ({ id: `t-${t}`, name: `township ${t}` })),
    villages: county.villages,
    zones: Array.from({ length: works }, (_, w) => ({ id: `z-${w}`, name: `works ${w} service area` })),
    sites: county.sites,
    devices: county.devices.slice(0, deviceCount).map((d) => ({ ...d, passwordHash: options.passwordHash(d.id) })),
  };
}

export interface TapCountyOptions {
  /** Taps, one device each: `tap-0000-wq`, `tap-0001-wq`, … */
  readonly devices: number;
  /** Villages the taps are dealt over in turn. Default 10. */
  readonly villages?: number;
  /** Every device's reporting interval, s. Default 1. */
  readonly intervalS?: number;
  readonly passwordHash: (deviceId: string) => string;
}

/** One township of identical tap stations, for load. Pure given `passwordHash`. */
export function tapCounty(options: TapCountyOptions): CatalogDocument {
  const villageCount = options.villages ?? 10;
  const villages = Array.from({ length: villageCount }, (_, v) => ({ id: `village-${v}`, name: `Bench village ${v}`, township: 'bench' }));
  const sites: Sites = [];
  const devices: CatalogDocument['devices'] = [];
  for (let i = 0; i < options.devices; i++) {
    const site = `tap-${String(i).padStart(4, '0')}`;
    sites.push({ id: site, name: `Bench tap ${i}`, kind: 'tap', township: 'bench', village: `village-${i % villageCount}`, zone: 'bench-zone', location: { lat: 29.5 + i / 10_000, lon: 119.7 } });
    const device = install(site, instruments.benchStation, { intervalS: options.intervalS ?? 1 });
    devices.push({ ...device, passwordHash: options.passwordHash(device.id) });
  }
  return {
    county: { id: 'bench', name: 'Benchmark county' },
    townships: [{ id: 'bench', name: 'Bench township' }],
    villages,
    zones: [{ id: 'bench-zone', name: 'Bench zone' }],
    sites,
    devices,
  };
}

/**
 * The document with real scrypt hashes of the passwords `passwordOf` gives (undefined: the
 * device keeps its hash). All at once: libuv's threadpool runs 4 and queues the rest.
 */
export async function withPasswordHashes(
  file: CatalogDocument,
  passwordOf: (deviceId: string) => string | undefined,
  scrypt?: { N: number; r: number; p: number },
): Promise<CatalogDocument> {
  const devices = await Promise.all(
    file.devices.map(async (d) => {
      const password = passwordOf(d.id);
      return password === undefined ? d : { ...d, passwordHash: await hashPassword(password, scrypt) };
    }),
  );
  return { ...file, devices };
}

/** Checks the document with the catalog's schema; throws with every problem. */
export function checkedCatalog(file: CatalogDocument): Catalog {
  const parsed = parseCatalog(file);
  if (!parsed.ok) throw new Error(`generated catalog is invalid:\n${parsed.problems}`);
  return parsed.catalog;
}

/** Checks the document, then writes it as `catalog.yaml` (JSON is YAML) into `dir`; returns the path. */
export async function writeCatalog(dir: string, file: CatalogDocument, generatedBy: string): Promise<string> {
  checkedCatalog(file);
  const path = join(dir, 'catalog.yaml');
  await writeFile(path, `# Generated by ${generatedBy}\n${JSON.stringify(file)}\n`);
  return path;
}
