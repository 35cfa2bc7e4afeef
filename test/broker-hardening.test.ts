/**
 * Broker hardening with real MQTT clients over TCP, TLS and WebSocket. A whole Clearwater process
 * proves the TLS and WebSocket listeners end to end (readings reach InfluxDB) and that no password
 * reaches its log; single brokers with tight limits prove each limit and its counter.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig } from '../app/config.ts';
import { freePort } from '../app/free-port.ts';
import { influxQL } from '../app/local-influxd.ts';
import { startPipeline, type RunningPipeline } from '../app/pipeline.ts';
import { brokerSchema, EmbeddedBroker, type BrokerDeps, type DevicePublish } from '../broker/broker.ts';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import { hashPassword } from '../network/password.ts';
import { derivedPassword } from '../simulators/credentials.ts';
import { makeTestCertificates, type TestCertificates } from './support/certificates.ts';
import { connect, connectDevice, eventually, metric } from './support/pipeline.ts';
import { closedByPeer, CONNECT, fixedHeader, packetBytes, PUBLISH_QOS1, rawSocket } from './support/raw-mqtt.ts';

const TAP = { id: 'tongmen-tap-wq', site: 'tongmen-tap' };
const OTHER = { id: 'xiwan-tap-wq', site: 'xiwan-tap' };
const telemetry = (device: { id: string; site: string }) => `water/${device.site}/${device.id}/telemetry`;
const reading = (turbidity: number) => JSON.stringify({ ts: Date.now() - 1000, readings: { turbidity } });

let certificates: TestCertificates;
let catalog: Catalog;
beforeAll(async () => {
  certificates = await makeTestCertificates();
  catalog = await loadCatalog(fileURLToPath(new URL('../network/sample/county.yaml', import.meta.url)));
});
afterAll(() => certificates?.remove());

/** How a connection attempt ended: 'connected', the client's error message, or 'closed' (no CONNACK at all). */
function attempt(url: string, options: IClientOptions): Promise<{ outcome: string; client: MqttClient }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve({ outcome: 'connected', client }));
    client.once('error', (error) => {
      resolve({ outcome: error.message, client });
      client.end(true);
    });
    client.once('close', () => resolve({ outcome: 'closed', client }));
  });
}

const asDevice = (deviceId: string, options: IClientOptions = {}): IClientOptions => ({ username: deviceId, password: derivedPassword(deviceId), clientId: `${deviceId}-${Math.random().toString(16).slice(2, 8)}`, ...options });

/** The SUBACK return codes for `filters` (0x80 = 128 refused). */
async function granted(client: MqttClient, filters: string[]): Promise<number[]> {
  return client.subscribeAsync(filters, { qos: 1 }).then(
    (grants) => grants.map((g) => g.qos),
    (error: { packet?: { granted?: number[] } }) => error.packet?.granted ?? [],
  );
}

/** A log that keeps what it is told, for the lines an operator would read. */
function captureLog() {
  const lines: { level: 'info' | 'warn'; msg: string; [field: string]: unknown }[] = [];
  const log = {
    info: (fields: object, msg: string) => void lines.push({ ...fields, level: 'info', msg }),
    warn: (fields: object, msg: string) => void lines.push({ ...fields, level: 'warn', msg }),
  };
  return { lines, log, matching: (pattern: RegExp) => lines.filter((line) => pattern.test(line.msg)) };
}

const closed = (client: MqttClient) => new Promise<void>((resolve) => (client.disconnected || !client.connected ? resolve() : client.once('close', () => resolve())));

