/**
 * One connection of the MQTT source (mqtt-source.ts) to the external broker: its own client id
 * and persistent session, its own subscription, its own reconnects. The source holds one link, or
 * several on a shared subscription ($share/{group}/…), since mqtt.js handles one incoming packet
 * at a time per connection (see mqtt-source.ts).
 *
 * A PUBACK goes out only after `accept`'s promise resolved, i.e. the readings are committed to
 * the spool. mqtt.js sends the PUBACK of a QoS 1 PUBLISH from the callback of
 * `client.handleMessage(packet, cb)`, and skips it when `cb` gets an error
 * (mqtt/build/lib/handlers/publish.js). A rejected publish (dead-lettered) is acknowledged at
 * once; a refused one (spool full) is not: the link disconnects and reconnects with backoff, and
 * the broker re-sends every unacknowledged PUBLISH when the session resumes [MQTT-4.4.0-1]; it
 * does not re-send on the same connection.
 */
import mqtt, { type IConnackPacket, type IPublishPacket } from 'mqtt';
import { clientOptions, reconnectDelayMs, type MqttSourceConfig, type MqttSourceDeps, type MqttSourceStats, type SourceClient } from './mqtt-source-config.ts';
import type { SourceSink } from './source.ts';

const STOP_TIMEOUT_MS = 5000;

/** What the links of one source share: the counters, and whether the spool is refusing (logged once per episode). */
export interface LinkShared {
  readonly counters: Omit<MqttSourceStats, 'connected' | 'connections'>;
  /** Since the last successful ack, the spool refused readings. */
  refusing: boolean;
}

export class MqttLink {
  private client: SourceClient | undefined;
  private sink: SourceSink | undefined;
  /** Connected to the broker now. */
  connected = false;
  /** Bumped per connection: an ack computed on an older connection is not sent on a newer one. */
  private connection = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** Why messages are left unacknowledged until the next connection, if they are. */
  private holding: 'spool_full' | 'stopping' | undefined;
  private subscribedOnce = false;
  private inFlight: Promise<void> = Promise.resolve();
  private firstSubscription: { resolve(): void; reject(error: Error): void } | undefined;

  constructor(
    private readonly config: MqttSourceConfig,
    /** This link's client id: the source's, or `{clientId}-{n}` when it has several. */
    readonly clientId: string,
    /** The broker URL without credentials, for the log. */
    private readonly url: string,
    private readonly shared: LinkShared,
    private readonly deps: MqttSourceDeps,
  ) {}

  /** Connects; resolves once subscribed, rejects when the broker refuses the subscription. */
  start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    const client = (this.deps.connect ?? mqtt.connect)(this.config.url, { ...clientOptions(this.config), clientId: this.clientId });
    this.client = client;
    client.handleMessage = (packet, done) => this.receive(packet, done);
    client.on('connect', (connack) => this.connectedTo(client, connack));
    client.on('close', () => this.closed(client));
    client.on('error', (error) => this.deps.log?.warn({ url: this.url, clientId: this.clientId, error: error.message }, 'MQTT source error'));
    const subscribed = new Promise<void>((resolve, reject) => (this.firstSubscription = { resolve, reject }));
    client.connect();
    return subscribed;
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
    this.connected = false;
  }

  private receive(packet: IPublishPacket, done: (error?: Error) => void): void {
    const connection = this.connection;
    const { counters } = this.shared;
    counters.received += 1;
    if (packet.dup) counters.redelivered += 1;
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
    if (qos > 0) this.shared.counters.acked += 1;
    this.attempt = 0;
    if (this.shared.refusing) this.deps.log?.info({}, 'readings durable again: acknowledging');
    this.shared.refusing = false;
    done();
  }

  /** Skips the PUBACK: mqtt.js moves on to the next packet, the broker keeps this one in the session. */
  private leave(done: (error?: Error) => void, error: Error): void {
    this.shared.counters.unacked += 1;
    done(error);
  }

  /** The spool refused the readings: no PUBACK; reconnect (after backoff) so the broker re-sends. */
  private refused(done: (error?: Error) => void, error: Error): void {
    this.leave(done, error);
    if (this.holding) return;
    this.holding = 'spool_full';
    const log = this.deps.log;
    const message = 'readings not durable: leaving messages unacknowledged, reconnecting for redelivery';
    if (this.shared.refusing) log?.debug({ clientId: this.clientId, error: error.message }, message);
    else log?.warn({ clientId: this.clientId, error: error.message }, message);
    this.shared.refusing = true;
    const client = this.client;
    if (client?.connected) client.end(false);
  }

  private connectedTo(client: SourceClient, connack: IConnackPacket): void {
    this.connection += 1;
    this.connected = true;
    this.shared.counters.connects += 1;
    const fields = { url: this.url, clientId: this.clientId, sessionPresent: connack.sessionPresent };
    if (this.holding === 'spool_full') {
      this.holding = undefined; // keep the backoff growing until an ack succeeds
      this.deps.log?.debug(fields, 'reconnected for redelivery');
    } else {
      this.attempt = 0;
      this.deps.log?.info(fields, 'connected to the MQTT broker');
    }
    // A resumed session keeps its subscription; subscribe once per process anyway, so a changed filter applies.
    if (connack.sessionPresent && this.subscribedOnce) return;
    const { topic, qos } = this.config;
    client.subscribe(topic, { qos }, (error, granted) => {
      const grantedQos = granted?.[0]?.qos;
      if (error || grantedQos === undefined || grantedQos === 128) {
        const problem = new Error(`subscription to ${topic} refused: ${error?.message ?? `SUBACK ${String(grantedQos)}`}`);
        this.deps.log?.error({ topic, clientId: this.clientId }, problem.message);
        this.firstSubscription?.reject(problem);
        return;
      }
      // [MQTT-3.8.4-6] messages arrive at min(published, granted) QoS: 0 would mean no redelivery.
      if (grantedQos < 1) this.deps.log?.warn({ topic, grantedQos }, 'broker granted QoS 0: messages published while the ingest is down are lost');
      this.subscribedOnce = true;
      this.deps.log?.info({ topic, qos: grantedQos, clientId: this.clientId }, 'subscribed');
      this.firstSubscription?.resolve();
      this.firstSubscription = undefined;
    });
  }

  private closed(client: SourceClient): void {
    if (this.connected) this.shared.counters.disconnects += 1;
    this.connected = false;
    this.connection += 1;
    if (this.holding === 'stopping' || this.client !== client || this.reconnectTimer) return;
    const delayMs = reconnectDelayMs(this.attempt, this.config, (this.deps.random ?? Math.random)());
    this.attempt += 1;
    const fields = { url: this.url, clientId: this.clientId, attempt: this.attempt, delayMs };
    if (this.holding === 'spool_full') this.deps.log?.debug(fields, 'disconnected for redelivery; reconnecting');
    else this.deps.log?.warn(fields, 'MQTT connection closed; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.client === client) client.reconnect();
    }, delayMs);
  }
}
