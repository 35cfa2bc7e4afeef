/**
 * Which catalog devices log in for the latency part, and their credentials: village tap stations
 * (they carry turbidity), the first ones as probes, the load spread over the rest. Passwords are
 * the demo ones (simulators/credentials.ts), hashed with the benchmark's cheap scrypt parameters
 * (bench-catalog.ts): logging in is not what is measured.
 */
import type { CatalogDocument } from '../network/catalog.ts';
import { withPasswordHashes } from '../simulators/catalog/generate.ts';
import { derivedPassword } from '../simulators/credentials.ts';
import { BENCH_SCRYPT, type BenchDevice } from './bench-catalog.ts';

export interface LatencyDevices {
  /** Probes of the bench rule (`for: 0`); their sites are the bench rule's `match.sites`. */
  readonly benchProbes: readonly BenchDevice[];
  /** Probes of the shipped tap-turbidity rule. */
  readonly shippedProbes: readonly BenchDevice[];
  readonly load: readonly BenchDevice[];
}

/** Picks the devices. Pure. Throws when the catalog has too few tap stations. */
export function pickLatencyDevices(file: CatalogDocument, loadCount: number, probesPerTarget: number): LatencyDevices {
  const taps = new Set(file.sites.filter((s) => s.kind === 'tap').map((s) => s.id));
  const stations = file.devices.filter((d) => taps.has(d.site) && d.metrics.includes('turbidity'));
  const credentials = (d: { id: string; site: string }): BenchDevice => ({ id: d.id, site: d.site, password: derivedPassword(d.id) });
  const rest = stations.slice(2 * probesPerTarget);
  if (rest.length < loadCount) throw new Error(`the catalog has ${stations.length} tap stations: too few for ${2 * probesPerTarget} probes and ${loadCount} load devices (raise --devices or lower --load-devices)`);
  const step = rest.length / loadCount;
  return {
    benchProbes: stations.slice(0, probesPerTarget).map(credentials),
    shippedProbes: stations.slice(probesPerTarget, 2 * probesPerTarget).map(credentials),
    load: Array.from({ length: loadCount }, (_, i) => rest[Math.floor(i * step)]!).map(credentials),
  };
}

/** The document with real password hashes for `devices`; the others keep theirs. */
export async function withPasswords(file: CatalogDocument, devices: readonly BenchDevice[]): Promise<CatalogDocument> {
  const passwords = new Map(devices.map((d) => [d.id, d.password]));
  return withPasswordHashes(file, (id) => passwords.get(id), BENCH_SCRYPT);
}
