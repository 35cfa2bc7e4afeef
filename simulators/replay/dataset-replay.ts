/**
 * Dataset replay, the adapter: publishes a replay plan's messages (plan.ts) over MQTT as one
 * catalog device, paced by their timestamps divided by `speed`. Like a simulated device
 * (simulated-device.ts) it logs in as itself (username = client id = device id, its own
 * password), leaves a retained QoS 1 `offline` will on its status topic, announces `online`
 * there, publishes telemetry at QoS 1 and, at the end, waits for every PUBACK, announces
 * `offline` and disconnects cleanly (which discards the will [MQTT-3.14.4-3]).
 *
 * Pacing: message i is handed to the client when the injected clock reaches
 * start + (dueMs_i − dueMs_0) / speed; at most `maxInFlight` publishes await their PUBACK (back
 * pressure rather than an unbounded queue). One connection, so the broker sees the rows in order.
 * Aborting `signal` (Ctrl-C) ends it the same way as running out of rows, only sooner.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Device } from '../../network/catalog.ts';
import { statusTopic, telemetryTopic } from '../../network/topic.ts';
import type { WireMessage } from './plan.ts';

export type ConnectFn = (brokerUrl: string, options: IClientOptions) => MqttClient;

/** The replay's clock, injected: the wall clock in use, a fake one in tests. */
export interface ReplayClock {
  /** Epoch ms. */
  now(): number;
  /** Resolves after `ms` of this clock, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const wallClock: ReplayClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => {}),
};

export interface DatasetReplayOptions {
  readonly device: Device;
  /** mqtt://, mqtts://, ws://, wss:// */
  readonly brokerUrl: string;
  readonly password: string;
  /** MQTT client factory (mqtt.connect). */
  readonly connect: ConnectFn;
  readonly clock: ReplayClock;
  /** Data-set milliseconds per clock millisecond, > 0. */
  readonly speed: number;
  /** Unacknowledged QoS 1 publishes at most; default 10. */
  readonly maxInFlight?: number;
  /** Fail when the broker has not accepted the connection within this, ms; default 10 000. */
  readonly connectTimeoutMs?: number;
  /** Stops the replay: nothing more is published; what is in flight is awaited, then `offline` and a clean disconnect. */
  readonly signal?: AbortSignal;
  /** Called after each acknowledged message, with the count so far. */
  readonly onAcknowledged?: (acknowledged: number, message: WireMessage) => void;
}

export interface DatasetReplayStats {
  published: number;
  acknowledged: number;
  /** Rows in the acknowledged messages. */
  rowsAcknowledged: number;
  errors: number;
  lastError?: string;
}

/** Connects as the device; rejects (and closes the client) on a refused CONNECT, a socket error or the timeout. */
function connectDevice(options: DatasetReplayOptions, status: string): Promise<MqttClient> {
  const { device } = options;
  const client = options.connect(options.brokerUrl, {
    clientId: device.id,
    username: device.id,
    password: options.password,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      client.end(true);
      reject(new Error(`replay: ${device.id} not connected to ${options.brokerUrl}: ${why}`));
    };
    const timer = setTimeout(() => fail('timed out'), options.connectTimeoutMs ?? 10_000);
    client.once('error', (error) => fail(error.message));
    client.once('connect', () => {
      clearTimeout(timer);
      client.removeAllListeners('error');
      resolve(client);
    });
  });
}

/** Publishes `messages` in order, paced; resolves when every one is acknowledged (or failed) and the device has disconnected. */
export async function replayMessages(messages: readonly WireMessage[], options: DatasetReplayOptions): Promise<DatasetReplayStats> {
  if (!(options.speed > 0)) throw new Error(`replay: speed must be > 0, not ${options.speed}`);
  const status = statusTopic(options.device.site.id, options.device.id);
  const telemetry = telemetryTopic(options.device.site.id, options.device.id);
  const stats: DatasetReplayStats = { published: 0, acknowledged: 0, rowsAcknowledged: 0, errors: 0 };
  const failed = (error: Error) => {
    stats.errors++;
    stats.lastError = error.message;
  };
  const client = await connectDevice(options, status);
  client.on('error', failed);
  await client.publishAsync(status, 'online', { qos: 1, retain: true });
  const maxInFlight = options.maxInFlight ?? 10;
  const inFlight = new Set<Promise<void>>();
  const startMs = options.clock.now();
  const firstDueMs = messages[0]?.dueMs ?? 0;
  const { signal } = options;
  for (const message of messages) {
    const wait = startMs + (message.dueMs - firstDueMs) / options.speed - options.clock.now();
    if (wait > 0 && !signal?.aborted) await options.clock.sleep(wait, signal);
    if (signal?.aborted) break;
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (signal?.aborted) break;
    stats.published++;
    const done: Promise<void> = client.publishAsync(telemetry, message.payload, { qos: 1 }).then(
      () => {
        stats.acknowledged++;
        stats.rowsAcknowledged += message.samples;
        options.onAcknowledged?.(stats.acknowledged, message);
      },
      failed,
    ).finally(() => inFlight.delete(done));
    inFlight.add(done);
  }
  await Promise.all(inFlight);
  await client.publishAsync(status, 'offline', { qos: 1, retain: true }).catch(failed);
  await client.endAsync();
  return stats;
}
