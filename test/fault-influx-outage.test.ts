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
  await sleep(10_000);

  await influxd.pause();
  const outageStart = Date.now();
  const memory: { at: number; mib: number }[] = [];
  while (Date.now() - outageStart < OUTAGE_MS) {
    await sleep(5000);
    memory.push({ at: Date.now() - outageStart, mib: await clearwater.rssMiB() });
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
  const early = memory.filter((m) => m.at <= 30_000).map((m) => m.mib);
  const late = memory.filter((m) => m.at >= OUTAGE_MS - 30_000).map((m) => m.mib);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(
    `outage ${OUTAGE_MS / 1000} s: ${ackedTotal} readings acknowledged, ${spooledAtPeak} spooled at the end of the outage ` +
      `(oldest ${oldestAge.toFixed(0)} s), ${missing.length} missing; RSS ${median(early).toFixed(0)} MiB early in the outage, ${median(late).toFixed(0)} MiB late`,
  );

  expect(missing.slice(0, 10)).toEqual([]);
  expect(ackedTotal).toBeGreaterThan(DEVICES * 5 * (OUTAGE_MS / 1000) * 0.5); // devices kept getting PUBACKs during the outage
  expect(spooledAtPeak).toBeGreaterThan(DEVICES * 5 * (OUTAGE_MS / 1000) * 0.5);
  expect(oldestAge).toBeGreaterThan((OUTAGE_MS / 1000) * 0.8);
  expect(median(late) - median(early)).toBeLessThan(40);
}, OUTAGE_MS + 240_000);
