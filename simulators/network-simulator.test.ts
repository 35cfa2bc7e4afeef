/**
 * The simulator against a real (bare) Aedes broker on an ephemeral port, with a real MQTT
 * subscriber: topics, payloads, sequence numbers, timestamps and retained status.
 */
import type { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { telemetryMessageSchema } from '../network/message.ts';
import { parseTopic } from '../network/topic.ts';
import { startTestBroker, type TestBroker } from './broker.fixtures.ts';
import { derivedPassword } from './credentials.ts';
import { HOUR_MS, sampleCatalog } from './fixtures.ts';
import { createNetworkSimulator, type SimulatorEvent } from './network-simulator.ts';

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

let catalog: Catalog;
let testBroker: TestBroker;
let broker: Aedes;
let url: string;
const logins: { clientId: string; username?: string; password?: string }[] = [];

beforeAll(async () => {
  catalog = await sampleCatalog();
  testBroker = await startTestBroker();
  ({ broker, url } = testBroker);
  // Accept the demo credentials only, and record who logged in how.
  broker.authenticate = (client, username, password, done) => {
    logins.push({ clientId: client.id, username, password: password?.toString() });
    const subscriber = username === undefined;
    done(null, subscriber || (username === client.id && password?.toString() === derivedPassword(username)));
  };
});

afterAll(() => testBroker.close());

async function subscriber(filter: string): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await connectAsync(url, { clientId: `test-${Math.random().toString(16).slice(2)}` });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('network simulator on a real broker', () => {
  it('publishes the declared metrics of each device on its topics, in order, with retained status', async () => {
    const live = await subscriber('water/#');
    const events: SimulatorEvent[] = [];
    const sim = createNetworkSimulator(
      { brokerUrl: url, speed: 600, seed: 7, backfillMs: HOUR_MS, devices: ['tongmen', 'north-plant-cl'], scenarios: [{ kind: 'yellow-water', startsAfter: 10 * 60_000 }] },
      { catalog, onEvent: (e) => events.push(e) },
    );
    expect(sim.deviceIds).toHaveLength(7);
    await sim.start();
    await sleep(2000);

    const status = await subscriber('water/+/+/status');
    await sleep(200);
    expect(status.received.filter((m) => m.retain && m.payload === 'online').map((m) => m.topic).sort()).toEqual(
      sim.deviceIds.map((id) => `water/${catalog.device(id)?.site.id}/${id}/status`).sort(),
    );

    await sim.stop();
    const stats = sim.stats();
    await sleep(100);
    await live.client.endAsync();
    await status.client.endAsync();

    // Logged in as themselves with their derived passwords.
    for (const id of sim.deviceIds) expect(logins).toContainEqual({ clientId: id, username: id, password: derivedPassword(id) });

    const now = Date.now();
    for (const id of sim.deviceIds) {
      const device = catalog.device(id);
      if (!device) throw new Error(id);
      const samples = live.received
        .filter((m) => m.topic === `water/${device.site.id}/${id}/telemetry`)
        .map((m) => telemetryMessageSchema.parse(JSON.parse(m.payload)))
        .map((m) => ('samples' in m ? (m.samples[0] ?? { ts: 0, readings: {} }) : m));
      // 2 s at 600× with a 60 s interval: about 20 samples each.
      expect(samples.length, id).toBeGreaterThan(10);
      samples.forEach((sample, i) => {
        expect(sample.seq).toBe(i);
        expect(Object.keys(sample.readings).sort()).toEqual([...device.metrics].sort());
        expect(Number(sample.ts)).toBeLessThanOrEqual(now);
        if (i > 0) expect(Number(sample.ts) - Number(samples[i - 1]?.ts)).toBe(device.intervalMs);
      });
      expect(stats.devices[id]).toMatchObject({ published: samples.length, acknowledged: samples.length, errors: 0 });
    }
    expect(live.received.every((m) => parseTopic(m.topic).ok)).toBe(true);
    expect(stats.total.published).toBe(stats.total.acknowledged);

    // A stopped device says so, retained.
    const after = await subscriber('water/+/+/status');
    await sleep(200);
    await after.client.endAsync();
    expect(after.received.filter((m) => m.payload === 'offline')).toHaveLength(sim.deviceIds.length);

    // The scenario's ground truth and events.
    const [truth] = sim.groundTruth();
    expect(truth?.startMs).toBe((sim.clock()?.startMs ?? 0) + 10 * 60_000);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['started', 'all-online', 'scenario-started', 'stopped']));
  });

  it('ends without announcing offline when asked (the demo ending is not a device failing)', async () => {
    const sim = createNetworkSimulator({ brokerUrl: url, speed: 60, seed: 3, devices: ['xiwan-tap-wq'] }, { catalog });
    await sim.start();
    await sleep(300);
    await sim.stop({ announceOffline: false });
    const after = await subscriber('water/xiwan-tap/xiwan-tap-wq/status');
    await sleep(200);
    await after.client.endAsync();
    expect(after.received.map((m) => [m.payload, m.retain])).toEqual([['online', true]]);
  });

  it('fails to start, naming the device, when the broker refuses its password', async () => {
    const sim = createNetworkSimulator(
      { brokerUrl: url, devices: ['north-plant-cl'], connectTimeoutMs: 1000 },
      { catalog, password: () => 'wrong' },
    );
    await expect(sim.start()).rejects.toThrow(/north-plant-cl/);
    expect(sim.stats().total.connected).toBe(0);
  });
});

