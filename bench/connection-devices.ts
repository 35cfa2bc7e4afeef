/**
 * A share of the connections benchmark's devices (bench/connections.ts), in a process of its own:
 * each device is one mqtt.js client with its own credentials, connecting from its own 127.0.0.x
 * source address (so the broker's default per-address limit applies as to devices behind NAT),
 * reporting one turbidity reading at QoS 1 every `reportIntervalMs` (its phase drawn at random)
 * and once at once after every (re)connect, as devices do when they boot. A refused or lost
 * connection is retried every `reconnectMs` (CONNACK errors too: a device retries).
 *
 * Protocol (JSON over the IPC channel): parent → child `{type: 'start', settings}` (the credentials
 * are too long for argv), answered `{type: 'started', at}` as the clients are created; child → parent `{type: 'connected'}` once every device has
 * had its first PUBACK; parent → child `{type: 'mark'}` (start of a phase), `{type: 'drop'}` (close
 * the storm group's sockets at once; the control group keeps its connections),
 * `{type: 'status'}` → `{type: 'status', status}`, `{type: 'stop'}` → stops reporting, waits
 * for what is unacknowledged (at most `drainMs`), answers `{type: 'done', status, ackedByDevice}`
 * and exits.
 */
import { createConnection } from 'node:net';
import mqtt from 'mqtt';
import { telemetryTopic } from '../network/topic.ts';
import { deviceLogin } from '../simulators/device-login.ts';
import { InFlightWindow } from '../simulators/in-flight.ts';
import { mergeCloseReason, type CloseReason } from './close-reasons.ts';

export interface DeviceSlot {
  readonly id: string;
  readonly site: string;
  readonly password: string;
  readonly localAddress: string;
  /** The control group never drops in the outage storm. */
  readonly control: boolean;
}

export interface DevicesSettings {
  readonly port: number;
  readonly devices: readonly DeviceSlot[];
  readonly reportIntervalMs: number;
  readonly reconnectMs: number;
  readonly drainMs: number;
}

/** What this share saw since the last mark (times are epoch ms; 0: none yet). */
export interface DevicesStatus {
  readonly devices: number;
  readonly connected: number;
  /** Devices with a PUBACK for a publish sent after the mark, and when the last of them got its first. */
  readonly backSinceMark: number;
  readonly lastBackAt: number;
  /** Storm-group devices back since the mark (the outage storm waits for these). */
  readonly stormBack: number;
  readonly stormDevices: number;
  /** Control group: its slowest PUBACK since the mark, and its publishes still unacknowledged now. */
  readonly controlMaxAckMs: number;
  readonly controlUnacked: number;
  readonly controlDisconnects: number;
  /** The control group's disconnects by what the client saw last before the close (its error, or none), with the first and last of them in s after the mark. */
  readonly controlCloseReasons: Record<string, CloseReason>;
  /** Logins refused (CONNACK error, by code) since the mark. */
  readonly refused: Record<string, number>;
  /** Totals since the start. */
  readonly sent: number;
  readonly acked: number;
  readonly unacked: number;
}

type Message = { type: 'start'; settings: DevicesSettings } | { type: 'mark' } | { type: 'drop' } | { type: 'status' } | { type: 'stop' };

interface Device {
  readonly slot: DeviceSlot;
  readonly client: mqtt.MqttClient;
  /** Unbounded: a device reports at its interval whatever is still outstanding. */
  readonly window: InFlightWindow;
  seq: number;
  /** Timestamp of its last reading: each reading gets its own, so each is its own point in InfluxDB. */
  lastTs: number;
  /** First PUBACK for a publish sent after the mark. */
  backAt: number;
  ever: boolean;
}

let settings: DevicesSettings = { port: 0, devices: [], reportIntervalMs: 60_000, reconnectMs: 1000, drainMs: 0 };
const say = (message: object, then?: () => void) => process.send?.(message, undefined, {}, () => then?.());
let markAt = Date.now();
let controlMaxAckMs = 0;
let controlDisconnects = 0;
let controlCloseReasons: Record<string, CloseReason> = {};
let refused: Record<string, number> = {};
let reporting = true;
let announced = false;
const devices: Device[] = [];

function publish(device: Device): void {
  if (!reporting) return;
  const sentAt = Date.now();
  const ts = Math.max(sentAt, device.lastTs + 1);
  device.lastTs = ts;
  const { slot } = device;
  device.seq += 1;
  const payload = JSON.stringify({ ts, seq: device.seq, readings: { turbidity: 0.2 + (device.seq % 10) / 100 } });
  device.window.publish(device.client, telemetryTopic(slot.site, slot.id), payload, undefined, (error) => {
    if (error) return;
    const now = Date.now();
    if (sentAt >= markAt && device.backAt < markAt) device.backAt = now;
    if (slot.control && sentAt >= markAt) controlMaxAckMs = Math.max(controlMaxAckMs, now - sentAt);
    if (!device.ever) {
      device.ever = true;
      if (!announced && devices.every((d) => d.ever)) {
        announced = true;
        say({ type: 'connected' });
      }
    }
  });
}

