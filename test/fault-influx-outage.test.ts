/**
 * InfluxDB stops for several minutes while 200 devices publish QoS 1 readings with per-device
 * sequence numbers. Every reading a device got a PUBACK for must be in InfluxDB once it is back,
 * and the Clearwater process's memory must not grow with the outage (the backlog is on disk).
 * The outage lasts longer than the ~3 minutes after which the InfluxDB client gives lines up.
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
    replay: { maxRetryDelayMs: 3000 },
  });
  const base = Date.now() - 60_000;
  const fleet = startFleet({ url: clearwater.mqttUrl, devices: catalog.devices, rate: 5, base, stepMs: 2 });
  await sleep(40_000); // warm-up under load: JIT and the heap settle before the memory baseline

  await influxd.pause();
  const outageStart = Date.now();
  const memory: { at: number; mib: number; heapMiB: number }[] = [];
  while (Date.now() - outageStart < OUTAGE_MS) {
    await sleep(2000);
    memory.push({ at: Date.now() - outageStart, mib: await clearwater.rssMiB(), heapMiB: (await metric(clearwater.http, 'nodejs_heap_size_used_bytes')) / 1048576 });
  }
  const spooledAtPeak = await metric(clearwater.http, 'clearwater_spool_lines');
  const oldestAge = await metric(clearwater.http, 'clearwater_spool_oldest_age_seconds');
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

  expect(missing.slice(0, 10)).toEqual([]);
  expect(ackedTotal).toBeGreaterThan(DEVICES * 5 * (OUTAGE_MS / 1000) * 0.5); // devices kept getting PUBACKs during the outage
  expect(spooledAtPeak).toBeGreaterThan(DEVICES * 5 * (OUTAGE_MS / 1000) * 0.5);
  expect(oldestAge).toBeGreaterThan((OUTAGE_MS / 1000) * 0.8);
  expect(heapGrowth).toBeLessThan(20);
  expect(Math.max(...memory.map((m) => m.mib))).toBeLessThan(600); // no runaway native growth either
}, OUTAGE_MS + 270_000);
