/**
 * One-off tool that wrote `quiet-day/input.ndjson`: 24 hours of the simulated Tongmen village
 * (its tap station, its tap pressure logger and the DN300 main feeding it) with no scenario, from
 * the simulators' seeded network model (diurnal demand, drifts, sensor noise, instrument
 * resolution). The golden test reads the committed file; it never runs this.
 *
 *   npx tsx simulators/tools/generate-quiet-day-case.ts > rules/cases/quiet-day/input.ndjson
 *
 * Every device is sampled every 3 minutes rather than at its 1-minute catalog interval, to keep
 * the file under 2,000 lines; the case therefore loads no sensor-health rule. Not imported by
 * any rules code (rules/ depends on network/ only): a test-data tool kept beside its output.
 */
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../../network/catalog.ts';
import { formatDuration } from '../../network/duration.ts';
import { createNetworkModel } from '../network-model.ts';

/** rules/engine.fixtures.ts T0 (2026-11-28 10:00 Beijing time); not imported, as the fixtures load vitest. */
const T0 = Date.UTC(2026, 10, 28, 2, 0);
/** The seed of the committed file; change it only together with the file. */
const SEED = 20261128;
const DEVICES = ['main-tongmen-dn300-pt', 'tongmen-tap-pt', 'tongmen-tap-wq'] as const;
const STEP_MS = 3 * 60_000;
const DAY_MS = 24 * 3_600_000;

async function main(): Promise<void> {
  const catalog = await loadCatalog(fileURLToPath(new URL('../../network/sample/county.yaml', import.meta.url)));
  const model = createNetworkModel(catalog, { seed: SEED, simStartMs: T0, scenarios: [] });
  const signals = DEVICES.map((id) => model.signal(id));
  const lines: string[] = [];
  for (let offset = 0; offset < DAY_MS; offset += STEP_MS) {
    for (const signal of signals) {
      lines.push(JSON.stringify({ at: formatDuration(offset), device: signal.device.id, values: signal.sample(T0 + offset) }));
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