describe('a whole process with TLS and WebSocket listeners', () => {
  const database = 'broker_hardening';
  const influxUrl = inject('influxUrl');
  const logged: string[] = [];
  const secrets = { wrong: 'Wr0ng-Secret-9f2c1e', observer: 'observer-Secret-4b7d', wrongObserver: 'not-the-observer-Secret-0a1b', unknownUser: 'ghost-Secret-5e8f' };
  let pipeline: RunningPipeline;
  let dataDir: string;
  let ports: { tls: number; ws: number };

  const query = async (statement: string) => (await influxQL(influxUrl, statement, database)).results?.[0]?.series?.flatMap((s) => s.values) ?? [];
  const http = () => `http://127.0.0.1:${pipeline.httpPort}`;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'clearwater-test-'));
    const parsed = parseConfig({
      dataDir,
      broker: {
        port: 0,
        tls: { port: 0, certFile: certificates.files.serverCert, keyFile: certificates.files.serverKey },
        ws: { port: 0, path: '/mqtt' },
        observers: [{ username: 'wall', passwordHash: await hashPassword(secrets.observer, { N: 1024, r: 8, p: 1 }) }],
      },
      http: { port: 0 },
      influx: { url: influxUrl, api: 'v1', database, flushIntervalMs: 100 },
    });
    if (!parsed.ok) throw new Error(parsed.problems);
    // The most talkative level and no redaction: what is proven is that nothing hands a secret to
    // the logger at all; app/log.ts's redaction is a second line behind that.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, next) {
        logged.push(chunk.toString('utf8'));
        next();
      },
    });
    pipeline = await startPipeline(parsed.config, { log: pino({ level: 'trace' }, sink) });
    // The pipeline reports the TCP port; the broker logs the ports its other listeners bound.
    const portOf = (listener: string) => logged.map((line) => JSON.parse(line) as { listener?: string; port?: number }).find((r) => r.listener === listener)?.port ?? 0;
    ports = { tls: portOf('tls'), ws: portOf('ws') };
  });
  afterAll(async () => {
    await pipeline?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('binds ephemeral ports for TLS and WebSocket', () => {
    expect(ports.tls).toBeGreaterThan(0);
    expect(ports.ws).toBeGreaterThan(0);
    expect(new Set([pipeline.mqttPort, ports.tls, ports.ws]).size).toBe(3);
  });

  it('takes readings over mqtts:// from a device that trusts the CA', async () => {
    const device = await connectDevice(`mqtts://127.0.0.1:${ports.tls}`, TAP.id, { ca: certificates.ca });
    await device.publishAsync(telemetry(TAP), reading(0.21), { qos: 1 });
    await device.endAsync();
    const rows = await eventually(async () => {
      const r = await query(`SELECT turbidity FROM telemetry WHERE device = '${TAP.id}'`);
      return r.length > 0 ? r : undefined;
    });
    expect(rows.map((r) => r[1])).toEqual([0.21]);
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(connectDevice(`mqtts://127.0.0.1:${ports.tls}`, TAP.id, { ca: certificates.otherCa })).rejects.toThrow(/self[- ]signed|unable to (verify|get)|certificate/i);
    await expect(connectDevice(`mqtts://127.0.0.1:${ports.tls}`, TAP.id)).rejects.toThrow(/self[- ]signed|unable to (verify|get)|certificate/i);
  });

  it('takes readings over ws://', async () => {
    const device = await connectDevice(`ws://127.0.0.1:${ports.ws}/mqtt`, OTHER.id);
    await device.publishAsync(telemetry(OTHER), reading(0.33), { qos: 1 });
    await device.endAsync();
    const rows = await eventually(async () => {
      const r = await query(`SELECT turbidity FROM telemetry WHERE device = '${OTHER.id}'`);
      return r.length > 0 ? r : undefined;
    });
    expect(rows.map((r) => r[1])).toEqual([0.33]);
  });

  it('never writes a password to the log, right or wrong, on any listener', async () => {
    const urls = [`mqtt://127.0.0.1:${pipeline.mqttPort}`, `mqtts://127.0.0.1:${ports.tls}`, `ws://127.0.0.1:${ports.ws}/mqtt`];
    const before = await metric(http(), 'clearwater_mqtt_logins_refused_total');
    for (const url of urls) {
      const tls = { ca: certificates.ca };
      await expect(connectDevice(url, TAP.id, { ...tls, password: secrets.wrong })).rejects.toThrow(/Bad username or password/i);
      await expect(connect(url, { ...tls, username: 'wall', password: secrets.wrongObserver })).rejects.toThrow(/Bad username or password/i);
      await expect(connect(url, { ...tls, username: 'ghost-device', password: secrets.unknownUser })).rejects.toThrow(/Bad username or password/i);
      await (await connectDevice(url, TAP.id, tls)).endAsync();
      await (await connect(url, { ...tls, username: 'wall', password: secrets.observer })).endAsync();
    }
    expect(await metric(http(), 'clearwater_mqtt_logins_refused_total')).toBe(before + 9);

    const text = logged.join('');
    expect(text).toMatch(/login refused/); // the capture works: the refusals were logged
    const forms = (secret: string) => {
      const bytes = Buffer.from(secret);
      return [secret, bytes.toString('base64'), bytes.toString('hex'), JSON.stringify(bytes.toJSON().data).slice(1, -1)];
    };
    const devicePasswords = [TAP.id, OTHER.id].map((id) => derivedPassword(id));
    for (const secret of [secrets.wrong, secrets.wrongObserver, secrets.observer, secrets.unknownUser, ...devicePasswords]) {
      for (const form of forms(secret)) expect(text).not.toContain(form);
    }
  });
});

