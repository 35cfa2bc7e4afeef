/**
 * Fuzz: 100,000 random and mutated payloads and topics from many authenticated clients, plus
 * sockets sending junk bytes and truncated MQTT packets, while good devices publish at the same
 * time. The process must stay up, count every rejection, and land all the good traffic.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, inject, it } from 'vitest';
import { createDatabase } from '../app/local-influxd.ts';
import { writeBenchCatalog, type BenchDevice } from '../bench/bench-catalog.ts';
import { createRandom, type Random } from '../simulators/random.ts';
import { startClearwater, type ClearwaterProcess } from './support/clearwater-process.ts';
import { missingReadings, startFleet } from './support/device-fleet.ts';
import { mutatePayload, mutateTopic } from './support/mutations.ts';
import { eventually, metric } from './support/pipeline.ts';

const MESSAGES = Number(process.env.CLEARWATER_FUZZ_MESSAGES ?? 100_000);
const FUZZERS = 10;
let dir: string;
let clearwater: ClearwaterProcess | undefined;
afterAll(async () => {
  await clearwater?.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fuzzClient(url: string, device: BenchDevice, random: Random, count: number): Promise<{ sent: number; acked: number; invalidJson: number }> {
  const client = await mqtt.connectAsync(url, { username: device.id, password: device.password, clientId: device.id, reconnectPeriod: 100 });
  client.on('error', () => undefined);
  const result = { sent: 0, acked: 0, invalidJson: 0 };
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const payload = mutatePayload(random, Date.now());
    const topic = mutateTopic(random, device.site, device.id);
    if (topic === `water/${device.site}/${device.id}/telemetry` && !isJson(payload)) result.invalidJson += 1;
    const p = client.publishAsync(topic, payload, { qos: 1 }).then(
      () => void (result.acked += 1),
      () => undefined,
    );
    result.sent += 1;
    const tracked = p.finally(() => inflight.delete(tracked));
    inflight.add(tracked);
    if (inflight.size >= 50) await Promise.race(inflight);
  }
  await Promise.race([Promise.all(inflight), new Promise((r) => setTimeout(r, 10_000))]);
  await client.endAsync(true);
  return result;
}

function isJson(payload: Buffer): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
    return true;
  } catch {
    return false;
  }
}

/** Sockets that send junk bytes or a truncated MQTT packet and hang up. */
async function junkSockets(port: number, random: Random, count: number): Promise<void> {
  const truncated = [
    Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), // CONNECT claiming 256 MB
    Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51]), // CONNECT cut in the protocol name
    Buffer.from([0x30, 0x80, 0x80, 0x04, 0x00]), // PUBLISH before CONNECT, cut
    Buffer.from([0xe0]), // DISCONNECT header alone
  ];
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      new Promise<void>((resolve) => {
        const socket = tcpConnect(port, '127.0.0.1');
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.on('connect', () => {
          const bytes = i % 2 === 0 ? Buffer.from(Array.from({ length: random.int(1, 2000) }, () => random.int(0, 255))) : truncated[i % truncated.length]!;
          socket.write(bytes, () => setTimeout(() => socket.destroy(), random.int(0, 200)));
        });
      }),
    ),
  );
}

it(`survives ${MESSAGES} mutated messages and junk sockets while good traffic lands`, async () => {
  const influxUrl = inject('influxUrl');
  await createDatabase(influxUrl, 'fuzz');
  dir = await mkdtemp(join(tmpdir(), 'clearwater-fuzz-'));
  const catalog = await writeBenchCatalog(dir, FUZZERS + 10);
  clearwater = await startClearwater(dir, {
    catalog: catalog.path,
    influx: { url: influxUrl, api: 'v1', database: 'fuzz' },
    // Floods are held back by the per-device rate limit (broker tests cover it); here the payloads are under test.
    broker: { port: 0, rateLimit: { messagesPerSecond: 5000, burst: 5000 } },
  });
  const port = Number(new URL(clearwater.mqttUrl).port);
  const random = createRandom(20261128);
  const good = catalog.devices.slice(FUZZERS);
  const base = Date.now() - 120_000;
  const fleet = startFleet({ url: clearwater.mqttUrl, devices: good, rate: 20, base, stepMs: 1 });

  const fuzzStart = Date.now();
  const [results] = await Promise.all([
    Promise.all(catalog.devices.slice(0, FUZZERS).map((d) => fuzzClient(clearwater!.mqttUrl, d, random.fork(d.id), MESSAGES / FUZZERS))),
    junkSockets(port, random.fork('junk'), 300),
  ]);
  const fuzzSeconds = (Date.now() - fuzzStart) / 1000;
  await fleet.stop();

  const health = await fetch(`${clearwater.http}/healthz`);
  expect(health.status).toBe(200);
  const sent = results.reduce((n, r) => n + r.sent, 0);
  const acked = results.reduce((n, r) => n + r.acked, 0);
  const invalidJson = results.reduce((n, r) => n + r.invalidJson, 0);
  expect(sent).toBe(MESSAGES);

  const text = await (await fetch(`${clearwater.http}/metrics`)).text();
  const rejected = [...text.matchAll(/^clearwater_readings_rejected_total\{reason="([a-z0-9_]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
  const rejectedTotal = rejected.reduce((n, [, c]) => n + c, 0);
  const byReason = Object.fromEntries(rejected);
  console.log(`fuzz: ${sent} sent in ${fuzzSeconds.toFixed(1)} s, ${acked} acknowledged, ${invalidJson} not JSON; rejections by reason ${JSON.stringify(byReason)}`);
  // Every telemetry payload that is not JSON was counted under its reason.
  expect((byReason.invalid_json ?? 0) + (byReason.invalid_utf8 ?? 0)).toBe(invalidJson);
  expect(rejectedTotal).toBeGreaterThan(MESSAGES * 0.5);
  expect(await metric(clearwater.http, 'clearwater_messages_total')).toBeGreaterThanOrEqual(acked);

  await eventually(async () => ((await metric(clearwater!.http, 'clearwater_spool_lines')) === 0 ? true : undefined), 30_000, 'the spool to drain');
  const missing = await missingReadings(fleet, influxUrl, 'fuzz', `WHERE time < ${base + 10_000_000}ms`);
  expect(fleet.counts.acked).toBeGreaterThan(100);
  expect(missing.slice(0, 10)).toEqual([]);
}, 300_000);
