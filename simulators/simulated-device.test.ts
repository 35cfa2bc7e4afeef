/**
 * One simulated data logger against a real Aedes broker over TCP on an ephemeral port, with a
 * real QoS 1 subscriber: it samples every minute and uploads every 15 minutes as one `samples`
 * batch, each sample with its own timestamp, at QoS 1.
 */
import mqtt, { connectAsync } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { batchSchema } from '../network/message.ts';
import { startTestBroker, type TestBroker } from './broker.fixtures.ts';
import { checkedCatalog, tapCounty } from './catalog/generate.ts';
import { createSimClock } from './clock.ts';
import { MINUTE_MS } from './fixtures.ts';
import { SimulatedDevice } from './simulated-device.ts';

let broker: TestBroker;
beforeAll(async () => void (broker = await startTestBroker()));
afterAll(() => broker.close());

it('a logger sampling every minute uploads every 15 minutes as one QoS 1 samples batch', async () => {
  const file = tapCounty({ devices: 1, intervalS: 60, passwordHash: () => 'scrypt$unused' });
  file.devices[0] = { ...file.devices[0]!, uploadEveryS: 900 };
  const device = checkedCatalog(file).devices.get('tap-0000-wq')!;
  expect(device.uploadEveryMs).toBe(15 * MINUTE_MS);

  const subscriber = await connectAsync(broker.url, { clientId: 'logger-test-subscriber' });
  const received: { payload: string; qos: number }[] = [];
  subscriber.on('message', (_topic, payload, packet) => received.push({ payload: payload.toString(), qos: packet.qos }));
  await subscriber.subscribeAsync('water/+/+/telemetry', { qos: 1 });

  // 50 simulated minutes of history at 60,000× (a minute a millisecond): 50 samples, 3 uploads, 5 kept.
  const clock = createSimClock({ speed: 60_000, startMs: Date.now() - 50 * MINUTE_MS, backfillMs: 0 }, Date.now);
  const logger = new SimulatedDevice({
    device,
    signal: { device, sample: (t) => ({ turbidity: 0.1 + ((t / MINUTE_MS) % 10) / 100 }), disturbance: () => ({}) },
    now: Date.now,
    brokerUrl: broker.url,
    password: 'unused',
    connect: mqtt.connect,
    maxInFlight: 2,
    connectTimeoutMs: 5000,
    reconnectPeriodMs: 1000,
    onEvent: () => undefined,
  });
  await logger.connect();
  logger.run(clock, clock.startMs);
  for (let i = 0; i < 100 && received.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  await logger.stop(2000);
  await subscriber.endAsync();

  expect(received).toHaveLength(3);
  expect(received.map((m) => m.qos)).toEqual([1, 1, 1]);
  const batches = received.map((m) => batchSchema.parse(JSON.parse(m.payload)).samples);
  expect(batches.map((b) => b.length)).toEqual([15, 15, 15]);
  const stamps = batches.flat().map((s) => Number(s.ts));
  expect(stamps).toEqual(Array.from({ length: 45 }, (_, k) => clock.startMs + k * MINUTE_MS));
  expect(logger.stats).toMatchObject({ published: 3, acknowledged: 3, errors: 0 });
});
