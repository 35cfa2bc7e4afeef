/** Test fixtures shared by the simulator tests: the sample county and fixed instants. */
import { fileURLToPath } from 'node:url';
import { loadCatalog, type Catalog } from '../network/catalog.ts';

export const SAMPLE_CATALOG_PATH = fileURLToPath(new URL('../network/sample/county.yaml', import.meta.url));

/** 2026-11-28 00:00 in Asia/Shanghai. */
export const LOCAL_MIDNIGHT_MS = Date.UTC(2026, 10, 27, 16, 0);
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

let sample: Promise<Catalog> | undefined;

export function sampleCatalog(): Promise<Catalog> {
  sample ??= loadCatalog(SAMPLE_CATALOG_PATH);
  return sample;
}
