/**
 * The one stream of ticket changes, end to end: changes from every origin (the rules engine on a
 * reading, the sweep raising a tier, people through the API, a silence expired through the API)
 * each appear exactly once and in order in the stream, and exactly once as a `ticket` point in
 * InfluxDB. On SQLite with one instance, and on PostgreSQL with two instances sharing the
 * tickets and the InfluxDB database: readings go to one, people work through the other.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { TicketChange } from '../rules/tickets/store.ts';
import { connectDevice, eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';
import { tapTurbidityPack } from '../rules/pack.fixtures.ts';

const PG = process.env.CLEARWATER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOKEN = 'dispatcher-token-0123456789';
const TONGMEN = { device: 'tongmen-tap-wq', site: 'tongmen-tap' };
const XIWAN = { device: 'xiwan-tap-wq', site: 'xiwan-tap' };

/** One threshold rule, no wait: every change in this test comes from a reading, a timer or a person. */
const PACK = tapTurbidityPack();

let folder: string | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (folder) await rm(folder, { recursive: true, force: true });
});

async function packFile(): Promise<string> {
  folder ??= await mkdtemp(join(tmpdir(), 'clearwater-stream-pack-'));
  const path = join(folder, 'stream-test.yaml');
  await writeFile(path, PACK);
  return path;
}

async function startInstances(database: string, count: number, tickets: Record<string, unknown>): Promise<TestPipeline[]> {
  const overrides = {
    rulePacks: [await packFile()],
    rulesTickMs: 100,
    // Critical tickets go up a tier after 1 s unacknowledged; warnings never by time.
    lifecycle: { escalation: { critical: '1s' } },
    tickets,
    api: { tokens: [{ token: TOKEN, name: 'li.dispatcher', role: 'dispatcher' }] },
  };
  const instances: TestPipeline[] = [];
  for (let i = 0; i < count; i++) instances.push(await startTestPipeline(inject('influxUrl'), database, overrides));
  cleanups.push(async () => {
    for (const instance of instances) await instance.close();
  });
  return instances;
}

async function publish(instance: TestPipeline, device: { device: string; site: string }, turbidity: number): Promise<void> {
  const client = await connectDevice(instance.mqttUrl, device.device);
  await client.publishAsync(`water/${device.site}/${device.device}/telemetry`, JSON.stringify({ ts: Date.now() - 1000, readings: { turbidity } }), { qos: 1 });
  await client.endAsync();
}

