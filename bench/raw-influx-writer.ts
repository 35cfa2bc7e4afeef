/**
 * The ceiling: InfluxDB's own line-protocol write rate on this machine, with nothing in front.
 * POSTs large batches of telemetry lines shaped like Clearwater's (same measurement, the six
 * catalog tags, the workload's float fields, ms timestamps) to /write?db=…&precision=ms from a few
 * concurrent requests, as fast as InfluxDB answers.
 *
 * Same child protocol as the load generator (child-protocol.ts): `connected` once the database
 * answers, writes from `go`, counts readings (fields) acknowledged (HTTP 204) between the marks, reports
 * after `stop` once the requests in flight returned. Latency is per request (one batch).
 */
import { seriesPrefix } from '../network/line-protocol.ts';
import type { BenchDevice } from './bench-catalog.ts';
import { childSettings, failChild, onParentMessage, tell, type LoadResult } from './child-protocol.ts';
import { LatencyRecorder } from './latency.ts';
import { rawFields, type Workload } from './workload.ts';

export interface RawWriterSettings {
  /** InfluxDB base URL. */
  readonly url: string;
  readonly database: string;
  readonly devices: readonly BenchDevice[];
  /** Lines per POST. */
  readonly batchLines: number;
  /** Concurrent POSTs. */
  readonly concurrency: number;
  /** The fields of a line: the workload's metrics of one sample (workload.ts). */
  readonly workload: Workload;
}

const settings = childSettings<RawWriterSettings>();
const counters = { sent: 0, acked: 0, errors: 0, windowAcked: 0 };
const latency = new LatencyRecorder();
let recording = false;
let writing = false;
let windowStartMs = 0;
let windowMs = 0;

// Same series as the pipelines write: the tags bench-catalog.ts gives each tap device.
const prefixes = settings.devices.map((device, i) =>
  seriesPrefix('telemetry', { device: device.id, site: device.site, site_kind: 'tap', township: 'bench', village: `village-${i % 10}`, zone: 'bench-zone' }),
);
// Each device's own clock, 1 ms per point, so every point is a distinct (series, time).
// Counts are readings: a line holds one per metric of the workload.
const readingsPerLine = settings.workload.metrics.length;
const readingsPerBatch = settings.batchLines * readingsPerLine;
const clocks = prefixes.map(() => Date.now() - 3_600_000);
let next = 0;

function batch(): string {
  const lines = new Array<string>(settings.batchLines);
  for (let i = 0; i < settings.batchLines; i++) {
    const d = next++ % prefixes.length;
    const ts = (clocks[d] = (clocks[d] ?? 0) + 1);
    lines[i] = `${prefixes[d]} ${rawFields(settings.workload, i)} ${ts}`;
  }
  return lines.join('\n');
}

async function writer(endpoint: string): Promise<void> {
  while (writing) {
    const body = batch();
    const startedAt = performance.now();
    const inWindow = recording;
    counters.sent += readingsPerBatch;
    try {
      const response = await fetch(endpoint, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      await response.arrayBuffer();
      if (response.status !== 204) throw new Error(`HTTP ${response.status}`);
      counters.acked += readingsPerBatch;
      // A request counts in the window when it was answered inside it.
      if (recording) counters.windowAcked += readingsPerBatch;
      if (recording && inWindow) latency.record(performance.now() - startedAt);
    } catch (error) {
      counters.errors++;
      console.error(`raw write failed: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams({ db: settings.database, precision: 'ms' });
  const endpoint = `${settings.url}/write?${params.toString()}`;
  const ping = await fetch(`${settings.url}/ping`);
  if (ping.status !== 204) throw new Error(`InfluxDB /ping answered ${ping.status}`);
  let writers: Promise<void>[] = [];
  onParentMessage((message) => {
    if (message.type === 'go') {
      writing = true;
      writers = Array.from({ length: settings.concurrency }, () => writer(endpoint));
    } else if (message.type === 'mark' && message.mark === 'start') {
      recording = true;
      windowStartMs = performance.now();
    } else if (message.type === 'mark' && message.mark === 'end') {
      recording = false;
      windowMs = performance.now() - windowStartMs;
    } else if (message.type === 'stop') {
      writing = false;
      recording = false;
      void Promise.all(writers).then(() => {
        const { windowAcked, acked, sent, errors } = counters;
        const result: LoadResult = { windowAcked, windowMs, totalAcked: acked, totalSent: sent, totalOffered: sent, errors, latency: latency.summary() };
        tell({ type: 'done', result }, () => process.exit(0));
      });
    }
  });
  tell({ type: 'connected' });
}

main().catch(failChild);