function start(slot: DeviceSlot): Device {
  const { port } = settings;
  const client = new mqtt.MqttClient(() => createConnection({ host: '127.0.0.1', port, localAddress: slot.localAddress }), {
    ...deviceLogin(slot),
    keepalive: 120,
    reconnectPeriod: settings.reconnectMs,
    reconnectOnConnackError: true,
    connectTimeout: 30_000,
  });
  const device: Device = { slot, client, window: new InFlightWindow(Number.POSITIVE_INFINITY), seq: 0, lastTs: 0, backAt: 0, ever: false };
  let lastError = 'none';
  let up = false;
  client.on('connect', () => {
    up = true;
    lastError = 'none (the broker closed the socket)';
    client.stream.once('error', (error: Error) => (lastError = `socket: ${error.message.slice(0, 70)}`));
    publish(device);
  });
  client.on('error', (error) => {
    lastError = error.message.slice(0, 80);
    const code = (error as { code?: unknown }).code;
    const key = typeof code === 'number' ? `connack_${code}` : 'network';
    refused[key] = (refused[key] ?? 0) + 1;
  });
  client.on('close', () => {
    const wasUp = up;
    up = false;
    if (!slot.control) return;
    controlDisconnects += 1;
    // A failed reconnect attempt closes too: tell those from a connection that was up.
    const key = `${wasUp ? 'was connected' : 'reconnect attempt'}: ${lastError}`;
    const atS = Math.round((Date.now() - markAt) / 1000);
    controlCloseReasons[key] = mergeCloseReason(controlCloseReasons[key], { count: 1, firstS: atS, lastS: atS });
  });
  const phase = Math.random() * settings.reportIntervalMs;
  setTimeout(() => setInterval(() => publish(device), settings.reportIntervalMs).unref(), phase).unref();
  return device;
}

/** Sent and not acknowledged, refused publishes included (they were never acknowledged). */
const unacked = (d: Device) => d.window.counts.sent - d.window.counts.acknowledged;
const total = (count: (d: Device) => number) => devices.reduce((n, d) => n + count(d), 0);

function status(): DevicesStatus {
  const back = devices.filter((d) => d.backAt >= markAt);
  const storm = devices.filter((d) => !d.slot.control);
  const control = devices.filter((d) => d.slot.control);
  return {
    devices: devices.length,
    connected: devices.filter((d) => d.client.connected).length,
    backSinceMark: back.length,
    lastBackAt: back.reduce((latest, d) => Math.max(latest, d.backAt), 0),
    stormBack: storm.filter((d) => d.backAt >= markAt).length,
    stormDevices: storm.length,
    controlMaxAckMs,
    controlUnacked: control.reduce((n, d) => n + unacked(d), 0),
    controlDisconnects,
    controlCloseReasons,
    refused,
    sent: total((d) => d.window.counts.sent),
    acked: total((d) => d.window.counts.acknowledged),
    unacked: total(unacked),
  };
}

async function stop(): Promise<void> {
  reporting = false;
  const until = Date.now() + settings.drainMs;
  while (Date.now() < until && devices.some((d) => unacked(d) > 0)) await new Promise((resolve) => setTimeout(resolve, 200));
  const last = status();
  await Promise.all(devices.map((d) => new Promise<void>((resolve) => d.client.end(true, {}, () => resolve()))));
  const ackedByDevice = Object.fromEntries(devices.map((d) => [d.slot.id, d.window.counts.acknowledged]));
  say({ type: 'done', status: last, ackedByDevice }, () => process.exit(0));
}

process.on('message', (message: Message) => {
  if (message.type === 'start') {
    settings = message.settings;
    markAt = Date.now();
    say({ type: 'started', at: markAt });
    for (const slot of settings.devices) devices.push(start(slot));
  } else if (message.type === 'mark') {
    markAt = Date.now();
    controlMaxAckMs = 0;
    controlDisconnects = 0;
    controlCloseReasons = {};
    refused = {};
  } else if (message.type === 'drop') {
    for (const d of devices) if (!d.slot.control) d.client.stream.destroy();
  } else if (message.type === 'status') say({ type: 'status', status: status() });
  else if (message.type === 'stop') void stop();
});