async function api<T>(instance: TestPipeline, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${instance.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

interface ApiTicket {
  id: number;
  state: string;
  tier: string;
  site: string;
}

async function ticketAt(instance: TestPipeline, site: string, check: (ticket: ApiTicket) => boolean, what: string): Promise<ApiTicket> {
  return eventually(async () => {
    const { tickets } = await api<{ tickets: ApiTicket[] }>(instance, 'GET', `/api/tickets?state=all&site=${site}`);
    return tickets.find(check);
  }, 15_000, what);
}

/**
 * Drives one change of each origin, on `readings` (the engine) and `people` (the API), and
 * returns the event types in the order they must appear.
 */
async function driveEveryOrigin(readings: TestPipeline, people: TestPipeline): Promise<string[]> {
  // The engine opens a critical ticket; unacknowledged, the sweep takes it up to the county.
  await publish(readings, TONGMEN, 5);
  const tongmen = await ticketAt(people, TONGMEN.site, (t) => t.tier === 'county', 'the sweep to raise the ticket to the county');
  // People work it through the API.
  await api(people, 'POST', `/api/tickets/${tongmen.id}/acknowledge`, { note: '已派人冲洗' });
  await api(people, 'POST', `/api/tickets/${tongmen.id}/comment`, { note: '村民反映水发黄' });
  // A silence holds a new ticket; expiring it through the API opens it.
  const { silence } = await api<{ silence: { id: number } }>(people, 'POST', '/api/silences', { site: XIWAN.site, startsAt: Date.now() - 60_000, duration: '4h', reason: '阀门检修 valve work' });
  await publish(readings, XIWAN, 2);
  const held = await ticketAt(people, XIWAN.site, (t) => t.state === 'suppressed', 'the ticket held by the silence');
  await api(people, 'POST', `/api/silences/${silence.id}/expire`, {});
  await ticketAt(people, XIWAN.site, (t) => t.id === held.id && t.state === 'open', 'the silence expiry to open the ticket');
  // The engine resolves both as the water clears.
  await publish(readings, XIWAN, 0.2);
  await ticketAt(people, XIWAN.site, (t) => t.id === held.id && t.state === 'resolved', 'the engine to resolve the second ticket');
  await publish(readings, TONGMEN, 0.2);
  await ticketAt(people, TONGMEN.site, (t) => t.id === tongmen.id && t.state === 'resolved', 'the engine to resolve the first ticket');
  return ['opened', 'tier_raised', 'tier_raised', 'acknowledged', 'commented', 'opened', 'suppressed', 'unsuppressed', 'resolved', 'resolved'];
}

/** What a live subscriber of each instance saw, from the first event on. */
async function watch(instances: TestPipeline[]): Promise<TicketChange[][]> {
  return Promise.all(
    instances.map(async (instance) => {
      const seen: TicketChange[] = [];
      await instance.rules.stream.subscribe('test', (changes) => void seen.push(...changes), 0);
      return seen;
    }),
  );
}

/** The `ticket` points of the database: ticket id, change and time, in time order. */
async function ticketPoints(instance: TestPipeline): Promise<[number, string, number][]> {
  const rows = (await instance.query('SELECT ticket_id, "change" FROM ticket')) as [number | string, number, string][];
  return rows.map(([time, id, change]) => [id, change, typeof time === 'number' ? time : Date.parse(time)]);
}

async function expectOnePerChange(instances: TestPipeline[], seen: TicketChange[][], types: string[]): Promise<void> {
  const stored = await instances[0]!.rules.store.changes(0, 1000);
  expect(stored.map((c) => c.event.type)).toEqual(types);
  const ids = stored.map((c) => c.event.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  // Every instance's live subscriber saw each change once, in id order.
  for (const list of seen) await expect.poll(() => list.map((c) => c.event.id), { timeout: 10_000 }).toEqual(ids);
  // The people's changes carry who and from where; the engine's and the sweep's the system.
  expect(stored.map((c) => c.event.actor)).toEqual(types.map((_t, i) => ([3, 4, 7].includes(i) ? 'li.dispatcher' : 'system')));
  // One annotation point per change, whichever instance wrote it.
  const expected = stored.map((c): [number, string, number] => [c.ticket.id, c.event.type, c.event.at]).sort((a, b) => a[2] - b[2] || a[0] - b[0]);
  const points = await eventually(async () => {
    const found = await ticketPoints(instances[0]!);
    return found.length >= expected.length ? found : undefined;
  }, 15_000, 'a ticket point per change');
  expect(points.sort((a, b) => a[2] - b[2] || a[0] - b[0])).toEqual(expected);
}

describe('the ticket change stream', () => {
  it('carries every origin once and in order, and writes one ticket point per change (SQLite, one instance)', async () => {
    const [instance] = await startInstances('change_stream_sqlite', 1, { store: 'sqlite' });
    const seen = await watch([instance!]);
    const types = await driveEveryOrigin(instance!, instance!);
    await expectOnePerChange([instance!], seen, types);
  });

  it('does the same on PostgreSQL with two instances: readings on one, people on the other', async () => {
    const schema = `clearwater_stream_${randomBytes(4).toString('hex')}`;
    cleanups.push(async () => {
      const client = new pg.Client({ connectionString: PG });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    });
    const instances = await startInstances('change_stream_pg', 2, { store: 'postgres', url: PG, schema });
    const seen = await watch(instances);
    const types = await driveEveryOrigin(instances[0]!, instances[1]!);
    await expectOnePerChange(instances, seen, types);
  });
});
