/**
 * The load: one mqtt.js client per device (its own credentials, client id = device id),
 * publishing single-reading QoS 1 telemetry as fast as the broker acknowledges, with at most
 * `inflight` unacknowledged publishes per device (shared/DESIGN.md, "The wire contract"):
 *   water/{site}/{device}/telemetry  {"ts": <ms>, "seq": n, "readings": {"turbidity": x}}
 * `ts` is the wall clock, bumped by 1 ms when a device would repeat one, so no two readings of a
 * series share a timestamp (InfluxDB would keep only the last). Turbidity stays in 0.10-0.29
 * NTU, under every rule's threshold, so no ticket is opened.
 *
 * Runs as a child of bench/throughput.ts (protocol: child-protocol.ts): connects every device,
 * says `connected`, publishes from `go`, counts acknowledgements and PUBACK latencies between
 * the `start` and `end` marks, and on `stop` waits for the outstanding PUBACKs, then reports.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { Socket } from 'node:net';
import type { BenchDevice } from './bench-catalog.ts';
import { childSettings, failChild, onParentMessage, tell, type LoadResult } from './child-protocol.ts';
import { LatencyRecorder } from './latency.ts';

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
}

interface DeviceLoad {
  readonly client: MqttClient;
  readonly topic: string;
  inFlight: number;
  seq: number;
  lastTs: number;
}

const settings = childSettings<LoadGeneratorSettings>();
const counters = { sent: 0, acked: 0, errors: 0, windowAcked: 0 };
const latency = new LatencyRecorder();
let recording = false;
let publishing = false;
let windowStartMs = 0;
let windowMs = 0;

function connectDevice(url: string, device: BenchDevice, noDelay: boolean): Promise<DeviceLoad> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId: device.id,
      username: device.id,
      password: device.password,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      keepalive: 60,
    });
    client.once('connect', () => {
      if (noDelay && client.stream instanceof Socket) client.stream.setNoDelay(true);
      resolve({ client, topic: `water/${device.site}/${device.id}/telemetry`, inFlight: 0, seq: 0, lastTs: 0 });
    });
    client.once('error', (error) => reject(new Error(`${device.id}: ${error.message}`)));
  });
}

function publishNext(device: DeviceLoad): void {
  const seq = device.seq++;
  const ts = Math.max(Date.now(), device.lastTs + 1);
  device.lastTs = ts;
  const turbidity = (10 + (seq % 20)) / 100;
  const payload = `{"ts":${ts},"seq":${seq},"readings":{"turbidity":${turbidity}}}`;
  const sentAt = performance.now();
  device.inFlight++;
  counters.sent++;
  device.client.publish(device.topic, payload, { qos: 1 }, (error) => {
    device.inFlight--;
    if (error) counters.errors++;
    else {
      counters.acked++;
      if (recording) {
        counters.windowAcked++;
        latency.record(performance.now() - sentAt);
      }
    }
    pump(device);
  });
}

function pump(device: DeviceLoad): void {
  while (publishing && device.inFlight < settings.inflight && device.client.connected) publishNext(device);
}

async function drain(devices: readonly DeviceLoad[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (devices.some((d) => d.inFlight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function main(): Promise<void> {
  const devices: DeviceLoad[] = [];
  // Connect in groups so a slow login does not time the others out.
  for (let i = 0; i < settings.devices.length; i += 25) {
    devices.push(...(await Promise.all(settings.devices.slice(i, i + 25).map((d) => connectDevice(settings.url, d, settings.noDelay)))));
  }
  for (const device of devices) device.client.on('error', () => counters.errors++);
  onParentMessage((message) => {
    if (message.type === 'go') {
      publishing = true;
      for (const device of devices) pump(device);
    } else if (message.type === 'mark' && message.mark === 'start') {
      recording = true;
      windowStartMs = performance.now();
    } else if (message.type === 'mark' && message.mark === 'end') {
      recording = false;
      windowMs = performance.now() - windowStartMs;
    } else if (message.type === 'stop') {
      publishing = false;
      recording = false;
      void finish(devices);
    }
  });
  tell({ type: 'connected' });
}

async function finish(devices: readonly DeviceLoad[]): Promise<void> {
  await drain(devices, settings.drainTimeoutMs);
  const result: LoadResult = {
    windowAcked: counters.windowAcked,
    windowMs,
    totalAcked: counters.acked,
    totalSent: counters.sent,
    errors: counters.errors,
    latency: latency.summary(),
  };
  await Promise.all(devices.map((d) => d.client.endAsync(true).catch(() => undefined)));
  tell({ type: 'done', result }, () => process.exit(0));
}

main().catch(failChild);
