/**
 * Writes to real servers: the durable sink (spool → replayer → InfluxWriter) in v1 mode against
 * the InfluxDB 1.6.7 of the test run, and the unmodified v2 write path against victoria-metrics.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, influxQL } from '../app/local-influxd.ts';
import { DurableSink } from '../ingest/durable-sink.ts';
import { InfluxWriter, influxSchema } from '../ingest/influx-writer.ts';
import { replayerSchema } from '../ingest/replayer.ts';
import { eventually } from './support/pipeline.ts';
import { exportSeries, startVictoriaMetrics } from './support/victoria-metrics.ts';

const T0 = Date.parse('2026-11-28T08:00:00Z');
const lines = (n: number, site: string, from = 0) =>
  Array.from({ length: n }, (_, i) => `telemetry,device=${site}-pt,site=${site},site_kind=tap pressure=${300 + i} ${T0 + (from + i) * 60_000}`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-writes-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function durableSink(url: string, database: string, name: string, replay: Partial<ReturnType<typeof replayerSchema.parse>>) {
  const writer = new InfluxWriter(influxSchema.parse({ url, api: 'v1', database, retentionPolicy: name === 'batching' ? 'week' : undefined }));
  const dead: string[] = [];
  const sink = new DurableSink(
    { path: join(dir, `${name}.db`), maxBytes: 10_000_000, synchronous: 'NORMAL', fullWaitMs: 0 },
    replayerSchema.parse({ minRetryDelayMs: 20, maxRetryDelayMs: 200, ...replay }),
    { writer, deadLetter: (line) => dead.push(line) },
  );
  sink.start();
  return { sink, dead };
}

describe('durable sink, v1 API (InfluxDB 1.6.7)', () => {
  const url = inject('influxUrl');

  it('batches by size and by interval, into a database and retention policy', async () => {
    await createDatabase(url, 'sink_v1');
    await influxQL(url, 'CREATE RETENTION POLICY "week" ON "sink_v1" DURATION 7d REPLICATION 1');
    const { sink } = durableSink(url, 'sink_v1', 'batching', { batchLines: 100, flushIntervalMs: 300 });
    for (let turn = 0; turn < 5; turn++) {
      await sink.append(lines(50, 'bysize', turn * 50)); // one spool row per event-loop turn
    }
    // 250 lines: two full batches of 100 go at once, the last 50 wait for the interval.
    await eventually(() => (sink.stats().linesWritten === 200 ? true : undefined), 2000);
    expect(sink.stats().writeRequests).toBe(2);
    await eventually(() => (sink.stats().linesWritten === 250 ? true : undefined), 2000);
    expect(sink.stats().writeRequests).toBe(3);
    const result = await influxQL(url, 'SELECT count(pressure) FROM "week"."telemetry" WHERE site = \'bysize\'', 'sink_v1');
    expect(result.results?.[0]?.series?.[0]?.values[0]?.[1]).toBe(250);
    await sink.stop(1000);
  });

  it('keeps lines on disk while the database is missing and writes them once it exists', async () => {
    const { sink } = durableSink(url, 'created_later', 'missing-db', { batchLines: 1000, flushIntervalMs: 0 });
    await sink.append(lines(40, 'later'));
    await eventually(() => (sink.stats().writeErrors >= 2 ? true : undefined), 5000);
    expect(sink.stats()).toMatchObject({ spoolLines: 40, linesWritten: 0 });
    await createDatabase(url, 'created_later');
    await eventually(() => (sink.stats().spoolLines === 0 ? true : undefined), 5000);
    const result = await influxQL(url, 'SELECT count(pressure) FROM telemetry', 'created_later');
    expect(result.results?.[0]?.series?.[0]?.values[0]?.[1]).toBe(40);
    await sink.stop(1000);
  });

  it('dead-letters a line with a field type conflict and writes the rest of its batch', async () => {
    await createDatabase(url, 'conflict');
    const { sink, dead } = durableSink(url, 'conflict', 'conflict', { batchLines: 1000, flushIntervalMs: 0 });
    await sink.append(lines(10, 'typed'));
    await eventually(() => (sink.stats().spoolLines === 0 ? true : undefined), 5000);
    const bad = `telemetry,device=typed-pt,site=typed,site_kind=tap pressure="high" ${T0 + 3_600_000}`;
    await sink.append([...lines(5, 'typed', 100), bad, ...lines(5, 'typed', 200)]);
    await eventually(() => (sink.stats().spoolLines === 0 ? true : undefined), 5000);
    expect(dead).toEqual([bad]);
    const result = await influxQL(url, 'SELECT count(pressure) FROM telemetry', 'conflict');
    expect(result.results?.[0]?.series?.[0]?.values[0]?.[1]).toBe(20);
    await sink.stop(1000);
  });
});

describe('InfluxWriter, v2 API (/api/v2/write on victoria-metrics)', () => {
  let vm: Awaited<ReturnType<typeof startVictoriaMetrics>>;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
  });
  afterAll(() => vm?.stop());

  it('writes through the unmodified v2 client path', async () => {
    const writer = new InfluxWriter(influxSchema.parse({ url: vm.url, api: 'v2', token: 'unused', org: 'water', bucket: 'clearwater' }));
    await writer.write(lines(30, 'v2site'));
    const series = await exportSeries(vm.url, '{__name__="telemetry_pressure",site="v2site"}');
    expect(series).toHaveLength(1);
    expect(series[0]?.metric).toMatchObject({ device: 'v2site-pt', site_kind: 'tap' });
    expect(series[0]?.values).toHaveLength(30);
    expect(series[0]?.timestamps[0]).toBe(T0);
    await writer.close();
  });
});
