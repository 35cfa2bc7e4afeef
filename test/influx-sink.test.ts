/**
 * The InfluxDB sink against real servers: v1 mode against the InfluxDB 1.6.7 of the test run,
 * the unmodified v2 write path against victoria-metrics.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, influxQL } from '../app/local-influxd.ts';
import { InfluxSink, influxSinkSchema } from '../ingest/influx-sink.ts';
import { exportSeries, startVictoriaMetrics } from './support/victoria-metrics.ts';

const T0 = Date.parse('2026-11-28T08:00:00Z');
const lines = (n: number, site: string) =>
  Array.from({ length: n }, (_, i) => `telemetry,device=${site}-pt,site=${site},site_kind=tap pressure=${300 + i} ${T0 + i * 60_000}`);

describe('InfluxDB sink, v1 API (InfluxDB 1.6.7)', () => {
  const url = inject('influxUrl');

  it('writes batches by size and by interval, with database and retention policy', async () => {
    await createDatabase(url, 'sink_v1');
    await influxQL(url, 'CREATE RETENTION POLICY "week" ON "sink_v1" DURATION 7d REPLICATION 1');
    const sink = new InfluxSink(influxSinkSchema.parse({ url, api: 'v1', database: 'sink_v1', retentionPolicy: 'week', batchSize: 100, flushIntervalMs: 200 }));
    sink.write(lines(250, 'bysize')); // two full batches go at once, 50 lines wait for the interval
    await new Promise((r) => setTimeout(r, 600));
    expect(sink.stats.linesWritten).toBe(250);
    const result = await influxQL(url, 'SELECT count(pressure) FROM "week"."telemetry" WHERE site = \'bysize\'', 'sink_v1');
    expect(result.results?.[0]?.series?.[0]?.values[0]?.[1]).toBe(250);
    await sink.close();
  });

  it('counts write errors against a database that does not exist', async () => {
    const sink = new InfluxSink(influxSinkSchema.parse({ url, api: 'v1', database: 'missing_db', batchSize: 10, maxRetries: 0 }));
    sink.write(lines(3, 'nowhere'));
    await sink.flush().catch(() => undefined);
    expect(sink.stats.writeErrors).toBeGreaterThan(0);
    expect(sink.stats.linesWritten).toBe(0);
    await sink.close().catch(() => undefined);
  });
});

describe('InfluxDB sink, v2 API (/api/v2/write on victoria-metrics)', () => {
  let vm: Awaited<ReturnType<typeof startVictoriaMetrics>>;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
  });
  afterAll(() => vm?.stop());

  it('writes through the unmodified v2 client path', async () => {
    const sink = new InfluxSink(influxSinkSchema.parse({ url: vm.url, api: 'v2', token: 'unused', org: 'water', bucket: 'clearwater', batchSize: 1000 }));
    sink.write(lines(30, 'v2site'));
    await sink.flush();
    expect(sink.stats.linesWritten).toBe(30);
    const series = await exportSeries(vm.url, '{__name__="telemetry_pressure",site="v2site"}');
    expect(series).toHaveLength(1);
    expect(series[0]?.metric).toMatchObject({ device: 'v2site-pt', site_kind: 'tap' });
    expect(series[0]?.values).toHaveLength(30);
    expect(series[0]?.timestamps[0]).toBe(T0);
    await sink.close();
  });
});
