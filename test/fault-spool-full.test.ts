/**
 * The spool is full (InfluxDB down longer than the spool holds): new QoS 1 publishes wait, then
 * are refused without a PUBACK, so devices keep their readings and retry. When InfluxDB returns
 * the spool drains, the devices' retries go through, and every reading lands: none was dropped.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startLocalInfluxd, type LocalInfluxd } from '../app/local-influxd.ts';
import { writeBenchCatalog } from '../bench/bench-catalog.ts';
import { missingReadings, startFleet } from './support/device-fleet.ts';
import { eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
let influxd: LocalInfluxd | undefined;
let pipeline: TestPipeline | undefined;
afterAll(async () => {
  await pipeline?.close();
  await influxd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('refuses publishes while the spool is full and drops none', async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-full-'));
  influxd = await startLocalInfluxd({ databases: ['full'] });
  const catalog = await writeBenchCatalog(dir, 5);
  pipeline = await startTestPipeline(influxd.url, 'full', {
    catalog: catalog.path,
    spool: { maxBytes: 40_000, fullWaitMs: 300 },
    replay: { maxRetryDelayMs: 500 },
  });
  await influxd.pause();
  const base = Date.now() - 60_000;
  const fleet = startFleet({ url: pipeline.mqttUrl, devices: catalog.devices, rate: 50, base, stepMs: 1, inflight: 5 });

  await eventually(async () => ((await metric(pipeline!.http, 'clearwater_spool_publishes_refused_total')) > 5 ? true : undefined), 30_000, 'refusals');
  const ackedWhileFull = fleet.counts.acked;
  await sleep(1000);
  expect(fleet.counts.acked - ackedWhileFull).toBeLessThan(20); // no more PUBACKs while full
  expect(await metric(pipeline.http, 'clearwater_spool_bytes')).toBeLessThan(60_000);
  const sentWhileFull = fleet.counts.sent;
  expect(sentWhileFull).toBeGreaterThan(fleet.counts.acked); // devices hold unacknowledged readings

  await influxd.resume();
  await sleep(3000); // devices retry and go on publishing
  await fleet.stop();
  await eventually(async () => ((await metric(pipeline!.http, 'clearwater_spool_lines')) === 0 ? true : undefined), 30_000, 'the spool to drain');

  const missing = await missingReadings(fleet, influxd.url, 'full');
  expect(missing).toEqual([]);
  // The readings refused while the spool was full were retried by the devices and landed too.
  const ackedTotal = [...fleet.acked.values()].reduce((n, s) => n + s.size, 0);
  expect(ackedTotal).toBeGreaterThan(sentWhileFull * 0.9);
}, 90_000);
