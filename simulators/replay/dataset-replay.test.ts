/**
 * The replay adapter against a real (bare) Aedes broker over TCP on an ephemeral port, with a
 * real MQTT subscriber: every row once, in order, with its timestamp; the device's own login;
 * the retained status; the pacing read off an injected clock (no timed assertion).
 */
import { Aedes } from 'aedes';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Device } from '../../network/catalog.ts';
import { telemetryMessageSchema } from '../../network/message.ts';
import type { MetricName } from '../../network/metrics.ts';
import { derivedPassword } from '../credentials.ts';
import { sampleCatalog } from '../fixtures.ts';
import { replayMessages, type ReplayClock } from './dataset-replay.ts';
import { replayPlan, type RecordedSample } from './plan.ts';

let broker: Aedes;
let server: Server;
let url: string;
let device: Device;
const logins: { clientId: string; username?: string | undefined }[] = [];

beforeAll(async () => {
  device = (await sampleCatalog()).device('north-plant-cl')!;
  broker = await Aedes.createBroker();
  broker.authenticate = (client, username, password, done) => {
    logins.push({ clientId: client.id, username });
    done(null, username === undefined || (username === client.id && password?.toString() === derivedPassword(username)));
  };
  server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A clock that only moves when slept on: every sleep is recorded and returns at once. */
function fakeClock(startMs: number): ReplayClock & { sleeps: number[] } {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function subscriber(filter: string): Promise<{ client: MqttClient; received: { topic: string; payload: string; retain: boolean }[] }> {
  const client = await connectAsync(url, { clientId: `test-${Math.random().toString(16).slice(2)}` });
  const received: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

const T0 = Date.parse('2026-12-02T10:00:00Z');
/** 40 rows a minute apart, then one 10 minutes later. */
const rows: RecordedSample[] = [...Array.from({ length: 40 }, (_, i) => T0 + i * 60_000), T0 + 49 * 60_000].map((ts, i) => ({
  ts,
  values: new Map<MetricName, number>([['free_chlorine', 0.3 + i / 1000], ['ph', 7.5]]),
}));
const telemetryTopic = 'water/north-plant/north-plant-cl/telemetry';

describe('dataset replay on a real broker', () => {
  it('publishes every row once, in order, with its own timestamp, paced by the timestamps divided by the speed', async () => {
    const live = await subscriber('water/#');
    const plan = replayPlan(rows, { metrics: device.metrics, shiftMs: 0, batch: 1 });
    const clock = fakeClock(T0 + 3_600_000);
    const stats = await replayMessages(plan.messages, { device, brokerUrl: url, password: derivedPassword(device.id), connect, clock, speed: 60 });
    await live.client.endAsync();

    expect(stats).toEqual({ published: 41, acknowledged: 41, rowsAcknowledged: 41, errors: 0 });
    const telemetry = live.received.filter((m) => m.topic === telemetryTopic).map((m) => telemetryMessageSchema.parse(JSON.parse(m.payload)));
    expect(telemetry.map((m) => ('ts' in m ? m.ts : undefined))).toEqual(rows.map((r) => r.ts));
    expect(telemetry.map((m) => ('seq' in m ? m.seq : undefined))).toEqual(rows.map((_, i) => i));
    expect(telemetry.map((m) => ('readings' in m ? m.readings : undefined))).toEqual(rows.map((r) => ({ free_chlorine: r.values.get('free_chlorine') })));
    // 60×: a minute of data per second; the 10-minute gap before the last row is a 10-second wait.
    expect(clock.sleeps).toEqual([...Array.from({ length: 39 }, () => 1000), 10_000]);
    // As itself, and online then offline on its retained status.
    expect(logins.filter((l) => l.username === device.id)).toEqual([{ clientId: device.id, username: device.id }]);
    expect(live.received.filter((m) => m.topic.endsWith('/status')).map((m) => m.payload)).toEqual(['online', 'offline']);
  });

  it('uploads `samples` batches, due when their last row is', async () => {
    const live = await subscriber(telemetryTopic);
    const plan = replayPlan(rows, { metrics: device.metrics, shiftMs: 0, batch: 15 });
    const clock = fakeClock(T0 + 3_600_000);
    const stats = await replayMessages(plan.messages, { device, brokerUrl: url, password: derivedPassword(device.id), connect, clock, speed: 60 });
    await live.client.endAsync();

    expect(stats).toMatchObject({ published: 3, acknowledged: 3, rowsAcknowledged: 41 });
    const batches = live.received.map((m) => telemetryMessageSchema.parse(JSON.parse(m.payload)));
    const stamps = batches.flatMap((m) => ('samples' in m ? m.samples.map((s) => s.ts) : []));
    expect(stamps).toEqual(rows.map((r) => r.ts));
    // Rows 0-14, 15-29, 30-40: due at minutes 14, 29 and 49.
    expect(clock.sleeps).toEqual([15_000, 20_000]);
  });

  it('stops early when aborted: nothing more published, what was in flight acknowledged, then offline', async () => {
    const live = await subscriber('water/north-plant/north-plant-cl/#');
    const plan = replayPlan(rows, { metrics: device.metrics, shiftMs: 0, batch: 1 });
    const stop = new AbortController();
    const onAcknowledged = (acknowledged: number) => void (acknowledged === 3 && stop.abort());
    const stats = await replayMessages(plan.messages, { device, brokerUrl: url, password: derivedPassword(device.id), connect, clock: fakeClock(T0), speed: 60, signal: stop.signal, onAcknowledged });
    await live.client.endAsync();

    expect(stats.published).toBeLessThan(rows.length);
    expect(stats.acknowledged).toBe(stats.published);
    const telemetry = live.received.filter((m) => m.topic === telemetryTopic);
    expect(telemetry).toHaveLength(stats.published);
    expect(live.received.at(-1)).toMatchObject({ topic: 'water/north-plant/north-plant-cl/status', payload: 'offline' });
  });

  it('fails with the reason when the broker refuses the device', async () => {
    const plan = replayPlan(rows, { metrics: device.metrics, shiftMs: 0, batch: 1 });
    const attempt = replayMessages(plan.messages, { device, brokerUrl: url, password: 'wrong', connect, clock: fakeClock(0), speed: 1, connectTimeoutMs: 5000 });
    await expect(attempt).rejects.toThrow(/north-plant-cl not connected to .*: Connection refused: Not authorized/);
  });
});
