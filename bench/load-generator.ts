/**
 * The load: one mqtt.js client per device (its own credentials, client id = device id),
 * publishing single-reading QoS 1 telemetry with at most `inflight` unacknowledged publishes per
 * device (the wire contract: README.md, "Wire contract in one glance"):
 *   water/{site}/{device}/telemetry  {"ts": <ms>, "seq": n, "readings": {"turbidity": x}}
 * Two modes:
 * - closed loop (`ratePerDevice` 0): each device publishes as fast as the broker acknowledges;
 * - rate-controlled (`ratePerDevice` > 0): each device has a schedule of `ratePerDevice`
 *   messages a second from `go`. It publishes what the schedule called for while its window has
 *   room; when the window is full it waits (that wait is the broker's back-pressure) and sends
 *   its backlog as PUBACKs free the window, like a device that keeps unsent readings. `offered`
 *   (the schedule) − `sent` is how far behind the devices are.
 * `ts` is the wall clock at sending, bumped by 1 ms when a device would repeat one, so no two
 * readings of a series share a timestamp (InfluxDB would keep only the last). Turbidity stays in
 * 0.10-0.29 NTU, under every rule's threshold, so no ticket is opened.
 *
 * Runs as a child of bench/throughput.ts (protocol: child-protocol.ts): connects every device,
 * says `connected`, publishes from `go`, counts acknowledgements and PUBACK latencies between
 * the `start` and `end` marks, answers `progress` with its running totals, and on `stop` stops
 * publishing, waits for the outstanding PUBACKs, then reports.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { Socket } from 'node:net';
import { telemetryTopic } from '../network/topic.ts';
import { deviceLogin } from '../simulators/device-login.ts';
import { InFlightWindow } from '../simulators/in-flight.ts';
import type { BenchDevice } from './bench-catalog.ts';
import { childSettings, failChild, onParentMessage, tell, type LoadProgress, type LoadResult } from './child-protocol.ts';
import { LatencyRecorder } from './latency.ts';
import { B_HISTORY_MS, message, type Workload } from './workload.ts';

export interface LoadGeneratorSettings {
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  readonly devices: readonly BenchDevice[];
  /** Unacknowledged QoS 1 publishes per device. */
  readonly inflight: number;
  /** How long `stop` waits for outstanding PUBACKs, ms. */
  readonly drainTimeoutMs: number;
  /** Turn Nagle's algorithm off on the device sockets (TCP_NODELAY); mqtt.js leaves it on. */
  readonly noDelay: boolean;
  /** Messages a second each device offers (rate-controlled mode); 0: as fast as PUBACKs allow. */
  readonly ratePerDevice: number;
  /** What a message holds (workload.ts). */
  readonly workload: Workload;
}

/** How often a rate-controlled device looks at its schedule, ms (PUBACKs wake it in between). */
const SCHEDULE_TICK_MS = 5;

interface DeviceLoad {
  readonly client: MqttClient;
  readonly topic: string;
  readonly window: InFlightWindow;
  /** Messages published so far (also the next `seq`). */
  seq: number;
  lastTs: number;
  /** Where in its first interval the device's schedule starts, 0..1, so devices do not fire in step. */
  readonly phase: number;
}

const settings = childSettings<LoadGeneratorSettings>();
/** Workload B's loggers start their history here (workload.ts). */
const startTs = Date.now() - B_HISTORY_MS;
/**
 * Errors beyond refused publishes (the windows count those): client errors. `pastPresent`: B
 * messages whose samples ran past the present (the logger's history used up, which only a peer
 * faster than any pipeline, the bare broker, gets to), kept apart: a pipeline would refuse them,
 * the bare broker does not look at timestamps.
 */
const counters = { errors: 0, pastPresent: 0, windowAcked: 0 };
const latency = new LatencyRecorder();
let recording = false;
let publishing = false;
let windowStartMs = 0;
let windowMs = 0;
/** performance.now() at `go` and at `stop`: the span the schedules ran. */
let goAtMs = Number.NaN;
let stopAtMs = Number.NaN;

/** Messages a rate-controlled device's schedule called for by `nowMs`; frozen at `stop`. */
function offeredBy(device: DeviceLoad, nowMs: number): number {
  if (Number.isNaN(goAtMs)) return 0;
  const until = Number.isNaN(stopAtMs) ? nowMs : Math.min(nowMs, stopAtMs);
  return Math.floor(((until - goAtMs) / 1000) * settings.ratePerDevice + device.phase);
}

