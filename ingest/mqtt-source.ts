/**
 * The MQTT source: the ingest as a subscriber of an external broker (EMQX, Mosquitto) instead
 * of the embedded Aedes. The broker has authenticated the device, so the device identity comes
 * from the topic; the ingest still checks it against the catalog (unknown_device,
 * topic_mismatch are dead-lettered by the decoder).
 *
 * Delivery (ingest/README.md, "Durability" and "External broker mode"): QoS 1 on a persistent
 * session with a fixed client id, so the broker keeps what is published while the ingest is down.
 * A PUBACK goes out only after `accept`'s promise resolved, i.e. the readings are committed to
 * the spool. mqtt.js sends the PUBACK of a QoS 1 PUBLISH from the callback of
 * `client.handleMessage(packet, cb)`, and skips it when `cb` gets an error
 * (mqtt/build/lib/handlers/publish.js). A rejected publish
 * (dead-lettered) is acknowledged at once; a refused one (spool full) is not: we disconnect and
 * reconnect with backoff, and the broker re-sends every unacknowledged PUBLISH when the session
 * resumes [MQTT-4.4.0-1]; it does not re-send on the same connection.
 *
 * mqtt.js handles one incoming packet at a time and waits for `handleMessage`'s callback before
 * it parses the next, so one connection commits one message per spool cycle (see README).
 */
import mqtt, { type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import { z } from 'zod';
import { backoffDelay } from '../network/backoff.ts';
import type { Source, SourceSink } from './source.ts';

const STOP_TIMEOUT_MS = 5000;

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
});
export type MqttSourceConfig = z.infer<typeof mqttSourceSchema>;

export interface MqttSourceStats {
  /** Connected to the broker now. */
  connected: boolean;
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

export class MqttSource implements Source<'mqtt', MqttSourceStats> {
  readonly kind = 'mqtt';
  private readonly counters: MqttSourceStats = { connected: false, connects: 0, disconnects: 0, received: 0, acked: 0, redelivered: 0, unacked: 0 };
  private sink: SourceSink | undefined;
  /** For the log: without credentials. */
  private readonly url: string;
  private client: SourceClient | undefined;
  /** Bumped per connection: an ack computed on an older connection is not sent on a newer one. */
  private connection = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Why messages are left unacknowledged until the next connection, if they are. */
  private holding: 'spool_full' | 'stopping' | undefined;
  private subscribedOnce = false;
  /** Since the last successful ack, the spool refused readings (logged once per episode). */
  private refusing = false;
  private inFlight: Promise<void> = Promise.resolve();
  private firstSubscription: { resolve(): void; reject(error: Error): void } | undefined;

  constructor(readonly config: MqttSourceConfig, private readonly deps: MqttSourceDeps) {
    this.url = loggableUrl(config.url);
  }

  stats(): MqttSourceStats {
    return this.counters;
  }

