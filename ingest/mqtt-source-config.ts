/**
 * The MQTT source's configuration and its pure parts: the schema, the mqtt.js options, the
 * reconnect delay, the URL as logs show it. The source (mqtt-source.ts) and each of its
 * connections (mqtt-link.ts) use them.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { z } from 'zod';
import { backoffDelay } from '../network/backoff.ts';

/** Connections one source opens at most: past a few per core they only add sessions for the broker to keep. */
export const MAX_CONNECTIONS = 64;

export const mqttSourceSchema = z.object({
  kind: z.literal('mqtt').describe('Subscribe to an external MQTT broker; the embedded broker does not run'),
  url: z
    .string()
    .regex(/^(mqtts?|tcp|tls|ssl|wss?):\/\/\S+$/, 'an MQTT URL such as mqtt://broker:1883 or mqtts://broker:8883')
    .describe('Broker URL: mqtt://, mqtts://, ws:// or wss://'),
  clientId: z
    .string()
    .min(1)
    .max(128)
    .default('clearwater-ingest')
    .describe('Fixed client id of the persistent session; each ingest process needs its own (the broker drops the older of two connections with one id)'),
  username: z.string().min(1).optional().describe('User name at the broker'),
  password: z.string().optional().describe('Password at the broker (CLEARWATER_SOURCE_PASSWORD keeps it out of the file)'),
  topic: z
    .string()
    .min(1)
    .default('water/+/+/+')
    .describe('Topic filter subscribed to; $share/{group}/water/+/+/+ splits the stream among several ingest processes'),
  qos: z.literal(1).default(1).describe('Subscription QoS; only 1: the PUBACK is held until the readings are in the spool'),
  protocolVersion: z.union([z.literal(4), z.literal(5)]).default(4).describe('4: MQTT 3.1.1; 5: MQTT 5'),
  sessionExpiryS: z
    .number()
    .int()
    .min(1)
    .max(0xffff_ffff)
    .default(0xffff_ffff)
    .describe('MQTT 5 only: how long the broker keeps the session while the ingest is away, s; 4294967295 never expires (MQTT 5 §3.1.2.11.2)'),
  keepaliveS: z.number().int().min(0).max(65_535).default(30).describe('MQTT keep-alive, s; 0 turns it off'),
  connectTimeoutMs: z.number().int().positive().default(10_000).describe('Time allowed for CONNACK, ms; start() waits this long for the first subscription'),
  reconnectMinMs: z.number().int().positive().default(500).describe('First reconnect delay after a lost connection, ms; doubles per failed attempt'),
  reconnectMaxMs: z.number().int().positive().default(30_000).describe('Longest reconnect delay, ms'),
  connections: z
    .number()
    .int()
    .min(1)
    .max(MAX_CONNECTIONS)
    .default(1)
    .describe('Connections to the broker, each its own session ({clientId}-1 … -N when more than one); mqtt.js takes one message at a time per connection, so more connections on a $share/{group}/ topic take more messages a second (bench/README.md)'),
}).refine((config) => config.connections === 1 || config.topic.startsWith('$share/'), {
  path: ['topic'],
  message: 'several connections need a shared subscription ($share/{group}/water/+/+/+); on a plain filter each connection would receive every message',
});
export type MqttSourceConfig = z.infer<typeof mqttSourceSchema>;

export interface MqttSourceStats {
  /** Every connection is up now. */
  connected: boolean;
  /** Connections up now (of `connections`). */
  connections: number;
  /** Connections established (CONNACK received). */
  connects: number;
  /** Connections closed other than by stop(): lost, taken over, or dropped for a redelivery. */
  disconnects: number;
  /** PUBLISH packets received, redeliveries included. */
  received: number;
  /** PUBACKs sent: readings durable in the spool, or the message dead-lettered. */
  acked: number;
  /** Received with the DUP flag: the broker re-sent them (after a reconnect). */
  redelivered: number;
  /** Left unacknowledged for the broker to re-send (spool full, stopping, connection replaced). */
  unacked: number;
}

/** The part of an mqtt.js client the source uses (a fake stands in for it in tests). */
export type SourceClient = Pick<MqttClient, 'on' | 'connect' | 'subscribe' | 'end' | 'reconnect' | 'handleMessage' | 'connected'>;

export interface MqttSourceDeps {
  log?: { debug(obj: object, msg: string): void; info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Client factory; default mqtt.connect. Called with manualConnect: the source connects in start(). */
  connect?(url: string, options: IClientOptions): SourceClient;
  /** [0, 1), for the reconnect jitter. */
  random?(): number;
}

/** The broker URL as logs may show it: no user name or password from the URL. Pure. */
export function loggableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** mqtt.js options for the source. Pure. */
export function clientOptions(config: MqttSourceConfig): IClientOptions {
  return {
    clientId: config.clientId,
    username: config.username,
    password: config.password,
    protocolVersion: config.protocolVersion,
    // A persistent session: the broker queues QoS 1 messages while we are away [MQTT-3.1.2-4].
    clean: false,
    // MQTT 5 ends a session at disconnect unless it has an expiry interval (MQTT 5 §3.1.2.11.2).
    ...(config.protocolVersion === 5 && { properties: { sessionExpiryInterval: config.sessionExpiryS } }),
    keepalive: config.keepaliveS,
    connectTimeout: config.connectTimeoutMs,
    reconnectPeriod: 0, // the source reconnects itself, with backoff
    resubscribe: false, // the source subscribes itself when the broker has no session
    manualConnect: true,
  };
}

/** Delay before reconnect attempt `attempt` (0-based): doubling from min to max, the lower half jittered (network/backoff.ts). Pure. */
export function reconnectDelayMs(attempt: number, config: Pick<MqttSourceConfig, 'reconnectMinMs' | 'reconnectMaxMs'>, random: number): number {
  return backoffDelay(attempt + 1, { minMs: config.reconnectMinMs, maxMs: config.reconnectMaxMs, jitter: 0.5 }, random);
}

