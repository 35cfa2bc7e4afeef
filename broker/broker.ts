/**
 * The embedded MQTT broker: Aedes with Clearwater's policy in its hooks. Devices log in with
 * their catalog credentials, keep their client ids to themselves, publish and subscribe only in
 * their own subtree, retain only their status, payloads over 64 KiB are refused, and every device
 * gets a last will that marks it offline. Limits (sockets in all and per address, packet sizes,
 * connections per device, subscriptions, topic depth, publish rate, failed logins) keep one
 * device or one attacker from taking the broker down for the others.
 *
 * Accepted device publishes are handed to `handoff` from `authorizePublish`, i.e. before Aedes
 * writes the QoS 1 PUBACK: when the handoff returns a promise, the PUBACK waits for it.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { Catalog } from '../network/catalog.ts';
import { MAX_PAYLOAD_BYTES } from '../network/message.ts';
import { statusTopic } from '../network/topic.ts';
import { canPublish, canReceive, canSubscribe, mayRetain, type Principal } from './acl.ts';
import { authenticate } from './authenticate.ts';
import { ClientIdOwners, ownerOf } from './client-ids.ts';
import type { BrokerConfig } from './config.ts';
import { ConnectionGate, type GateEvent } from './connection-gate.ts';
import { CredentialCache } from './credential-cache.ts';
import { admitDeviceConnection, admitSubscription, topicLevels } from './limits.ts';
import { listenTcp, listenTls, listenWs, peerAddress, type Listener, type ListenerContext, type ListenerName } from './listeners.ts';
import { LoginThrottle } from './login-throttle.ts';
import { PacketSizeWatch, type RefusedConnection } from './packet-watch.ts';
import { PasswordCheckQueue } from './password-checks.ts';
import { PublishRateLimiter } from './rate-limiter.ts';
import { Sessions } from './sessions.ts';
import { emptyStats, type BrokerStats, type RefusalReason } from './stats.ts';

export { brokerSchema, type BrokerConfig } from './config.ts';
export type { BrokerStats, RefusalReason } from './stats.ts';

/** A device publish that passed the ACL, handed to the ingest. */
export interface DevicePublish {
  readonly deviceId: string;
  readonly siteId: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
}

export interface BrokerDeps {
  catalog: Catalog;
  /** Takes an accepted device publish; a returned promise delays the PUBACK until it settles. */
  handoff(publish: DevicePublish): void | Promise<void>;
  /** A publish the broker refused as bad input (acknowledged, delivered to nobody; see `refuse`). */
  onRefused?(publish: { topic: string; payload: Buffer; deviceId?: string }, reason: RefusalReason, detail: string): void;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Wall clock, epoch ms (rate limit and login throttle). */
  now?: () => number;
}

/** The bound port of each listener. */
export interface BrokerPorts {
  readonly mqtt: number;
  readonly tls?: number;
  readonly ws?: number;
}

type Done = (error?: Error | null) => void;
type WillPacket = { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean };
type ClientWithWill = Client & { _will?: WillPacket | null };
type ReturnCode = 2 | 3 | 4;
type LoginOutcome = { ok: true; principal: Principal } | { ok: false; returnCode: ReturnCode };

/** Aedes clamps maxTopicLevels to 100 because its router throws past that; below it the broker checks the configured depth itself, so refusals are counted. */
const AEDES_MAX_TOPIC_LEVELS = 100;
/** The error Aedes closes a socket with when no CONNECT arrived within connectTimeout (lib/client.js). */
const AEDES_CONNECT_TIMEOUT = 'connect did not arrive in time';

/** A connection error as a label of few values: its errno code (ECONNRESET, EPIPE), else its message cut short. Pure. */
export function clientErrorReason(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.message.slice(0, 60);
}

export class EmbeddedBroker {
  readonly stats: BrokerStats = emptyStats();
  private aedes: Aedes | undefined;
  private listeners: Partial<Record<ListenerName, Listener>> = {};
  private bound: BrokerPorts | undefined;
  private readonly gate: ConnectionGate;
  private readonly sessions = new Sessions();
  private readonly clientIds = new ClientIdOwners();
  private readonly packets: PacketSizeWatch;
  /** Devices whose cleared retain flag was logged (once each; bounded by the catalog). */
  private readonly retainLogged = new Set<string>();
  private readonly throttle: LoginThrottle;
  private readonly credentials: CredentialCache;
  private readonly passwordChecks: PasswordCheckQueue;
  /** The password-check queue was full and that was logged; cleared when a check runs again. */
  private busyLogged = false;
  private readonly rateLimiter: PublishRateLimiter;
  private readonly now: () => number;

