/**
 * `clearwater replay` into a whole Clearwater process on ephemeral ports (embedded broker with
 * device authentication and ACL → ingest → spool → InfluxDB 1.6.7): a synthetic CSV written to
 * a temp folder lands in InfluxDB with its own timestamps; a slice of GECCO 2018 from
 * ../shared/data lands shifted to end now (skipped, saying why, when the data is absent). The
 * pacing runs on an injected clock: nothing here waits for the speed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { replayOptionsSchema, runReplay, type ReplayOptions } from '../app/commands/replay.ts';
import { datasetPath } from '../app/replay-datasets.ts';
import type { ReplayClock } from '../simulators/replay/dataset-replay.ts';
import { eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

let pipeline: TestPipeline;
let folder: string;

beforeAll(async () => {
  pipeline = await startTestPipeline(inject('influxUrl'), 'replay');
  folder = await mkdtemp(join(tmpdir(), 'clearwater-replay-'));
});

afterAll(async () => {
  await pipeline?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** Starts at the wall clock and moves only when slept on (returning at once); records the sleeps. */
function fakeClock(): ReplayClock & { sleeps: number[] } {
  let now = Date.now();
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) };
}

const options = (given: Record<string, unknown>): ReplayOptions => replayOptionsSchema.parse({ broker: pipeline.mqttUrl, ...given });
const MIN = 60_000;

async function rowsOf(device: string, fields: string, expected: number): Promise<unknown[][]> {
  return eventually(async () => {
    const rows = await pipeline.query(`SELECT ${fields} FROM telemetry WHERE device = '${device}'`);
    return rows.length >= expected ? rows : undefined;
  }, 15_000, `${expected} readings of ${device} in InfluxDB`);
}

describe('clearwater replay into the whole pipeline', () => {
  it('lands every row of a GECCO-format CSV in InfluxDB with its own timestamp (--keep-time), bad rows counted', async () => {
    const first = Math.floor((Date.now() - 2 * 3_600_000) / MIN) * MIN;
    const stamps = Array.from({ length: 30 }, (_, i) => first + i * MIN);
    const lines = stamps.map((ts, i) => `x,7.1,${(0.4 + i / 100).toFixed(2)},7.8,700,300,0.05,0.${100 + i},1500,700,FALSE,${new Date(ts).toISOString()}`);
    lines.splice(10, 0, 'x,7.1,0.4,7.8,700,300,0.05,0.1,1500,700,FALSE,yesterday'); // a bad row
    const file = join(folder, 'synthetic-gecco.csv');
    await writeFile(file, ['Time,Tp,Cl,pH,Redox,Leit,Trueb,Cl_2,Fm,Fm_2,EVENT,Time_UTC', ...lines, ''].join('\n'));

    const clock = fakeClock();
    const said: string[] = [];
    const run = await runReplay(options({ dataset: file, device: 'north-plant-cl', speed: 30, keepTime: true }), { clock, say: (line) => said.push(line) });

    expect(run.rows.badRows).toBe(1);
    expect(run.plan.undeclared).toMatchObject({ temperature: 30, ph: 30, orp: 30, conductivity: 30, turbidity: 30, flow: 30 });
    expect(run.stats).toEqual({ published: 30, acknowledged: 30, rowsAcknowledged: 30, errors: 0 });
    expect(clock.sleeps).toEqual(Array.from({ length: 29 }, () => 2000)); // 30×: a minute every 2 s
    expect(said).toEqual(expect.arrayContaining([expect.stringMatching(/line 12: no valid Time_UTC$/), expect.stringMatching(/: 31 rows, 1 bad, 0 values refused;/)]));

    const stored = await rowsOf('north-plant-cl', 'free_chlorine, total_chlorine', 30);
    expect(stored).toEqual(stamps.map((ts, i) => [ts, Number((0.4 + i / 100).toFixed(2)), Number(`0.${100 + i}`)]));
  });

  it('shifts a batched replay so that its last row lands when it starts, spacing kept', async () => {
    const stamps = Array.from({ length: 25 }, (_, i) => Date.parse('2016-08-03T09:00:00Z') + i * MIN);
    const file = join(folder, 'synthetic-shifted.csv');
    const lines = stamps.map((ts, i) => `x,${(10 + i / 10).toFixed(1)},0.2,${(7 + i / 100).toFixed(2)},${650 + i},300,0.05,0.1,1500,700,FALSE,${new Date(ts).toISOString()}`);
    await writeFile(file, ['Time,Tp,Cl,pH,Redox,Leit,Trueb,Cl_2,Fm,Fm_2,EVENT,Time_UTC', ...lines].join('\n'));

    const clock = fakeClock();
    const startedAt = clock.now();
    const run = await runReplay(options({ dataset: file, device: 'north-plant-ph', speed: 600, batch: 10 }), { clock, say: () => {} });

    expect(run.stats).toMatchObject({ published: 3, acknowledged: 3, rowsAcknowledged: 25, errors: 0 });
    const shift = startedAt - stamps.at(-1)!;
    const stored = await rowsOf('north-plant-ph', 'ph, orp, temperature', 25);
    expect(stored).toEqual(stamps.map((ts, i) => [ts + shift, Number((7 + i / 100).toFixed(2)), 650 + i, Number((10 + i / 10).toFixed(1))]));
  });

  const gecco2018 = datasetPath('gecco-2018');
  if (existsSync(gecco2018)) {
    it('replays half an hour of GECCO 2018 from ../shared/data (--from/--to), its chlorine values as in the file', async () => {
      const run = await runReplay(options({ dataset: 'gecco-2018', device: 'north-reservoir-cl', speed: 1_000_000, from: '2016-08-03T10:00:00Z', to: '2016-08-03T10:30:00Z' }), { clock: fakeClock(), say: () => {} });
      expect(run.stats).toMatchObject({ published: 30, acknowledged: 30, errors: 0 });
      const stored = await rowsOf('north-reservoir-cl', 'free_chlorine', 30);
      const expected = run.rows.samples.filter((s) => s.ts >= Date.parse('2016-08-03T10:00:00Z') && s.ts < Date.parse('2016-08-03T10:30:00Z'));
      expect(stored.map((row) => row[1])).toEqual(expected.map((s) => s.values.get('free_chlorine')));
      expect(stored.map((row) => Number(row[0]) - Number(stored[0]![0]))).toEqual(expected.map((s) => s.ts - expected[0]!.ts));
    });
  } else {
    it.skip(`GECCO 2018 slice: ${gecco2018} is missing (the reference data sets are read from ../shared/data beside the repository, never copied into it)`, () => {});
  }
});