  /** Connects and subscribes; resolves when subscribed, or after connectTimeoutMs (it keeps retrying). */
  start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    const client = (this.deps.connect ?? mqtt.connect)(this.config.url, clientOptions(this.config));
    this.client = client;
    client.handleMessage = (packet, done) => this.receive(packet, done);
    client.on('connect', (connack) => this.connected(client, connack));
    client.on('close', () => this.closed(client));
    client.on('error', (error) => this.deps.log?.warn({ url: this.url, clientId: this.config.clientId, error: error.message }, 'MQTT source error'));
    const subscribed = new Promise<void>((resolve, reject) => (this.firstSubscription = { resolve, reject }));
    client.connect();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.deps.log?.warn({ url: this.url }, 'MQTT broker not reachable yet; retrying in the background');
        resolve();
      }, this.config.connectTimeoutMs);
    });
    return Promise.race([subscribed, waited]).finally(() => clearTimeout(timer));
  }

  /** Finishes the message in hand (its PUBACK goes out), leaves the rest to the session, disconnects. */
  async stop(): Promise<void> {
    this.holding = 'stopping';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.inFlight;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // DISCONNECT when connected (the session stays on the broker); otherwise just drop the socket.
    // A broker that never closes its side does not hold the shutdown up for long.
    await new Promise<void>((resolve) => {
      const giveUp = setTimeout(resolve, STOP_TIMEOUT_MS);
      client.end(!client.connected, () => {
        clearTimeout(giveUp);
        resolve();
      });
    });
    this.counters.connected = false;
  }

  private receive(packet: IPublishPacket, done: (error?: Error) => void): void {
    const connection = this.connection;
    this.counters.received += 1;
    if (packet.dup) this.counters.redelivered += 1;
    if (this.holding) return this.leave(done, new Error(`not acknowledged (${this.holding}); the broker re-sends it`));
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let durable: Promise<void> | undefined;
    try {
      durable = this.sink?.accept({ topic: packet.topic, payload, qos: packet.qos });
    } catch (error) {
      return this.refused(done, error as Error); // accept does not throw; if it ever does, nothing is acked
    }
    if (!durable) return this.ack(done, packet.qos, connection);
    this.inFlight = durable.then(
      () => this.ack(done, packet.qos, connection),
      (error: Error) => this.refused(done, error),
    );
  }

  private ack(done: (error?: Error) => void, qos: number, connection: number): void {
    // A PUBACK queued for a newer connection could acknowledge a different message with the same id.
    if (connection !== this.connection) return this.leave(done, new Error('connection replaced'));
    if (qos > 0) this.counters.acked += 1;
    this.attempt = 0;
    if (this.refusing) this.deps.log?.info({}, 'readings durable again: acknowledging');
    this.refusing = false;
    done();
  }

  /** Skips the PUBACK: mqtt.js moves on to the next packet, the broker keeps this one in the session. */
  private leave(done: (error?: Error) => void, error: Error): void {
    this.counters.unacked += 1;
    done(error);
  }

  /** The spool refused the readings: no PUBACK; reconnect (after backoff) so the broker re-sends. */
  private refused(done: (error?: Error) => void, error: Error): void {
    this.leave(done, error);
    if (this.holding) return;
    this.holding = 'spool_full';
    const log = this.deps.log;
    const message = 'readings not durable: leaving messages unacknowledged, reconnecting for redelivery';
    if (this.refusing) log?.debug({ error: error.message }, message);
    else log?.warn({ error: error.message }, message);
    this.refusing = true;
    const client = this.client;
    if (client?.connected) client.end(false);
  }

  private connected(client: SourceClient, connack: IConnackPacket): void {
    this.connection += 1;
    this.counters.connected = true;
    this.counters.connects += 1;
    const fields = { url: this.url, clientId: this.config.clientId, sessionPresent: connack.sessionPresent };
    if (this.holding === 'spool_full') {
      this.holding = undefined; // keep the backoff growing until an ack succeeds
      this.deps.log?.debug(fields, 'reconnected for redelivery');
    } else {
      this.attempt = 0;
      this.deps.log?.info(fields, 'connected to the MQTT broker');
    }
    // A resumed session keeps its subscription; subscribe once per process anyway, so a changed filter applies.
    if (connack.sessionPresent && this.subscribedOnce) return;
    client.subscribe(this.config.topic, { qos: this.config.qos }, (error, granted) => {
      const grantedQos = granted?.[0]?.qos;
      if (error || grantedQos === undefined || grantedQos === 128) {
        const problem = new Error(`subscription to ${this.config.topic} refused: ${error?.message ?? `SUBACK ${String(grantedQos)}`}`);
        this.deps.log?.error({ topic: this.config.topic }, problem.message);
        this.firstSubscription?.reject(problem);
        return;
      }
      // [MQTT-3.8.4-6] messages arrive at min(published, granted) QoS: 0 would mean no redelivery.
      if (grantedQos < 1) this.deps.log?.warn({ topic: this.config.topic, grantedQos }, 'broker granted QoS 0: messages published while the ingest is down are lost');
      this.subscribedOnce = true;
      this.deps.log?.info({ topic: this.config.topic, qos: grantedQos }, 'subscribed');
      this.firstSubscription?.resolve();
      this.firstSubscription = undefined;
    });
  }

  private closed(client: SourceClient): void {
    if (this.counters.connected) this.counters.disconnects += 1;
    this.counters.connected = false;
    this.connection += 1;
    if (this.holding === 'stopping' || this.client !== client || this.reconnectTimer) return;
    const delayMs = reconnectDelayMs(this.attempt, this.config, (this.deps.random ?? Math.random)());
    this.attempt += 1;
    const fields = { url: this.url, attempt: this.attempt, delayMs };
    if (this.holding === 'spool_full') this.deps.log?.debug(fields, 'disconnected for redelivery; reconnecting');
    else this.deps.log?.warn(fields, 'MQTT connection closed; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.client === client) client.reconnect();
    }, delayMs);
  }
}