  constructor(readonly config: BrokerConfig, private readonly deps: BrokerDeps) {
    this.now = deps.now ?? Date.now;
    this.throttle = new LoginThrottle(config.loginThrottle);
    this.credentials = new CredentialCache(config.credentialCache);
    this.passwordChecks = new PasswordCheckQueue(config.passwordChecks, ({ running, queued }) => {
      this.stats.passwordChecksRunning = running;
      this.stats.passwordChecksQueued = queued;
    });
    this.rateLimiter = new PublishRateLimiter(config.rateLimit, this.now);
    this.gate = new ConnectionGate(config, (event) => this.gateEvent(event));
    this.packets = new PacketSizeWatch(config, (refused) => this.packetTooLarge(refused));
  }

  /** Starts every configured listener; resolves with the MQTT TCP port (all ports: `ports()`). A failed start leaves nothing listening. */
  async start(): Promise<number> {
    try {
      return await this.listen();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async listen(): Promise<number> {
    const aedes = await Aedes.createBroker({
      connectTimeout: this.config.connectTimeoutMs,
      maxTopicLevels: AEDES_MAX_TOPIC_LEVELS,
      maxClientsIdLength: 128,
      authenticate: (client, username, password, done) => {
        this.login(client, username, password).then(
          (outcome) => done(outcome.ok ? null : connackError(outcome.returnCode), outcome.ok),
          (error: Error) => done(Object.assign(error, { returnCode: 3 as AuthenticateError['returnCode'] }), false),
        );
      },
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, subscription, done) => this.authorizeSubscribe(client, subscription, done),
      authorizeForward: (client, packet) => this.authorizeForward(client, packet),
    });
    aedes.on('connectionError', (_client, error) => {
      if (error.message === AEDES_CONNECT_TIMEOUT) this.stats.connectTimeouts += 1;
    });
    aedes.on('keepaliveTimeout', () => (this.stats.keepaliveTimeouts += 1));
    aedes.on('clientError', (client, error) => {
      if (!this.sessions.get(client)) return; // a refused login is counted at its refusal, not here
      const reason = clientErrorReason(error);
      this.stats.clientErrors[reason] = (this.stats.clientErrors[reason] ?? 0) + 1;
    });
    aedes.on('clientReady', () => (this.stats.connected += 1));
    aedes.on('clientDisconnect', () => (this.stats.connected -= 1));
    aedes.on('unsubscribe', (filters, client) => {
      const held = this.sessions.get(client)?.subscriptions;
      for (const filter of filters) held?.delete(filter);
    });
    this.aedes = aedes;
    const context: ListenerContext = {
      gate: this.gate,
      maxPacketBytes: this.config.maxPacketBytes,
      handle: (stream: Duplex, request?: IncomingMessage) => {
        aedes.handle(stream, request);
        this.packets.watch(stream, request); // after Aedes's own 'readable' listener (packet-watch.ts)
      },
      onError: (listener, error) => this.deps.log?.warn({ listener, error: error.message.slice(0, 200) }, 'listener error'),
      onHandshakeFailure: (error, remote) => {
        this.stats.tlsHandshakeFailures += 1;
        this.deps.log?.info({ listener: 'tls', remote, error: error.message.slice(0, 200) }, 'TLS handshake failed');
      },
    };
    const { host, tls, ws } = this.config;
    const mqtt = (this.listeners.mqtt = await listenTcp({ host, port: this.config.port }, context));
    let ports: BrokerPorts = { mqtt: mqtt.port };
    if (tls) {
      const listener = (this.listeners.tls = await listenTls({ ...tls, host: tls.host ?? host }, this.config.connectTimeoutMs, context));
      ports = { ...ports, tls: listener.port };
      this.deps.log?.info({ listener: 'tls', host: tls.host ?? host, port: listener.port, clientCertificates: tls.requestClientCert }, 'MQTT over TLS listening');
    }
    if (ws) {
      const listener = (this.listeners.ws = await listenWs({ ...ws, host: ws.host ?? host }, this.config.connectTimeoutMs, context));
      ports = { ...ports, ws: listener.port };
      this.deps.log?.info({ listener: 'ws', host: ws.host ?? host, port: listener.port, path: ws.path }, 'MQTT over WebSocket listening');
    }
    this.bound = ports;
    return mqtt.port;
  }

  /** The bound port of every listener; valid once `start()` resolved. */
  ports(): BrokerPorts {
    if (!this.bound) throw new Error('the broker is not started');
    return this.bound;
  }

  /** Stops accepting, closes every client (wills fire), and resolves when all sockets are gone. */
  async stop(): Promise<void> {
    const closing = Object.values(this.listeners).map((listener) => listener.close());
    this.listeners = {};
    this.rateLimiter.releaseAll(new Error('broker stopping'));
    this.stats.publishesHeld = 0;
    const { aedes } = this;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await this.gate.destroyAll(); // sockets that never logged in are not Aedes clients yet
    await Promise.all(closing);
  }

  private async login(client: Client, username: string | undefined, password: Buffer | undefined): Promise<LoginOutcome> {
    const attempt = { address: peerAddress(client, this.config.ws?.behindProxy === true), username: username?.slice(0, 128) };
    const log = { username: attempt.username?.slice(0, 64), remote: attempt.address };
    const throttled = this.throttle.check(attempt, this.now());
    if (!throttled.ok) {
      this.stats.loginsThrottled += 1;
      // Once per lockout (its start was logged too); the rest are counted in loginsThrottled.
      if (throttled.refusedBefore === 0) this.deps.log?.warn({ ...log, lockedBy: throttled.by, retryInMs: throttled.retryInMs }, 'login refused without a password check: too many failures; further attempts during this lockout are only counted');
      return { ok: false, returnCode: 3 }; // "Server unavailable": try later (MQTT 3.1.1 table 3.1)
    }
    const abandoned = () => client.closed || client.conn.destroyed;
    const result = await authenticate(this.deps.catalog, this.config.observers, username, password, { cache: this.credentials, checks: this.passwordChecks, abandoned });
    if (!result.ok && result.reason === 'abandoned') return { ok: false, returnCode: 3 }; // gone while it waited: nothing was checked
    if (!result.ok && result.reason === 'busy') {
      // Not a failure (the throttle does not count it): the device retries after its back-off.
      this.stats.loginsBusy += 1;
      if (!this.busyLogged) this.deps.log?.warn({ ...log, queued: result.queued, maxQueued: this.config.passwordChecks.maxQueued }, 'login refused with CONNACK 3: the password-check queue is full; further refusals until it drains are only counted (loginsBusy)');
      this.busyLogged = true;
      return { ok: false, returnCode: 3 };
    }
    if (!result.ok) {
      this.stats.loginsRefused += 1;
      // Never log the password; the user name is what an operator needs to find the device.
      this.deps.log?.warn({ ...log, reason: result.reason }, 'login refused');
      for (const by of this.throttle.failed(attempt, this.now())) {
        this.stats.loginLockouts[by] += 1;
        this.deps.log?.warn({ ...log, lockedBy: by, lockoutMs: this.config.loginThrottle[by === 'address' ? 'perAddress' : 'perUsername'].lockoutMs }, 'login lockout started');
      }
      return { ok: false, returnCode: 4 };
    }
    this.throttle.succeeded(attempt);
    if (result.cached) this.stats.loginsCached += 1;
    else this.busyLogged = false;
    const { principal } = result;
    if (client.closed || client.conn.destroyed) return { ok: false, returnCode: 3 }; // gone while its password was checked
    const owner = ownerOf(principal);
    const holder = this.clientIds.heldByOther(client.id, owner);
    if (holder !== undefined) {
      // Before Aedes's takeover [MQTT-3.1.4-2]: the holder keeps its connection and its session.
      this.stats.connectionsRefused.client_id_taken += 1;
      this.deps.log?.warn({ ...log, client: client.id.slice(0, 128), heldBy: holder }, 'connection refused: the client id belongs to another device or observer');
      return { ok: false, returnCode: 2 }; // "Identifier rejected" (MQTT 3.1.1 table 3.1)
    }
    if (principal.kind === 'device' && !this.admitDevice(client, principal.deviceId)) return { ok: false, returnCode: 3 };
    this.opened(client, principal, owner);
    return { ok: true, principal };
  }

  /** Records a connection whose login succeeded, until it closes. */
  private opened(client: Client, principal: Principal, owner: string): void {
    const clientId = client.id;
    this.clientIds.claim(clientId, owner, !client.clean);
    client.conn.once('close', () => this.clientIds.release(clientId, owner));
    this.sessions.open(client, principal);
    this.packets.loggedIn(client.conn, owner);
    if (principal.kind === 'device') {
      // The wire contract gives every device a retained `offline` last will on its status topic
      // (README.md, "Wire contract in one glance"; broker/README.md): supply it when the device
      // did not.
      const withWill = client as ClientWithWill;
      withWill._will ??= { topic: statusTopic(principal.siteId, principal.deviceId), payload: Buffer.from('offline'), qos: 1, retain: true };
    }
  }

  /** maxConnectionsPerDevice: take over the device's oldest connections, or refuse this one. */
  private admitDevice(client: Client, deviceId: string): boolean {
    const held = this.sessions.ofDevice(deviceId);
    // Distinct ids: during a same-id takeover [MQTT-3.1.4-2] the old and the new client share one.
    const verdict = admitDeviceConnection([...new Set(held.map((c) => c.id))], client.id, this.config);
    if (!verdict.ok) {
      this.stats.connectionsRefused.max_connections_per_device += 1;
      this.deps.log?.warn({ device: deviceId, client: client.id, limit: this.config.maxConnectionsPerDevice }, 'connection refused: device holds its limit of connections');
      return false;
    }
    for (const old of held.filter((c) => verdict.takeOver.includes(c.id))) {
      this.stats.connectionsTakenOver += 1;
      this.deps.log?.info({ device: deviceId, closed: old.id, by: client.id }, 'a newer connection of the device takes over');
      old.close();
    }
    return true;
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: Done): void {
    if (!client) return done(null); // the broker's own $SYS messages
    const principal = this.sessions.get(client)?.principal;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const deviceId = principal?.kind === 'device' ? principal.deviceId : undefined;
    const refused = { topic: packet.topic, payload, deviceId };
    const levels = topicLevels(packet.topic);
    if (levels > this.config.maxTopicLevels) return this.refuse(done, packet, refused, 'topic_too_deep', `topic has ${levels} levels, limit ${this.config.maxTopicLevels}`);
    const verdict = principal ? canPublish(principal, packet.topic) : { ok: false as const, reason: 'not logged in' };
    if (!verdict.ok) return this.refuse(done, packet, refused, 'acl_denied', verdict.reason);
    if (payload.byteLength > MAX_PAYLOAD_BYTES) {
      return this.refuse(done, packet, refused, 'oversize', `payload is ${payload.byteLength} bytes, limit ${MAX_PAYLOAD_BYTES}`);
    }
    if (principal?.kind !== 'device') return done(null);
    if (packet.retain && !mayRetain(principal, packet.topic)) this.unretain(packet, principal.deviceId);
    const handOff = () => this.handOff({ deviceId: principal.deviceId, siteId: principal.siteId, topic: packet.topic, payload, qos: packet.qos, retain: packet.retain }, done);
    // The last will is published as the connection ends (client.closed): it is never held back.
    if (client.closed) return handOff();
    this.rateLimited(client, principal.deviceId, packet.topic, handOff, done);
  }

  /** Holds a publish until the device's bucket has a token; disconnects a device that would wait too long. */
  private rateLimited(client: Client, deviceId: string, topic: string, proceed: () => void, done: Done): void {
    const admission = this.rateLimiter.admit(deviceId, (error) => {
      this.stats.publishesHeld = this.rateLimiter.holding;
      if (error) return done(error);
      // Gone while held: no PUBACK can reach it, so the device sends the publish again.
      if (client.closed) return done(new Error('connection closed while the publish was held'));
      proceed();
    });
    if (admission.kind === 'delayed') {
      this.stats.publishesHeld = this.rateLimiter.holding;
      this.stats.publishesDelayed += 1;
      this.stats.publishDelayMs += admission.waitMs;
    } else if (admission.kind === 'refused') {
      this.stats.publishesRefused.rate_limited += 1;
      this.deps.log?.warn({ device: deviceId, topic: topic.slice(0, 200), waitMs: admission.waitMs, ...this.config.rateLimit }, 'device disconnected: publishing faster than its rate limit');
      // Not dead-lettered: this is back-pressure, not bad input; the device still holds the message.
      done(new Error(`rate limit: publish would wait ${admission.waitMs} ms`));
    }
  }

  /** Only a device's own status topic is retained; anything else passes on unretained (readings flow, memory does not grow). */
  private unretain(packet: PublishPacket, deviceId: string): void {
    packet.retain = false;
    this.stats.retainFlagsCleared += 1;
    if (this.retainLogged.has(deviceId)) return;
    this.retainLogged.add(deviceId);
    this.deps.log?.info({ device: deviceId, topic: packet.topic.slice(0, 200) }, 'retain flag cleared: only the device\'s status topic is retained (logged once per device, counted in retainFlagsCleared)');
  }

  private handOff(publish: DevicePublish, done: Done): void {
    let pending: void | Promise<void>;
    try {
      pending = this.deps.handoff(publish);
    } catch (error) {
      return done(error as Error);
    }
    if (pending) pending.then(() => done(null), (error: Error) => done(error));
    else done(null);
  }

  private authorizeSubscribe(client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
    const session = this.sessions.get(client);
    const verdict = session ? canSubscribe(session.principal, subscription.topic) : { ok: false as const, reason: 'not logged in' };
    const limit = session && verdict.ok ? admitSubscription(session.subscriptions, subscription.topic, this.config) : undefined;
    if (verdict.ok && limit?.ok) {
      session?.subscriptions.add(subscription.topic);
      return done(null, subscription);
    }
    const reason = !verdict.ok ? 'acl_denied' : limit && !limit.ok ? limit.reason : 'acl_denied';
    this.stats.subscriptionsRefused += 1;
    this.stats.subscriptionsRefusedByReason[reason] += 1;
    this.deps.log?.warn({ client: client.id, filter: subscription.topic.slice(0, 200), reason }, !verdict.ok ? verdict.reason : limit && !limit.ok ? limit.detail : reason);
    // SUBACK return code 0x80 (Failure) for this filter, the connection stays up (MQTT 3.1.1 §3.9.3).
    done(null, null);
  }

  /** Every message on its way to a client, queued and retained ones included, passes the subscription ACL again. */
  private authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const principal = this.sessions.get(client)?.principal;
    if (principal && canReceive(principal, packet.topic).ok) return packet;
    this.stats.forwardsRefused += 1;
    return null;
  }

