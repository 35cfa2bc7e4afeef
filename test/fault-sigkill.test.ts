/**
 * Clearwater killed with SIGKILL in the middle of a load, then restarted on the same data:
 * every reading a device got a PUBACK for is in InfluxDB afterwards. Lines wait up to 2 s in the
 * spool before they are written, so at the kill thousands of acknowledged readings exist only
 * in the spool file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { createDatabase } from '../app/local-influxd.ts';
import { writeBenchCatalog } from '../bench/bench-catalog.ts';
import { startClearwater, type ClearwaterProcess } from './support/clearwater-process.ts';
import { missingReadings, startFleet } from './support/device-fleet.ts';
import { eventually, metric } from './support/pipeline.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
const processes: ClearwaterProcess[] = [];
afterAll(async () => {
  for (const p of processes) await p.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('loses no acknowledged reading when the process is killed with SIGKILL mid-load', async () => {
  const influxUrl = inject('influxUrl');
  await createDatabase(influxUrl, 'sigkill');
  dir = await mkdtemp(join(tmpdir(), 'clearwater-sigkill-'));
  const catalog = await writeBenchCatalog(dir, 50);
  const config = { catalog: catalog.path, influx: { url: influxUrl, api: 'v1', database: 'sigkill', flushIntervalMs: 2000, batchSize: 100_000 } };
  const first = await startClearwater(dir, config);
  processes.push(first);
  const base = Date.now() - 60_000;
  const fleet = startFleet({ url: first.mqttUrl, devices: catalog.devices, rate: 20, base, stepMs: 1 });
  await sleep(4000);
  const spooled = await metric(first.http, 'clearwater_spool_lines');
  await first.kill('SIGKILL');
  const ackedAtKill = fleet.counts.acked;
  await fleet.stop();

  const second = await startClearwater(dir, config);
  processes.push(second);
  await eventually(async () => ((await metric(second.http, 'clearwater_spool_lines')) === 0 ? true : undefined), 30_000, 'the spool to drain');

  const missing = await missingReadings(fleet, influxUrl, 'sigkill');
  console.log(`SIGKILL: ${ackedAtKill} acknowledged, ${spooled} only in the spool shortly before the kill, ${fleet.counts.failed} unacknowledged, ${missing.length} missing`);
  // Killed mid-load: readings were acknowledged, and some only in the spool, not yet in InfluxDB.
  expect(spooled).toBeGreaterThan(0);
  expect(ackedAtKill).toBeGreaterThan(0);
  expect(missing.slice(0, 10)).toEqual([]);
  expect(second.logs.some((l) => l.msg === 'replaying lines spooled before the last stop')).toBe(true);
}, 90_000);
