/**
 * InfluxDB stops for several minutes while 200 devices publish QoS 1 readings with per-device
 * sequence numbers. Every reading a device got a PUBACK for must be in InfluxDB once it is back,
 * and the Clearwater process's memory must not grow with the outage (the backlog is on disk).
 * The outage lasts longer than the ~3 minutes after which the InfluxDB client gives lines up.
 *
 * While it is down, the replayer must not hammer it: each retry waits out its backoff however
 * many readings arrive meanwhile, so the write attempts of the outage are bounded by the backoff
 * schedule (the fastest one jitter allows), and the failure is logged once, not per attempt.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startLocalInfluxd, type LocalInfluxd } from '../app/local-influxd.ts';
import { writeBenchCatalog } from '../bench/bench-catalog.ts';
import { startClearwater, type ClearwaterProcess } from './support/clearwater-process.ts';
import { missingReadings, startFleet } from './support/device-fleet.ts';
import { eventually, metric } from './support/pipeline.ts';

const OUTAGE_MS = Number(process.env.CLEARWATER_OUTAGE_SECONDS ?? 200) * 1000;
const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 3000;
const JITTER = 0.3;

/** The most attempts a replayer can make in `ms` if every wait is the shortest the jitter allows (network/backoff.ts). */
function mostAttempts(ms: number): number {
  let attempts = 1;
  for (let waited = 0, delay = MIN_RETRY_MS; waited <= ms; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
    waited += delay * (1 - JITTER);
    attempts += 1;
  }
  return attempts;
}
const DEVICES = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let influxd: LocalInfluxd | undefined;
let clearwater: ClearwaterProcess | undefined;
afterAll(async () => {
  await clearwater?.kill('SIGTERM');
  await influxd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it(`loses no acknowledged reading through a ${OUTAGE_MS / 1000} s InfluxDB outage, with flat memory`, async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-outage-'));
  influxd = await startLocalInfluxd({ databases: ['outage'] });
  const catalog = await writeBenchCatalog(dir, DEVICES);
  clearwater = await startClearwater(dir, {
    catalog: catalog.path,
    influx: { url: influxd.url, api: 'v1', database: 'outage' },
    replay: { minRetryDelayMs: MIN_RETRY_MS, maxRetryDelayMs: MAX_RETRY_MS, jitter: JITTER },
  });
  const base = Date.now() - 60_000;
  const fleet = startFleet({ url: clearwater.mqttUrl, devices: catalog.devices, rate: 5, base, stepMs: 2 });
  await sleep(40_000); // warm-up under load: JIT and the heap settle before the memory baseline

  const ackedBefore = fleet.counts.acked;
  const failedBefore = await metric(clearwater.http, 'clearwater_influx_write_errors_total');
  await influxd.pause();
  const outageStart = Date.now();
  const memory: { at: number; mib: number; heapMiB: number }[] = [];
  while (Date.now() - outageStart < OUTAGE_MS) {
    await sleep(2000);
    memory.push({ at: Date.now() - outageStart, mib: await clearwater.rssMiB(), heapMiB: (await metric(clearwater.http, 'nodejs_heap_size_used_bytes')) / 1048576 });
  }
  const spooledAtPeak = await metric(clearwater.http, 'clearwater_spool_lines');
  const oldestAge = await metric(clearwater.http, 'clearwater_spool_oldest_age_seconds');
  const ackedDuring = fleet.counts.acked - ackedBefore;
  const failedAttempts = (await metric(clearwater.http, 'clearwater_influx_write_errors_total')) - failedBefore;
  const outageMs = Date.now() - outageStart;
  await influxd.resume();
  await sleep(10_000);
  await fleet.stop();

  // Every line spooled during the outage is written once InfluxDB is back.
  await eventually(async () => ((await metric(clearwater!.http, 'clearwater_spool_lines')) === 0 ? true : undefined), 120_000, 'the spool to drain');

  const missing = await missingReadings(fleet, influxd.url, 'outage');
  const ackedTotal = [...fleet.acked.values()].reduce((n, s) => n + s.size, 0);
  // Memory saws up and down with garbage collection; the floor of each minute, right after a
  // collection, is what the process holds. A backlog kept in memory (200,000 lines, tens of MiB
  // of strings) would lift the late floor of the V8 heap. RSS is reported too: it also moves with
  // native allocations (SQLite, socket buffers) that the backlog does not explain.
  const window = Math.min(60_000, OUTAGE_MS / 3);
  const early = memory.filter((m) => m.at <= window);
  const late = memory.filter((m) => m.at >= OUTAGE_MS - window);
  const floor = (xs: number[]) => Math.min(...xs);
  const heapGrowth = floor(late.map((m) => m.heapMiB)) - floor(early.map((m) => m.heapMiB));
  console.log(
    `outage ${OUTAGE_MS / 1000} s: ${ackedTotal} readings acknowledged, ${spooledAtPeak} spooled at the end of the outage ` +
      `(oldest ${oldestAge.toFixed(0)} s), ${missing.length} missing; V8 heap floor ${floor(early.map((m) => m.heapMiB)).toFixed(0)} MiB in the outage's first minute, ${floor(late.map((m) => m.heapMiB)).toFixed(0)} MiB in its last; ` +
      `RSS floor ${floor(early.map((m) => m.mib)).toFixed(0)} → ${floor(late.map((m) => m.mib)).toFixed(0)} MiB, peak ${Math.max(...memory.map((m) => m.mib)).toFixed(0)} MiB`,
  );

  const failing = clearwater.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('InfluxDB writes failing'));
  const recovered = clearwater.logs.filter((l) => l.msg === 'InfluxDB writes succeed again');
  console.log(`outage: ${failedAttempts} failed write attempts in ${(outageMs / 1000).toFixed(0)} s (the backoff allows at most ${mostAttempts(outageMs)}); ${failing.length} failure line, ${recovered.length} recovery line`);

  expect(missing.slice(0, 10)).toEqual([]);
  // Devices kept getting PUBACKs during the outage, and what they sent waited on disk.
  expect(ackedDuring).toBeGreaterThan(0);
  expect(spooledAtPeak).toBeGreaterThan(0);
  expect(oldestAge).toBeGreaterThan((OUTAGE_MS / 1000) * 0.8); // the first line of the outage was still waiting at its end
  // Not hammered: attempts follow the backoff, whatever the devices sent; one line each way in the log.
  expect(failedAttempts).toBeGreaterThan(0);
  expect(failedAttempts).toBeLessThanOrEqual(mostAttempts(outageMs));
  expect(failing).toHaveLength(1);
  expect(recovered).toHaveLength(1);
  expect(recovered[0]).toMatchObject({ failedAttempts: expect.any(Number) });
  expect(heapGrowth).toBeLessThan(20);
  expect(Math.max(...memory.map((m) => m.mib))).toBeLessThan(600); // no runaway native growth either
}, OUTAGE_MS + 270_000);
