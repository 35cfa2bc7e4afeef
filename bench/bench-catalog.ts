/**
 * The throughput benchmark's catalog: the one-township tap county of the shared generator
 * (simulators/catalog/generate.ts), N devices, every one with a random password of its own,
 * hashed with cheap scrypt parameters: logging in is not what is measured.
 */
import { randomBytes } from 'node:crypto';
import type { CatalogDocument } from '../network/catalog.ts';
import { tapCounty, withPasswordHashes, writeCatalog } from '../simulators/catalog/generate.ts';

/** Cheap enough for hundreds of logins a second on 2 cores (DEFAULT_SCRYPT is 16× dearer). */
export const BENCH_SCRYPT = { N: 1024, r: 8, p: 1 } as const;

export interface BenchDevice {
  readonly id: string;
  readonly site: string;
  readonly password: string;
}

export interface BenchCatalog {
  readonly path: string;
  readonly devices: readonly BenchDevice[];
}

/** scrypt parameters of the passwords (default BENCH_SCRYPT) and the devices' reporting interval (default 1 s). */
export interface BenchCatalogOptions {
  readonly scrypt?: { N: number; r: number; p: number };
  readonly intervalS?: number;
}

/** Builds the catalog document and the clear-text credentials. Pure but for the random passwords. */
export async function benchCatalogFile(deviceCount: number, options: BenchCatalogOptions = {}): Promise<{ file: CatalogDocument; devices: BenchDevice[] }> {
  const unhashed = tapCounty({ devices: deviceCount, intervalS: options.intervalS ?? 1, passwordHash: () => '' });
  const devices = unhashed.devices.map((d): BenchDevice => ({ id: d.id, site: d.site, password: randomBytes(12).toString('base64url') }));
  const passwords = new Map(devices.map((d) => [d.id, d.password]));
  const file = await withPasswordHashes(unhashed, (id) => passwords.get(id), options.scrypt ?? BENCH_SCRYPT);
  return { file, devices };
}

/** Writes `catalog.yaml` into `dir` and returns its path and the devices' credentials. */
export async function writeBenchCatalog(dir: string, deviceCount: number, options: BenchCatalogOptions = {}): Promise<BenchCatalog> {
  const { file, devices } = await benchCatalogFile(deviceCount, options);
  return { path: await writeCatalog(dir, file, 'bench/bench-catalog.ts'), devices };
}
