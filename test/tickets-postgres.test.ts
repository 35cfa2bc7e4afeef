/**
 * Two Clearwater instances sharing one PostgreSQL ticket store (the multi-instance deployment):
 * the same incident seen by both opens exactly one ticket, visible in both APIs.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { connectDevice, eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const PG = process.env.CLEARWATER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `clearwater_e2e_${randomBytes(4).toString('hex')}`;
const pipelines: TestPipeline[] = [];

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    pipelines.push(await startTestPipeline(inject('influxUrl'), `tickets_pg_${i}`, { tickets: { store: 'postgres', url: PG, schema } }));
  }
});
afterAll(async () => {
  for (const p of pipelines) await p.close();
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

it('opens one ticket for an incident both instances see', async () => {
  const start = Date.now() - 10 * 60_000;
  const readings = Array.from({ length: 6 }, (_, minute) => JSON.stringify({ ts: start + minute * 60_000, readings: { turbidity: 3.2 + minute / 10 } }));
  await Promise.all(
    pipelines.map(async (pipeline) => {
      const device = await connectDevice(pipeline.mqttUrl, 'tongmen-end-tap-wq');
      for (const payload of readings) await device.publishAsync('water/tongmen-end-tap/tongmen-end-tap-wq/telemetry', payload, { qos: 1 });
      await device.endAsync();
    }),
  );
  const lists = await eventually(async () => {
    const all = await Promise.all(pipelines.map(async (p) => ((await (await fetch(`${p.http}/api/tickets?state=all`)).json()) as { tickets: { id: number; site: string; count: number }[] }).tickets));
    // Both instances answer from the same row once both have written their readings.
    return all.every((l) => l.length === 1 && l[0]!.count >= 6) && JSON.stringify(all[0]) === JSON.stringify(all[1]) ? all : undefined;
  }, 15_000, 'one shared ticket');
  expect(lists[0]![0]!.id).toBe(lists[1]![0]!.id);
  expect(lists[0]![0]!.site).toBe('tongmen-end-tap');
});