describe('devices losing their link (scenarios device-offline, link-loss)', () => {
  /** Every sample of a device's telemetry messages, batches unpacked, with each message's size. */
  const samplesOf = (received: readonly Received[]) =>
    received.map((m) => telemetryMessageSchema.parse(JSON.parse(m.payload))).map((m) => ('samples' in m ? m.samples.map((x) => Number(x.ts)) : [Number(m.ts)]));

  it('drops the socket (the broker publishes the will), keeps sampling, and uploads the backlog as a batch when back', async () => {
    const device = catalog.device('xiwan-tap-wq')!;
    const telemetry = await subscriber(`water/${device.site.id}/${device.id}/telemetry`);
    const status = await subscriber(`water/${device.site.id}/${device.id}/status`);
    const sim = createNetworkSimulator(
      { brokerUrl: url, speed: 600, seed: 5, backfillMs: HOUR_MS, devices: [device.id], scenarios: [{ kind: 'device-offline', device: device.id, startsAfter: '5m', durationMs: '15m' }] },
      { catalog },
    );
    await sim.start();
    const truth = sim.groundTruth()[0]!;
    // Until a sample after the outage has arrived.
    await expect.poll(() => samplesOf(telemetry.received).flat().some((ts) => ts >= truth.endMs + device.intervalMs), { timeout: 20_000 }).toBe(true);
    await sim.stop();
    await telemetry.client.endAsync();
    await status.client.endAsync();

    // Live (not the retained one a subscriber gets first): online, the will, online again, the end of the run.
    expect(status.received.filter((m) => !m.retain).map((m) => m.payload)).toEqual(['online', 'offline', 'online', 'offline']);
    const messages = samplesOf(telemetry.received);
    const batch = messages.find((m) => m.length > 1) ?? [];
    // The batch holds the outage's samples (and any the link took down unacknowledged).
    expect(batch.filter((ts) => ts >= truth.startMs && ts < truth.endMs).length).toBe(Math.round((truth.endMs - truth.startMs) / device.intervalMs));
    // Nothing lost: one sample every interval from the first to the last (at least once: a repeat is allowed).
    const all = [...new Set(messages.flat())].sort((a, b) => a - b);
    all.forEach((ts, i) => i > 0 && expect(ts - all[i - 1]!).toBe(device.intervalMs));
    expect(sim.stats().devices[device.id]).toMatchObject({ lostOffline: 0, errors: 0 });
  });

  it('loses what a device without a buffer sampled while a township\'s link was down', async () => {
    const ids = ['xiwan-tap-wq'];
    const device = catalog.device(ids[0]!)!;
    const telemetry = await subscriber(`water/${device.site.id}/${device.id}/telemetry`);
    const sim = createNetworkSimulator(
      { brokerUrl: url, speed: 600, seed: 5, backfillMs: HOUR_MS, devices: ids, scenarios: [{ kind: 'link-loss', township: device.site.township, startsAfter: '5m', durationMs: '10m' }] },
      { catalog },
    );
    await sim.start();
    const truth = sim.groundTruth()[0]!;
    expect(truth).toMatchObject({ kind: 'link-loss', township: device.site.township });
    expect(truth.affectedDevices).toContain(device.id);
    await expect.poll(() => samplesOf(telemetry.received).flat().some((ts) => ts >= truth.endMs + device.intervalMs), { timeout: 20_000 }).toBe(true);
    await sim.stop();
    await telemetry.client.endAsync();
    const all = samplesOf(telemetry.received).flat();
    expect(all.filter((ts) => ts >= truth.startMs && ts < truth.endMs)).toEqual([]);
    expect(samplesOf(telemetry.received).every((m) => m.length === 1)).toBe(true);
    expect(sim.stats().devices[device.id]!.lostOffline).toBeGreaterThanOrEqual(Math.round((truth.endMs - truth.startMs) / device.intervalMs));
  });
});
