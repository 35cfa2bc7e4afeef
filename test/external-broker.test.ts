/**
 * External broker mode against the real Mosquitto on 127.0.0.1:1883: the ingest subscribes with
 * QoS 1 on a persistent session; a device publishes to Mosquitto; the readings land in InfluxDB
 * with catalog tags. Readings published while the ingest is down arrive after it comes back.
 *
 * Mosquitto is shared by every run on the machine, so each run has a catalog of its own (site and
 * device ids with a random suffix), subscribes only under its own site and uses its own client
 * ids; the persistent session is discarded at the end.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { telemetryTopic } from '../network/topic.ts';
import { connect, eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const MOSQUITTO = process.env.MOSQUITTO_URL ?? 'mqtt://127.0.0.1:1883';
const run = randomBytes(4).toString('hex');
const site = `xb-${run}-tap`;
const device = `xb-${run}-wq`;
const stranger = `xb-${run}-ghost`;
const clientId = `clearwater-test-ingest-${run}`;
const sharedClientId = `clearwater-test-shared-${run}`;
const database = 'external_broker';

const catalogYaml = `
county: { id: xb, name: External broker test county }
townships: [{ id: xb-town, name: Test township }]
villages: [{ id: xb-village, name: Test village, township: xb-town }]
zones: [{ id: xb-zone, name: Test zone }]
sites:
  - { id: ${site}, name: Test tap, kind: tap, township: xb-town, village: xb-village, zone: xb-zone, location: { lat: 30, lon: 120 } }
devices:
  - id: ${device}
    site: ${site}
    passwordHash: "scrypt$16384$8$1$c2FsdA==$a2V5"
    intervalS: 60
    metrics: [turbidity, free_chlorine]
`;

let folder: string;
let dataDir: string;
let pipeline: TestPipeline | undefined;
let publisher: MqttClient;
const startedAt = Date.now() - 60_000;
let sequence = 0;

/** One reading per message, each at its own millisecond so no point overwrites another. */
function publishTelemetry(deviceId: string, turbidity: number): Promise<void> {
  sequence += 1;
  const payload = JSON.stringify({ ts: startedAt + sequence, seq: sequence, readings: { turbidity, free_chlorine: 0.4 } });
  return publisher.publishAsync(telemetryTopic(site, deviceId), payload, { qos: 1 }).then(() => undefined);
}

function startIngest(overrides: Record<string, unknown> = {}): Promise<TestPipeline> {
  return startTestPipeline(inject('influxUrl'), database, {
    dataDir,
    catalog: join(folder, 'catalog.yaml'),
    source: { kind: 'mqtt', url: MOSQUITTO, clientId, topic: `water/${site}/+/+`, reconnectMinMs: 200, reconnectMaxMs: 1000 },
    ...overrides,
  });
}

async function storedTurbidity(): Promise<number> {
  const [row] = await pipeline!.query(`SELECT count(turbidity) FROM telemetry WHERE device = '${device}'`);
  return Number(row?.[1] ?? 0);
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'clearwater-xb-'));
  dataDir = join(folder, 'data');
  await writeFile(join(folder, 'catalog.yaml'), catalogYaml);
  publisher = await connect(MOSQUITTO, { clientId: `xb-${run}-publisher` });
  pipeline = await startIngest();
});

afterAll(async () => {
  await pipeline?.close();
  await publisher?.endAsync();
  // Discard the persistent session on the shared Mosquitto [MQTT-3.1.2-6]: clean session ends it.
  for (const id of [clientId, ...[1, 2, 3].map((n) => `${sharedClientId}-${n}`)]) {
    const cleaner = await connect(MOSQUITTO, { clientId: id, clean: true }).catch(() => undefined);
    await cleaner?.endAsync();
  }
  await rm(folder, { recursive: true, force: true });
});

/** The external subscription's counters (the pipeline's source is one). */
function sourceStats(running: TestPipeline | undefined) {
  const source = running?.source;
  if (source?.kind !== 'mqtt') throw new Error(`expected the mqtt source, got ${source?.kind}`);
  return source.stats();
}

