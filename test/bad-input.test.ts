/**
 * Every kind of malformed message of ingest/cases/malformed.ts, sent over MQTT to a whole
 * Clearwater process: each is rejected with its reason, counted and dead-lettered with its raw
 * payload, the process keeps serving, and the good readings sent beside them land in InfluxDB.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { DEVICE, malformedCases, OWN_TOPIC } from '../ingest/cases/malformed.ts';
import { connectDevice, eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

let pipeline: TestPipeline;
beforeAll(async () => {
  pipeline = await startTestPipeline(inject('influxUrl'), 'bad_input');
});
afterAll(() => pipeline?.close());

async function rejectedByReason(): Promise<Record<string, number>> {
  const text = await (await fetch(`${pipeline.http}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^clearwater_readings_rejected_total\{reason="([a-z0-9_]+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

it('rejects each malformed message with its reason and still lands the good readings', async () => {
  const device = await connectDevice(pipeline.mqttUrl, DEVICE.id);
  const now = Date.now();
  for (const c of malformedCases) {
    await device.publishAsync(c.topic ?? OWN_TOPIC, c.payload(now), { qos: 1 });
    expect(device.connected, `still connected after "${c.name}"`).toBe(true);
  }
  // A plain good message after all the junk.
  await device.publishAsync(OWN_TOPIC, JSON.stringify({ ts: now, seq: 1, readings: { turbidity: 0.18, ph: 7.3 } }), { qos: 1 });
  await device.endAsync();

  const expected: Record<string, number> = {};
  for (const c of malformedCases) for (const reason of c.reasons) expected[reason] = (expected[reason] ?? 0) + 1;
  await eventually(async () => {
    const counts = await rejectedByReason();
    return JSON.stringify(sorted(counts)) === JSON.stringify(sorted(expected)) ? counts : undefined;
  }, 10_000, 'rejection counts').catch(async (error) => {
    expect(await rejectedByReason()).toEqual(sorted(expected));
    throw error;
  });

  const goodReadings = malformedCases.reduce((n, c) => n + c.good, 0) + 2;
  const rows = await eventually(async () => {
    const r = await pipeline.query(`SELECT * FROM telemetry WHERE device = '${DEVICE.id}'`);
    const readings = r.flatMap((row) => row.filter((v) => typeof v === 'number')).length - r.length; // minus the time column
    return readings === goodReadings ? r : undefined;
  }, 10_000, `${goodReadings} good readings in InfluxDB`);
  expect(rows.length).toBe(3); // mixed message, good batch sample, plain message

  const health = await fetch(`${pipeline.http}/healthz`);
  expect(health.status).toBe(200);

  const db = new Database(join(pipeline.config.dataDir, 'dead-letters.db'), { readonly: true });
  const letters = db.prepare('SELECT reason, topic, device, payload FROM dead_letters').all() as { reason: string; topic: string; device: string; payload: Buffer }[];
  db.close();
  expect(letters).toHaveLength(Object.values(expected).reduce((a, b) => a + b, 0));
  const utf8 = letters.find((l) => l.reason === 'invalid_utf8');
  expect(utf8?.payload).toEqual(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
  expect(utf8?.device).toBe(DEVICE.id);
  expect(letters.find((l) => l.reason === 'invalid_topic')?.topic).toBe(`water/${DEVICE.site}/${DEVICE.id}/commands`);
});

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