  private gateEvent(event: GateEvent): void {
    if (event.kind === 'open') this.stats.sockets += 1;
    else if (event.kind === 'close') this.stats.sockets -= 1;
    else {
      this.stats.connectionsRefused[event.reason] += 1;
      if (event.first) this.deps.log?.warn({ remote: event.address, limit: this.config.maxConnectionsPerAddress }, 'sockets refused: the address holds its limit of open sockets (logged once until one closes)');
    }
  }

  /** A connection closed by the packet size guard; once per connection. */
  private packetTooLarge({ refusal, stream, request, loggedInAs }: RefusedConnection): void {
    if (refusal.reason === 'too_large') this.stats.packetsTooLarge[refusal.phase] += 1;
    else this.stats.packetLengthsMalformed += 1;
    const remote = peerAddress({ conn: stream, req: request }, this.config.ws?.behindProxy === true);
    const detail = refusal.reason === 'too_large' ? { announced: refusal.announced, limit: refusal.limit } : {};
    this.deps.log?.warn({ remote, loggedInAs, phase: refusal.phase, reason: refusal.reason, ...detail }, 'connection closed: a packet over the size limit was announced');
  }

  /**
   * A publish refused as bad input is acknowledged but delivered to nobody: [MQTT-3.3.5-2] lets
   * the server either acknowledge it or close the connection, and closing makes a QoS 1 client
   * send the same message again on every reconnect, for ever. It is counted and dead-lettered;
   * its topic is rewritten to a `$` topic no one subscribes to, so it reaches no subscriber and
   * is never retained.
   */
  private refuse(done: Done, packet: PublishPacket, publish: { topic: string; payload: Buffer; deviceId?: string | undefined }, reason: RefusalReason, detail: string): void {
    this.stats.publishesRefused[reason] += 1;
    this.deps.log?.warn({ device: publish.deviceId, topic: publish.topic.slice(0, 200), reason }, detail);
    const { deviceId, ...rest } = publish;
    this.deps.onRefused?.(deviceId === undefined ? rest : { ...rest, deviceId }, reason, detail);
    packet.topic = QUARANTINE_TOPIC;
    packet.retain = false;
    done(null);
  }
}

/** Where refused publishes go: a `$` topic, which `#` does not match [MQTT-4.7.2-1], and the ACL lets no one subscribe to. */
export const QUARANTINE_TOPIC = '$clearwater/refused';

function connackError(returnCode: ReturnCode): AuthenticateError {
  const message = returnCode === 4 ? 'bad user name or password' : returnCode === 2 ? 'identifier rejected' : 'server unavailable';
  return Object.assign(new Error(message), { returnCode: returnCode as AuthenticateError['returnCode'] });
}