describe('limits, one broker each', () => {
  const running: EmbeddedBroker[] = [];
  const clients: MqttClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.end(true);
    for (const broker of running.splice(0)) await broker.stop();
  });

  async function startBroker(config: Record<string, unknown>, deps: Partial<BrokerDeps> = {}) {
    const handed: DevicePublish[] = [];
    const refused: string[] = [];
    const broker = new EmbeddedBroker(brokerSchema.parse({ port: 0, ...config }), {
      catalog,
      handoff: (publish) => void handed.push(publish),
      onRefused: (_publish, reason) => refused.push(reason),
      ...deps,
    });
    await broker.start();
    running.push(broker);
    return { broker, handed, refused, url: `mqtt://127.0.0.1:${broker.ports().mqtt}` };
  }
  async function open(url: string, options: IClientOptions): Promise<MqttClient> {
    const client = await connect(url, options);
    clients.push(client);
    return client;
  }
  async function tryOpen(url: string, options: IClientOptions): Promise<string> {
    const { outcome, client } = await attempt(url, options);
    clients.push(client);
    return outcome;
  }

  describe('TLS with client certificates', () => {
    it('lets in a client whose certificate the CA signed, and no other', async () => {
      const { broker } = await startBroker({
        tls: { port: 0, certFile: certificates.files.serverCert, keyFile: certificates.files.serverKey, caFile: certificates.files.caCert, requestClientCert: true },
      });
      const url = `mqtts://127.0.0.1:${broker.ports().tls}`;
      expect(await tryOpen(url, asDevice(TAP.id, { ca: certificates.ca, cert: certificates.clientCert, key: certificates.clientKey }))).toBe('connected');
      expect(await tryOpen(url, asDevice(TAP.id, { ca: certificates.ca }))).not.toBe('connected');
      expect(await tryOpen(url, asDevice(TAP.id, { ca: certificates.ca, cert: certificates.strangerCert, key: certificates.strangerKey }))).not.toBe('connected');
      await eventually(() => (broker.stats.tlsHandshakeFailures >= 2 ? true : undefined), 5000, 'handshake failures counted');
    });

    it('refuses to start on a missing certificate file, naming it, and leaves nothing listening', async () => {
      const port = await freePort();
      const broker = new EmbeddedBroker(brokerSchema.parse({ port, tls: { port: 0, certFile: '/nonexistent/server.crt', keyFile: certificates.files.serverKey } }), {
        catalog,
        handoff: () => {},
      });
      await expect(broker.start()).rejects.toThrow(/broker\.tls\.certFile: cannot read \/nonexistent\/server\.crt/);
      expect(() => broker.ports()).toThrow(/not started/);
      // The TCP listener it had bound first is closed again: the port can be taken.
      const probe = createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
      await new Promise((resolve) => probe.close(resolve));
    });

    it('insists on caFile for client certificates', () => {
      expect(brokerSchema.safeParse({ tls: { certFile: 'a', keyFile: 'b', requestClientCert: true } }).success).toBe(false);
    });
  });

  describe('WebSocket', () => {
    it('serves MQTT on its path only', async () => {
      const { broker } = await startBroker({ ws: { port: 0, path: '/mqtt' } });
      const { ws: port, mqtt: tcp } = broker.ports();
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(tcp);
      expect(await tryOpen(`ws://127.0.0.1:${port}/mqtt`, asDevice(TAP.id))).toBe('connected');
      expect(await tryOpen(`ws://127.0.0.1:${port}/elsewhere`, asDevice(OTHER.id))).not.toBe('connected');
      expect((await fetch(`http://127.0.0.1:${port}/mqtt`)).status).toBe(426);
    });
  });

  describe('maxConnections', () => {
    it('closes sockets past the cap, counting those that never logged in, on every listener', async () => {
      const tls = { port: 0, certFile: certificates.files.serverCert, keyFile: certificates.files.serverKey };
      const { broker, url } = await startBroker({ maxConnections: 3, ws: { port: 0 }, tls });
      const idle: Socket[] = [];
      for (let i = 0; i < 3; i += 1) idle.push(tcpConnect(broker.ports().mqtt, '127.0.0.1'));
      await eventually(() => (broker.stats.sockets === 3 ? true : undefined), 5000, 'three open sockets');
      expect(await tryOpen(url, asDevice(TAP.id))).not.toBe('connected');
      expect(await tryOpen(`ws://127.0.0.1:${broker.ports().ws}/mqtt`, asDevice(TAP.id))).not.toBe('connected');
      expect(await tryOpen(`mqtts://127.0.0.1:${broker.ports().tls}`, asDevice(TAP.id, { ca: certificates.ca }))).not.toBe('connected');
      expect(broker.stats.connectionsRefused.max_connections).toBe(3);
      expect(broker.stats.tlsHandshakeFailures).toBe(0); // refused before any handshake
      idle.pop()?.destroy();
      await eventually(() => (broker.stats.sockets === 2 ? true : undefined), 5000, 'a free slot');
      expect(await tryOpen(url, asDevice(TAP.id))).toBe('connected');
      for (const socket of idle) socket.destroy();
    });
  });

  // Each of these brokers waits 60 s for a CONNECT: a socket the guard did not close would stay
  // open past the test's own timeout, so the test fails by that timeout, not by a timed assertion.
  describe('packet size limits (Remaining Length, MQTT 3.1.1 §2.2.3)', () => {
    const patient = { connectTimeoutMs: 60_000 };
    const tooLarge = /packet over the size limit/;

    it('closes a socket whose first bytes announce a 256 MiB CONNECT, before buffering it, and logs its address', async () => {
      const { lines, log, matching } = captureLog();
      const { broker } = await startBroker(patient, { log });
      const socket = await rawSocket(broker.ports().mqtt);
      const gone = closedByPeer(socket);
      socket.write(Buffer.concat([fixedHeader(CONNECT, 268_435_455), Buffer.alloc(1000)]));
      await gone;
      expect(broker.stats.packetsTooLarge).toEqual({ before_connect: 1, after_connect: 0 });
      expect(matching(tooLarge)).toEqual([expect.objectContaining({ level: 'warn', remote: '127.0.0.1', phase: 'before_connect', announced: 268_435_460, limit: 8192 })]);
      expect(lines.filter((line) => line.loggedInAs !== undefined)).toEqual([]);
    });

    it('reads a length split over writes, and closes on a fifth length byte', async () => {
      const { broker } = await startBroker(patient);
      const socket = await rawSocket(broker.ports().mqtt);
      socket.setNoDelay(true);
      const gone = closedByPeer(socket);
      for (const byte of [CONNECT, 0x80, 0x80, 0x80]) await new Promise((resolve) => socket.write(Buffer.from([byte]), resolve));
      socket.write(Buffer.from([0x80]));
      await gone;
      expect(broker.stats.packetLengthsMalformed).toBe(1);
    });

    it('closes a CONNECT over maxConnectPacketBytes without answering it, and lets a normal one in', async () => {
      const { broker, url } = await startBroker({ ...patient, maxConnectPacketBytes: 1024 });
      expect(await tryOpen(url, asDevice(TAP.id, { password: 'p'.repeat(1100) }))).toBe('closed'); // no CONNACK 4: its password was never read
      expect(broker.stats.loginsRefused).toBe(0);
      expect(await tryOpen(url, asDevice(TAP.id))).toBe('connected');
      expect(broker.stats.packetsTooLarge.before_connect).toBe(1);
    });

    it('closes a logged-in device announcing a 50 MB PUBLISH, and names the device in the log', async () => {
      const { log, matching } = captureLog();
      const { broker, url, handed } = await startBroker(patient, { log });
      const device = await open(url, asDevice(TAP.id));
      const gone = closed(device);
      device.stream.write(Buffer.concat([fixedHeader(PUBLISH_QOS1, 50_000_000), Buffer.alloc(4096)]));
      await gone;
      expect(broker.stats.packetsTooLarge).toEqual({ before_connect: 0, after_connect: 1 });
      expect(matching(tooLarge)).toEqual([expect.objectContaining({ remote: '127.0.0.1', loggedInAs: `device:${TAP.id}`, phase: 'after_connect', limit: 64 * 1024 + 8 * 1024 })]);
      // Nothing of the publish was handed on; the connection ended without DISCONNECT, so the last will did.
      expect(handed.map((p) => `${p.topic} ${p.payload.toString()}`)).toEqual([`water/${TAP.site}/${TAP.id}/status offline`]);
    });

    it('acknowledges and dead-letters a packet of exactly maxPacketBytes, and closes one a byte larger', async () => {
      const maxPacketBytes = 80 * 1024;
      const { broker, url, refused } = await startBroker({ ...patient, maxPacketBytes });
      const topic = telemetry(TAP);
      // Header and topic around a payload of about that size (a Remaining Length of three bytes).
      const overhead = packetBytes({ cmd: 'publish', topic, payload: Buffer.alloc(70_000), qos: 1, messageId: 1, dup: false, retain: false }).length - 70_000;
      const device = await open(url, asDevice(TAP.id));
      await device.publishAsync(topic, Buffer.alloc(maxPacketBytes - overhead, 0x20), { qos: 1 }); // over 64 KiB: acknowledged, delivered to nobody
      expect(refused).toEqual(['oversize']);
      expect(device.connected).toBe(true);
      device.on('error', () => {}); // the reset may surface more than once while it writes
      const gone = closed(device);
      const resetWhileWriting = device.publishAsync(topic, Buffer.alloc(maxPacketBytes - overhead + 1, 0x20), { qos: 1 }).catch((error: Error) => error);
      await gone;
      expect(await resetWhileWriting).toBeInstanceOf(Error); // never acknowledged
      expect(refused).toEqual(['oversize']);
      expect(broker.stats.packetsTooLarge.after_connect).toBe(1);
    });

    it('guards the TLS and WebSocket listeners the same way, also across WebSocket frames', async () => {
      const tls = { port: 0, certFile: certificates.files.serverCert, keyFile: certificates.files.serverKey };
      const { broker } = await startBroker({ ...patient, tls, ws: { port: 0 } });
      const overTls = await rawSocket(broker.ports().tls ?? 0, { tls: { ca: certificates.ca } });
      const tlsGone = closedByPeer(overTls);
      overTls.write(fixedHeader(CONNECT, 268_435_455));
      await tlsGone;

      const ws = new WebSocket(`ws://127.0.0.1:${broker.ports().ws}/mqtt`, 'mqtt');
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const wsGone = new Promise((resolve) => ws.once('close', resolve));
      // [MQTT-6.0.0-2] a packet may span frames: the header alone, then the start of its body.
      const header = fixedHeader(CONNECT, 1_000_000);
      ws.send(header.subarray(0, 2));
      ws.send(Buffer.concat([header.subarray(2), Buffer.alloc(100)]));
      await wsGone;
      expect(broker.stats.packetsTooLarge.before_connect).toBe(2);
    });
  });

  describe('maxConnectionsPerAddress', () => {
    it('caps the sockets one address holds on all listeners together, logs it once, and lets other addresses in', async () => {
      const { log, matching } = captureLog();
      const tls = { port: 0, certFile: certificates.files.serverCert, keyFile: certificates.files.serverKey };
      const { broker, url } = await startBroker({ maxConnectionsPerAddress: 2, ws: { port: 0 }, tls }, { log });
      const idle = [await rawSocket(broker.ports().mqtt), await rawSocket(broker.ports().mqtt)];
      await eventually(() => (broker.stats.sockets === 2 ? true : undefined), 5000, 'two open sockets');
      expect(await tryOpen(url, asDevice(TAP.id))).not.toBe('connected');
      expect(await tryOpen(`ws://127.0.0.1:${broker.ports().ws}/mqtt`, asDevice(TAP.id))).not.toBe('connected');
      expect(await tryOpen(`mqtts://127.0.0.1:${broker.ports().tls}`, asDevice(TAP.id, { ca: certificates.ca }))).not.toBe('connected');
      expect(broker.stats.connectionsRefused).toMatchObject({ max_connections_per_address: 3, max_connections: 0 });
      expect(broker.stats.tlsHandshakeFailures).toBe(0); // refused before any handshake
      expect(matching(/address holds its limit/)).toEqual([expect.objectContaining({ remote: '127.0.0.1', limit: 2 })]);
      // Another address (Linux answers all of 127.0.0.0/8 on loopback) is not affected.
      const elsewhere = await rawSocket(broker.ports().mqtt, { localAddress: '127.0.0.2' });
      await eventually(() => (broker.stats.sockets === 3 ? true : undefined), 5000, 'the other address admitted');
      idle.pop()?.destroy();
      await eventually(() => (broker.stats.sockets === 2 ? true : undefined), 5000, 'a free slot');
      expect(await tryOpen(url, asDevice(TAP.id))).toBe('connected');
      for (const socket of [...idle, elsewhere]) socket.destroy();
    });

    it('counts WebSocket clients behind a proxy by the address the proxy forwarded', async () => {
      const { broker } = await startBroker({ maxConnectionsPerAddress: 1, ws: { port: 0, behindProxy: true } });
      const url = `ws://127.0.0.1:${broker.ports().ws}/mqtt`;
      const from = (address: string) => ({ wsOptions: { headers: { 'x-forwarded-for': `10.0.0.1, ${address}` } } });
      expect(await tryOpen(url, asDevice(TAP.id, from('203.0.113.9')))).toBe('connected');
      expect(await tryOpen(url, asDevice(OTHER.id, from('203.0.113.9')))).not.toBe('connected');
      expect(await tryOpen(url, asDevice(OTHER.id, from('198.51.100.4')))).toBe('connected');
      expect(broker.stats.connectionsRefused.max_connections_per_address).toBe(1);
    });
  });

  describe('connectTimeoutMs', () => {
    it('closes a socket that sends no CONNECT in time, and counts it', async () => {
      const { broker } = await startBroker({ connectTimeoutMs: 200 });
      const socket = await rawSocket(broker.ports().mqtt);
      await closedByPeer(socket);
      expect(broker.stats.connectTimeouts).toBe(1);
    });
  });

  describe('retained messages', () => {
    it('clears the retain flag of a device publish outside its status topic, counts each and logs once per device', async () => {
      const { log, matching } = captureLog();
      const { broker, url, handed } = await startBroker({}, { log });
      const device = await open(url, asDevice(TAP.id));
      await device.publishAsync(telemetry(TAP), reading(0.1), { qos: 1, retain: true });
      await device.publishAsync(telemetry(TAP), reading(0.2), { qos: 1, retain: true });
      await device.publishAsync(`water/${TAP.site}/${TAP.id}/status`, 'online', { qos: 1, retain: true });
      expect(handed.map((p) => p.retain)).toEqual([false, false, true]);
      expect(broker.stats.retainFlagsCleared).toBe(2);
      expect(matching(/retain flag cleared/)).toEqual([expect.objectContaining({ device: TAP.id, topic: telemetry(TAP) })]);
    });
  });

  describe('connections per device', () => {
    it('lets a newer connection with another client id take over the older one', async () => {
      const { broker, url } = await startBroker({});
      const first = await open(url, asDevice(TAP.id, { clientId: 'tap-first' }));
      const firstClosed = closed(first);
      const second = await open(url, asDevice(TAP.id, { clientId: 'tap-second' }));
      await firstClosed;
      expect(second.connected).toBe(true);
      expect(broker.stats.connectionsTakenOver).toBe(1);
      // The same client id replaces the session as MQTT says [MQTT-3.1.4-2]; not counted here.
      const secondClosed = closed(second);
      const third = await open(url, asDevice(TAP.id, { clientId: 'tap-second' }));
      await secondClosed;
      expect(third.connected).toBe(true);
      expect(broker.stats.connectionsTakenOver).toBe(1);
      // Other devices are not affected.
      expect(await tryOpen(url, asDevice(OTHER.id))).toBe('connected');
      await eventually(() => (broker.stats.connected === 2 ? true : undefined), 5000, 'two sessions');
    });

    it('refuses a connection past the limit with CONNACK 3 when told to', async () => {
      const { broker, url } = await startBroker({ maxConnectionsPerDevice: 2, onDeviceConnectionLimit: 'refuse' });
      const first = await open(url, asDevice(TAP.id));
      await open(url, asDevice(TAP.id));
      expect(await tryOpen(url, asDevice(TAP.id))).toMatch(/Server unavailable/i);
      expect(broker.stats.connectionsRefused.max_connections_per_device).toBe(1);
      await first.endAsync();
      await eventually(async () => ((await tryOpen(url, asDevice(TAP.id))) === 'connected' ? true : undefined), 5000, 'a free slot for the device');
    });
  });

  describe('subscriptions and topic depth', () => {
    const own = (suffix: string) => `water/${TAP.site}/${TAP.id}/${suffix}`;

    it('caps the filters one connection holds at maxSubscriptionsPerClient', async () => {
      const { broker, url } = await startBroker({ maxSubscriptionsPerClient: 3 });
      const device = await open(url, asDevice(TAP.id));
      expect(await granted(device, [own('a'), own('b'), own('c')])).toEqual([1, 1, 1]);
      expect(await granted(device, [own('d')])).toEqual([128]);
      expect(await granted(device, [own('a')])).toEqual([1]); // the same filter again replaces it
      await device.unsubscribeAsync(own('b'));
      expect(await granted(device, [own('d')])).toEqual([1]);
      expect(device.connected).toBe(true);
      expect(broker.stats.subscriptionsRefusedByReason.too_many).toBe(1);
      expect(broker.stats.subscriptionsRefused).toBe(1);
    });

    it('refuses a filter deeper than maxTopicLevels with SUBACK 0x80, and keeps the connection', async () => {
      const { broker, url } = await startBroker({ maxTopicLevels: 8 });
      const device = await open(url, asDevice(TAP.id));
      expect(await granted(device, [own('1/2/3/4/5'), own('1/2/3/4/5/6')])).toEqual([1, 128]);
      expect(device.connected).toBe(true);
      expect(broker.stats.subscriptionsRefusedByReason.topic_too_deep).toBe(1);
    });

    it('acknowledges a publish deeper than maxTopicLevels without handing it on, counts and dead-letters it', async () => {
      const { broker, url, handed, refused } = await startBroker({ maxTopicLevels: 8 });
      const device = await open(url, asDevice(TAP.id));
      await device.publishAsync(own('1/2/3/4/5/6'), reading(0.1), { qos: 1 });
      expect(device.connected).toBe(true);
      expect(broker.stats.publishesRefused.topic_too_deep).toBe(1);
      expect(refused).toEqual(['topic_too_deep']);
      expect(handed).toEqual([]);
      await device.endAsync();
    });

    it('survives a topic past the router\'s own ceiling of 100 levels', async () => {
      const { url } = await startBroker({});
      const device = await open(url, asDevice(TAP.id));
      const gone = closed(device);
      device.publish(own('x/'.repeat(150) + 'y'), 'x', { qos: 1 });
      await gone;
      expect(await tryOpen(url, asDevice(TAP.id))).toBe('connected');
    });
  });

  describe('per-device rate limit', () => {
    it('holds publishes past the burst back instead of dropping them', async () => {
      // A clock that stands still: the bucket never refills, so which publishes wait, and for how
      // long, follows from the limit alone, however fast or slow this machine is.
      const { broker, url, handed } = await startBroker({ rateLimit: { messagesPerSecond: 20, burst: 5, maxDelayMs: 2000 } }, { now: () => 1_000_000 });
      const device = await open(url, asDevice(TAP.id));
      await Promise.all(Array.from({ length: 15 }, (_, i) => device.publishAsync(telemetry(TAP), reading(i / 100), { qos: 1 })));
      // All acknowledged and handed on, in order; the 10 past the burst of 5 were held, the n-th
      // of them n × 50 ms (one token per 1000 / 20 ms): 50 + 100 + … + 500 = 2750 ms in all.
      expect(handed.map((p) => (JSON.parse(p.payload.toString()) as { readings: { turbidity: number } }).readings.turbidity)).toEqual(Array.from({ length: 15 }, (_, i) => i / 100));
      expect(broker.stats.publishesDelayed).toBe(10);
      expect(broker.stats.publishDelayMs).toBe(2750);
      expect(broker.stats.publishesHeld).toBe(0);
      expect(broker.stats.publishesRefused.rate_limited).toBe(0);
      expect(device.connected).toBe(true);
    });

    it('disconnects a device that would have to wait longer than maxDelayMs, without dead-lettering', async () => {
      const { broker, url, handed, refused } = await startBroker({ rateLimit: { messagesPerSecond: 10, burst: 2, maxDelayMs: 300 } });
      const device = await open(url, asDevice(TAP.id));
      const gone = closed(device);
      for (let i = 0; i < 20; i += 1) device.publish(telemetry(TAP), reading(i / 100), { qos: 1 });
      await gone;
      expect(broker.stats.publishesRefused.rate_limited).toBeGreaterThanOrEqual(1);
      expect(handed.length).toBeLessThan(20);
      expect(refused).toEqual([]);
      // Once the bucket has refilled the device is welcome again.
      await new Promise((r) => setTimeout(r, 800));
      const again = await open(url, asDevice(TAP.id));
      await again.publishAsync(telemetry(TAP), reading(0.5), { qos: 1 });
      expect(handed.at(-1)?.payload.toString()).toContain('0.5');
    });

    it('shares one bucket between a device\'s connections', async () => {
      const { broker, url } = await startBroker({ maxConnectionsPerDevice: 2, rateLimit: { messagesPerSecond: 5, burst: 2, maxDelayMs: 5000 } }, { now: () => 1_000_000 }); // a still clock: no refill
      const a = await open(url, asDevice(TAP.id));
      const b = await open(url, asDevice(TAP.id));
      await Promise.all([a, b, a, b].map((c) => c.publishAsync(telemetry(TAP), reading(0.1), { qos: 1 })));
      expect(broker.stats.publishesDelayed).toBe(2);
    });
  });

  describe('verified-credential cache', () => {
    it('lets a device back in on its cached password, refuses a wrong one after it, and counts both', async () => {
      const { broker, url } = await startBroker({});
      const first = await open(url, asDevice(TAP.id));
      first.end(true);
      await closed(first);
      expect(await tryOpen(url, asDevice(TAP.id))).toBe('connected');
      expect(await tryOpen(url, asDevice(TAP.id, { password: 'not-the-Secret-7c1d' }))).toMatch(/Bad username or password/i);
      expect(broker.stats).toMatchObject({ loginsCached: 1, loginsRefused: 1, loginsBusy: 0, passwordChecksRunning: 0, passwordChecksQueued: 0 });
    });
  });

  describe('connection errors', () => {
    it('counts a logged-in device whose socket is reset by its error code, and a refused login not at all', async () => {
      const { broker, url } = await startBroker({});
      expect(await tryOpen(url, asDevice(TAP.id, { password: 'not-the-Secret-7c1d' }))).toMatch(/Bad username or password/i);
      const device = await open(url, asDevice(TAP.id));
      (device.stream as Socket).resetAndDestroy();
      await eventually(() => broker.stats.clientErrors['ECONNRESET'], 10_000, 'the reset counted');
      expect(broker.stats.clientErrors).toEqual({ ECONNRESET: 1 });
      expect(broker.stats.loginsRefused).toBe(1);
    });
  });

  describe('login throttling', () => {
    it('locks a user name out after repeated failures, without checking passwords, until the lockout ends', async () => {
      let now = 1_000_000;
      const { broker, url } = await startBroker(
        { loginThrottle: { perUsername: { maxFailures: 3, windowMs: 60_000, lockoutMs: 60_000 }, perAddress: { maxFailures: 0 } } },
        { now: () => now },
      );
      for (let i = 0; i < 3; i += 1) expect(await tryOpen(url, asDevice(TAP.id, { password: `guess-${i}` }))).toMatch(/Bad username or password/i);
      // Locked: even the right password is turned away, and no password is checked.
      expect(await tryOpen(url, asDevice(TAP.id))).toMatch(/Server unavailable/i);
      expect(await tryOpen(url, asDevice(TAP.id, { password: 'guess-4' }))).toMatch(/Server unavailable/i);
      expect(broker.stats).toMatchObject({ loginsRefused: 3, loginsThrottled: 2, loginLockouts: { username: 1, address: 0 } });
      expect(await tryOpen(url, asDevice(OTHER.id))).toBe('connected'); // other devices from the same address
      now += 60_001;
      expect(await tryOpen(url, asDevice(TAP.id))).toBe('connected');
    });

    it('logs one line per lockout, however many attempts it refuses, and counts them all', async () => {
      let now = 1_000_000;
      const { lines, log, matching } = captureLog();
      const { broker, url } = await startBroker(
        { loginThrottle: { perUsername: { maxFailures: 2, windowMs: 60_000, lockoutMs: 60_000 }, perAddress: { maxFailures: 0 } } },
        { log, now: () => now },
      );
      const lockOut = async () => {
        for (const guess of ['guess-1', 'guess-2']) expect(await tryOpen(url, asDevice(TAP.id, { password: guess }))).toMatch(/Bad username or password/i);
      };
      await lockOut();
      for (let i = 0; i < 4; i += 1) expect(await tryOpen(url, asDevice(TAP.id))).toMatch(/Server unavailable/i);
      expect(broker.stats.loginsThrottled).toBe(4);
      expect(matching(/login lockout started/)).toHaveLength(1);
      expect(matching(/without a password check/)).toEqual([expect.objectContaining({ username: TAP.id, lockedBy: 'username' })]);
      now += 60_001; // the next lockout is logged again
      await lockOut();
      expect(await tryOpen(url, asDevice(TAP.id))).toMatch(/Server unavailable/i);
      expect(matching(/without a password check/)).toHaveLength(2);
      expect(broker.stats.loginsThrottled).toBe(5);
      expect(lines.filter((line) => line.level === 'warn')).toHaveLength(4 + 2 + 2); // four refused logins, two lockouts, two throttle lines
    });

    it('locks an address out that tries many user names', async () => {
      const { broker, url } = await startBroker({ loginThrottle: { perAddress: { maxFailures: 3 }, perUsername: { maxFailures: 0 } } });
      for (const name of ['ghost-1', 'ghost-2', 'ghost-3']) expect(await tryOpen(url, { username: name, password: 'x' })).toMatch(/Bad username or password/i);
      expect(await tryOpen(url, asDevice(TAP.id))).toMatch(/Server unavailable/i);
      expect(broker.stats.loginLockouts.address).toBe(1);
      expect(broker.stats.loginsThrottled).toBe(1);
    });
  });

  it('reports the port of every listener', async () => {
    const { broker } = await startBroker({ tls: { port: 0, certFile: certificates.files.serverCert, keyFile: certificates.files.serverKey }, ws: { port: 0 } });
    const ports = broker.ports();
    expect(Object.keys(ports).sort()).toEqual(['mqtt', 'tls', 'ws']);
    expect(new Set(Object.values(ports)).size).toBe(3);
  });

  it('stops with clients still connected and sockets that never logged in', async () => {
    const { broker, url } = await startBroker({});
    const device = await open(url, asDevice(TAP.id));
    const idle = tcpConnect(broker.ports().mqtt, '127.0.0.1');
    await eventually(() => (broker.stats.sockets === 2 ? true : undefined), 5000, 'two sockets');
    running.splice(running.indexOf(broker), 1);
    await broker.stop();
    await closed(device);
    expect(broker.stats.sockets).toBe(0);
    idle.destroy();
  });
});
