/**
 * The embedded MQTT broker: Aedes with Clearwater's policy in its hooks. Devices log in with
 * their catalog credentials, publish and subscribe only in their own subtree, payloads over
 * 64 KiB are refused, and every device gets a last will that marks it offline.
 *
 * Accepted device publishes are handed to `handoff` from `authorizePublish`, i.e. before Aedes
 * writes the QoS 1 PUBACK: when the handoff returns a promise, the PUBACK waits for it.
 */
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { createServer, type Server } from 'node:net';
import { z } from 'zod';
import type { Catalog } from '../network/catalog.ts';
import { MAX_PAYLOAD_BYTES } from '../network/message.ts';
import { statusTopic } from '../network/topic.ts';
import { canPublish, canSubscribe, type Principal } from './acl.ts';
import { authenticate } from './authenticate.ts';

export const brokerSchema = z.object({
  host: z.string().default('127.0.0.1').describe('Address the MQTT listener binds; 0.0.0.0 for devices on the network'),
  port: z.number().int().min(0).max(65_535).default(1883).describe('MQTT TCP port; 0 picks a free one'),
  observers: z
    .array(z.object({ username: z.string().min(1), passwordHash: z.string().regex(/^scrypt\$/) }))
    .default([])
    .describe('Read-only accounts (dashboards, an external ingest): may subscribe anywhere, publish nothing'),
  maxTopicLevels: z.number().int().min(4).max(100).default(8).describe('Deepest topic accepted'),
  connectTimeoutMs: z.number().int().positive().default(30_000).describe('Time a socket has to send CONNECT'),
});
export type BrokerConfig = z.infer<typeof brokerSchema>;

/** A device publish that passed the ACL, handed to the ingest. */
export interface DevicePublish {
  readonly deviceId: string;
  readonly siteId: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
}

export type RefusalReason = 'acl_denied' | 'oversize';

export interface BrokerDeps {
  catalog: Catalog;
  /** Takes an accepted device publish; a returned promise delays the PUBACK until it settles. */
  handoff(publish: DevicePublish): void | Promise<void>;
  /** A publish the broker refused (the client is disconnected, MQTT 3.1.1 has no negative PUBACK). */
  onRefused?(publish: { topic: string; payload: Buffer; deviceId?: string }, reason: RefusalReason, detail: string): void;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface BrokerStats {
  connected: number;
  loginsRefused: number;
  publishesRefused: Record<RefusalReason, number>;
  subscriptionsRefused: number;
}

type WillPacket = { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean };
type ClientWithWill = Client & { _will?: WillPacket | null };

export class EmbeddedBroker {
  readonly stats: BrokerStats = { connected: 0, loginsRefused: 0, publishesRefused: { acl_denied: 0, oversize: 0 }, subscriptionsRefused: 0 };
  private aedes: Aedes | undefined;
  private server: Server | undefined;
  private readonly principals = new WeakMap<Client, Principal>();

  constructor(readonly config: BrokerConfig, private readonly deps: BrokerDeps) {}

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    const aedes = await Aedes.createBroker({
      connectTimeout: this.config.connectTimeoutMs,
      maxTopicLevels: this.config.maxTopicLevels,
      maxClientsIdLength: 128,
      authenticate: (client, username, password, done) => {
        this.login(client, username, password).then(
          (ok) => done(ok ? null : Object.assign(new Error('bad user name or password'), { returnCode: 4 as never }), ok),
          (error: Error) => done(Object.assign(error, { returnCode: 3 as never }), false),
        );
      },
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, subscription, done) => {
        const principal = this.principals.get(client);
        const verdict = principal ? canSubscribe(principal, subscription.topic) : { ok: false as const, reason: 'not logged in' };
        if (verdict.ok) return done(null, subscription);
        this.stats.subscriptionsRefused += 1;
        this.deps.log?.warn({ client: client.id, filter: subscription.topic }, verdict.reason);
        // SUBACK return code 0x80 (Failure) for this filter, the connection stays up (MQTT 3.1.1 §3.9.3).
        done(null, null);
      },
    });
    aedes.on('clientReady', () => (this.stats.connected += 1));
    aedes.on('clientDisconnect', () => (this.stats.connected -= 1));
    this.aedes = aedes;
    const server = createServer(aedes.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.host, () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.config.port;
  }

  async stop(): Promise<void> {
    const { server, aedes } = this;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }

  private async login(client: Client, username: string | undefined, password: Buffer | undefined): Promise<boolean> {
    const result = await authenticate(this.deps.catalog, this.config.observers, username, password);
    if (!result.ok) {
      this.stats.loginsRefused += 1;
      // Never log the password; the user name is what an operator needs to find the device.
      this.deps.log?.warn({ username: username?.slice(0, 64), reason: result.reason, remote: client.conn && 'remoteAddress' in client.conn ? client.conn.remoteAddress : undefined }, 'login refused');
      return false;
    }
    this.principals.set(client, result.principal);
    if (result.principal.kind === 'device') {
      // shared/DESIGN.md: the device's last will is `offline` on its status topic; supply it when the device did not.
      const withWill = client as ClientWithWill;
      withWill._will ??= { topic: statusTopic(result.principal.siteId, result.principal.deviceId), payload: Buffer.from('offline'), qos: 1, retain: true };
    }
    return true;
  }

  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    if (!client) return done(null); // the broker's own $SYS messages
    const principal = this.principals.get(client);
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const deviceId = principal?.kind === 'device' ? principal.deviceId : undefined;
    const verdict = principal ? canPublish(principal, packet.topic) : { ok: false as const, reason: 'not logged in' };
    if (!verdict.ok) return this.refuse(done, { topic: packet.topic, payload, deviceId }, 'acl_denied', verdict.reason);
    if (payload.byteLength > MAX_PAYLOAD_BYTES) {
      return this.refuse(done, { topic: packet.topic, payload, deviceId }, 'oversize', `payload is ${payload.byteLength} bytes, limit ${MAX_PAYLOAD_BYTES}`);
    }
    if (principal?.kind !== 'device') return done(null);
    let pending: void | Promise<void>;
    try {
      pending = this.deps.handoff({ deviceId: principal.deviceId, siteId: principal.siteId, topic: packet.topic, payload, qos: packet.qos, retain: packet.retain });
    } catch (error) {
      return done(error as Error);
    }
    if (pending) pending.then(() => done(null), (error: Error) => done(error));
    else done(null);
  }

  private refuse(done: (error: Error) => void, publish: { topic: string; payload: Buffer; deviceId?: string | undefined }, reason: RefusalReason, detail: string): void {
    this.stats.publishesRefused[reason] += 1;
    this.deps.log?.warn({ device: publish.deviceId, topic: publish.topic.slice(0, 200), reason }, detail);
    const { deviceId, ...rest } = publish;
    this.deps.onRefused?.(deviceId === undefined ? rest : { ...rest, deviceId }, reason, detail);
    done(new Error(detail));
  }
}