describe('external broker mode (Mosquitto)', () => {
  it('ingests QoS 1 telemetry from the broker into InfluxDB with the catalog tags', async () => {
    expect(pipeline!.mqttPort).toBe(0); // no embedded broker
    expect(sourceStats(pipeline).connected).toBe(true);
    // No broker was constructed, so none of its gauges is exported.
    const exported = await (await fetch(`${pipeline!.http}/metrics`)).text();
    expect(exported).toMatch(/^clearwater_mqtt_source_connected 1$/m);
    expect(exported).not.toMatch(/clearwater_mqtt_clients_connected|clearwater_mqtt_sockets/);
    for (let i = 0; i < 10; i++) await publishTelemetry(device, 0.2 + i / 100);

    await eventually(async () => ((await storedTurbidity()) === 10 ? true : undefined), 10_000, '10 readings in InfluxDB');
    const body = await fetch(
      `${pipeline!.config.influx.url}/query?${new URLSearchParams({ db: database, q: `SELECT count(turbidity) FROM telemetry WHERE device = '${device}' GROUP BY *` })}`,
    );
    const series = ((await body.json()) as { results: { series: { tags: Record<string, string> }[] }[] }).results[0]!.series;
    expect(series.map((s) => s.tags)).toEqual([{ site, device, site_kind: 'tap', township: 'xb-town', zone: 'xb-zone', village: 'xb-village' }]);

    expect(sourceStats(pipeline)).toMatchObject({ received: 10, acked: 10, unacked: 0 });
    expect(await metric(pipeline!.http, 'clearwater_mqtt_source_connected')).toBe(1);
    expect(await metric(pipeline!.http, 'clearwater_mqtt_source_messages_acked_total')).toBe(10);
  });

  it('dead-letters a message from a device not in the catalog, and acknowledges it', async () => {
    await publishTelemetry(stranger, 0.3);
    await eventually(() => (pipeline!.ingest.stats.readingsRejected.unknown_device === 1 ? true : undefined), 5000, 'the unknown device to be rejected');
    await eventually(() => (sourceStats(pipeline).acked === 11 ? true : undefined), 5000, 'the PUBACK of the rejected message');

    const letters = await eventually(() => {
      const db = new Database(join(dataDir, 'dead-letters.db'), { readonly: true });
      try {
        const rows = db.prepare('SELECT topic, reason FROM dead_letters WHERE topic = ?').all(telemetryTopic(site, stranger)) as { topic: string; reason: string }[];
        return rows.length > 0 ? rows : undefined;
      } finally {
        db.close();
      }
    }, 5000, 'the dead letter on disk');
    expect(letters).toEqual([{ topic: telemetryTopic(site, stranger), reason: 'unknown_device' }]);
    expect(await storedTurbidity()).toBe(10);
  });

  it('receives what was published while the ingest was down (persistent session)', async () => {
    await pipeline!.close();
    pipeline = undefined;
    // Mosquitto acknowledges these and queues them in the ingest's session.
    for (let i = 0; i < 5; i++) await publishTelemetry(device, 0.5 + i / 100);

    pipeline = await startIngest();
    await eventually(async () => ((await storedTurbidity()) === 15 ? true : undefined), 10_000, 'the 5 readings published during the downtime');
    expect(sourceStats(pipeline)).toMatchObject({ received: 5, acked: 5, unacked: 0 });
  });

  it('reconnects with backoff when the broker drops the connection, and keeps the session', async () => {
    const stats = () => sourceStats(pipeline);
    // Another client taking over the client id makes Mosquitto close the ingest's connection
    // [MQTT-3.1.4-2]; it takes no subscription of its own and leaves at once, force-closed.
    const impostor = await connect(MOSQUITTO, { clientId, clean: false });
    await eventually(() => (stats().disconnects === 1 ? true : undefined), 5000, 'the ingest to lose its connection');
    impostor.end(true);
    await eventually(() => (stats().connected && stats().connects === 2 ? true : undefined), 10_000, 'the ingest to reconnect');

    for (let i = 0; i < 3; i++) await publishTelemetry(device, 0.6);
    await eventually(async () => ((await storedTurbidity()) === 18 ? true : undefined), 10_000, '3 more readings after the reconnect');
    expect(await metric(pipeline!.http, 'clearwater_mqtt_source_disconnects_total')).toBe(1);
  });

  it('leaves messages unacknowledged while the spool is full; Mosquitto re-sends them and all land', async () => {
    await pipeline!.close();
    // A spool that is full after one commit and drains every 300 ms, refusing at once when full.
    pipeline = await startIngest({
      spool: { maxBytes: 1, fullWaitMs: 0 },
      influx: { url: inject('influxUrl'), api: 'v1', database, flushIntervalMs: 300 },
    });
    for (let i = 0; i < 10; i++) await publishTelemetry(device, 0.7);
    await eventually(async () => ((await storedTurbidity()) === 28 ? true : undefined), 20_000, '10 more readings despite the full spool');
    const stats = sourceStats(pipeline);
    expect(stats.unacked).toBeGreaterThan(0);
    expect(stats.redelivered).toBeGreaterThan(0);
    expect(stats.acked).toBe(10);
    expect(pipeline.ingest.stats.readingsRejected).toEqual({});
  });

  it('splits the stream over several connections of one shared subscription: every message lands once', async () => {
    await pipeline!.close();
    pipeline = await startIngest({
      source: { kind: 'mqtt', url: MOSQUITTO, clientId: sharedClientId, topic: `$share/xb-${run}/water/${site}/+/+`, connections: 3 },
    });
    expect(sourceStats(pipeline)).toMatchObject({ connected: true, connections: 3 });
    expect(await metric(pipeline!.http, 'clearwater_mqtt_source_connections')).toBe(3);
    await Promise.all(Array.from({ length: 30 }, () => publishTelemetry(device, 0.8)));
    await eventually(async () => ((await storedTurbidity()) === 58 ? true : undefined), 10_000, '30 more readings over the shared subscription');
    // Mosquitto deals each message to one member of the group: 30 received, not 3 × 30.
    expect(sourceStats(pipeline)).toMatchObject({ received: 30, acked: 30, unacked: 0 });
  });
});