function connectDevice(url: string, device: BenchDevice, noDelay: boolean, phase: number): Promise<DeviceLoad> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      ...deviceLogin(device),
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      keepalive: 60,
    });
    client.once('connect', () => {
      if (noDelay && client.stream instanceof Socket) client.stream.setNoDelay(true);
      const window = new InFlightWindow(settings.inflight);
      resolve({ client, topic: telemetryTopic(device.site, device.id), window, seq: 0, lastTs: 0, phase });
    });
    client.once('error', (error) => reject(new Error(`${device.id}: ${error.message}`)));
  });
}

function publishNext(device: DeviceLoad): void {
  const seq = device.seq++;
  const now = Date.now();
  const { payload, lastTs } = message(settings.workload, seq, now, device.lastTs, startTs);
  device.lastTs = lastTs;
  // A logger's history must not run into the present (future timestamps are rejected).
  if (settings.workload.name === 'b' && lastTs > now) counters.pastPresent++;
  const sentAt = performance.now();
  device.window.publish(device.client, device.topic, payload, undefined, (error) => {
    if (!error && recording) {
      counters.windowAcked++;
      latency.record(performance.now() - sentAt);
    }
    pump(device);
  });
}

/** Publishes while the window has room and (rate mode) the schedule has called for more. */
function pump(device: DeviceLoad): void {
  if (!publishing) return;
  const due = settings.ratePerDevice > 0 ? offeredBy(device, performance.now()) : Number.POSITIVE_INFINITY;
  while (device.window.hasRoom && device.seq < due && device.client.connected) publishNext(device);
}

function progress(devices: readonly DeviceLoad[]): LoadProgress {
  const now = performance.now();
  const total = (count: 'sent' | 'acknowledged' | 'refused') => devices.reduce((sum, d) => sum + d.window.counts[count], 0);
  const sent = total('sent');
  const offered = settings.ratePerDevice > 0 ? devices.reduce((sum, d) => sum + offeredBy(d, now), 0) : sent;
  return { offered, sent, acked: total('acknowledged'), errors: counters.errors + total('refused') };
}

async function main(): Promise<void> {
  const devices: DeviceLoad[] = [];
  const count = settings.devices.length;
  // Connect in groups so a slow login does not time the others out.
  for (let i = 0; i < count; i += 25) {
    const group = settings.devices.slice(i, i + 25).map((d, j) => connectDevice(settings.url, d, settings.noDelay, (i + j) / count));
    devices.push(...(await Promise.all(group)));
  }
  for (const device of devices) device.client.on('error', () => counters.errors++);
  let ticker: NodeJS.Timeout | undefined;
  onParentMessage((message) => {
    if (message.type === 'go') {
      publishing = true;
      goAtMs = performance.now();
      for (const device of devices) pump(device);
      if (settings.ratePerDevice > 0) ticker = setInterval(() => devices.forEach(pump), SCHEDULE_TICK_MS);
    } else if (message.type === 'progress') {
      tell({ type: 'progress', progress: progress(devices) });
    } else if (message.type === 'mark' && message.mark === 'start') {
      recording = true;
      windowStartMs = performance.now();
    } else if (message.type === 'mark' && message.mark === 'end') {
      recording = false;
      windowMs = performance.now() - windowStartMs;
    } else if (message.type === 'stop') {
      publishing = false;
      recording = false;
      stopAtMs = performance.now();
      clearInterval(ticker);
      void finish(devices);
    }
  });
  tell({ type: 'connected' });
}

async function finish(devices: readonly DeviceLoad[]): Promise<void> {
  await Promise.all(devices.map((d) => d.window.drain(settings.drainTimeoutMs)));
  const totals = progress(devices);
  const result: LoadResult = {
    windowAcked: counters.windowAcked,
    windowMs,
    totalAcked: totals.acked,
    totalSent: totals.sent,
    totalOffered: totals.offered,
    errors: totals.errors,
    pastPresent: counters.pastPresent,
    latency: latency.summary(),
  };
  await Promise.all(devices.map((d) => d.client.endAsync(true).catch(() => undefined)));
  tell({ type: 'done', result }, () => process.exit(0));
}

main().catch(failChild);
