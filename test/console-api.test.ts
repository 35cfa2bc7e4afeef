/**
 * The API routes the console adds, against a whole Clearwater: live ticket changes as
 * server-sent events (caught up after a lost connection with Last-Event-ID, scoped to a village
 * administrator's villages), the catalog for the map, and a site's readings from InfluxDB.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeTapTurbidityPack } from '../rules/pack.fixtures.ts';
import { connectDevice, eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const DISPATCHER = 'dispatcher-token-0123456789';
const TONGMEN = 'tongmen-admin-token-012345';

let folder: string;
let pipeline: TestPipeline;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'clearwater-console-api-'));
  pipeline = await startTestPipeline(inject('influxUrl'), 'console_api', {
    rulePacks: [await writeTapTurbidityPack(folder)],
    api: {
      tokens: [
        { token: DISPATCHER, name: 'li.dispatcher', role: 'dispatcher' },
        { token: TONGMEN, name: 'wang.tongmen', role: 'village_admin', villages: ['tongmen'] },
      ],
    },
    notify: { enabled: false },
  });
});

afterAll(async () => {
  await pipeline?.close();
  await rm(folder, { recursive: true, force: true });
});

interface SseEvent {
  id: number;
  type: string;
  data: { event: { id: number; type: string; actor: string }; ticket: { id: number; site: string; village: string | null } };
}

/** Reads an event stream until `until` says stop (or `abort` is called). */
async function events(token: string, lastEventId?: number) {
  const abort = new AbortController();
  const response = await fetch(`${pipeline.http}/api/events`, { headers: { authorization: `Bearer ${token}`, ...(lastEventId !== undefined && { 'last-event-id': String(lastEventId) }) }, signal: abort.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const received: SseEvent[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
          const data = field('data');
          if (data !== undefined) received.push({ id: Number(field('id')), type: field('event') ?? 'message', data: JSON.parse(data) as SseEvent['data'] });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { received, close: async () => (abort.abort(), await reading) };
}

async function publish(site: string, device: string, turbidity: number): Promise<void> {
  const client = await connectDevice(pipeline.mqttUrl, device);
  await client.publishAsync(`water/${site}/${device}/telemetry`, JSON.stringify({ ts: Date.now() - 500, readings: { turbidity } }), { qos: 1 });
  await client.endAsync();
}

const api = (path: string, token: string, init: RequestInit = {}) => fetch(`${pipeline.http}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });

describe('console API', () => {
  it('pushes each ticket change as it happens, and catches a reconnecting client up with what it missed', async () => {
    const live = await events(DISPATCHER);
    await publish('tongmen-tap', 'tongmen-tap-wq', 2.4);
    const opened = await eventually(() => live.received.find((e) => e.data.event.type === 'opened'), 10_000, 'the opened event');
    expect(opened).toMatchObject({ type: 'ticket', id: opened.data.event.id, data: { ticket: { site: 'tongmen-tap' } } });
    await live.close();

    // While the console is away, a person acknowledges the ticket.
    expect((await api(`/api/tickets/${opened.data.ticket.id}/acknowledge`, DISPATCHER, { method: 'POST', body: JSON.stringify({ note: '已派人' }) })).status).toBe(200);
    const back = await events(DISPATCHER, opened.id);
    const missed = await eventually(() => back.received.find((e) => e.data.event.type === 'acknowledged'), 10_000, 'the missed change');
    expect(missed.data.event.actor).toBe('li.dispatcher');
    expect(back.received.every((e) => e.id > opened.id)).toBe(true);
    await back.close();
  });

  it('tells a village administrator only of their villages\' tickets', async () => {
    const admin = await events(TONGMEN);
    const dispatcher = await events(DISPATCHER);
    await publish('xiwan-tap', 'xiwan-tap-wq', 2.2);
    await publish('tongmen-end-tap', 'tongmen-end-tap-wq', 2.3);
    await eventually(() => (dispatcher.received.filter((e) => e.data.event.type === 'opened').length === 2 ? true : undefined), 10_000, 'both openings at the dispatcher');
    await eventually(() => admin.received.find((e) => e.data.ticket.site === 'tongmen-end-tap'), 10_000, 'the Tongmen opening at the administrator');
    expect(admin.received.filter((e) => e.data.ticket.village !== 'tongmen')).toEqual([]);
    await Promise.all([admin.close(), dispatcher.close()]);
  });

  it('gives the map the catalog with coordinates and what is known of each device, without secrets', async () => {
    const all = (await (await api('/api/catalog', DISPATCHER)).json()) as { sites: { id: string; location: { lat: number } }[]; devices: { id: string; lastReadingAt?: number; passwordHash?: string }[]; units: Record<string, string> };
    expect(all.sites.length).toBe(29);
    expect(all.sites.every((s) => typeof s.location.lat === 'number')).toBe(true);
    expect(all.devices.find((d) => d.id === 'tongmen-tap-wq')?.lastReadingAt).toBeGreaterThan(Date.now() - 60_000);
    expect(all.devices.some((d) => 'passwordHash' in d)).toBe(false);
    expect(all.units.turbidity).toBe('NTU');
    const tongmen = (await (await api('/api/catalog', TONGMEN)).json()) as { sites: { village?: string }[] };
    expect(tongmen.sites.length).toBeGreaterThan(0);
    expect(tongmen.sites.every((s) => s.village === 'tongmen')).toBe(true);
  });

  it('serves a site\'s readings from InfluxDB, and nothing of another village to its administrator', async () => {
    const body = await eventually(async () => {
      const answer = (await (await api('/api/sites/tongmen-tap/readings?metrics=turbidity', TONGMEN)).json()) as { series: { turbidity: { at: number; value: number }[] }; units: Record<string, string> };
      return answer.series.turbidity.length > 0 ? answer : undefined;
    }, 10_000, 'the readings in InfluxDB');
    expect(body.series.turbidity.at(-1)?.value).toBeCloseTo(2.4, 5);
    expect(body.units).toEqual({ turbidity: 'NTU' });
    expect((await api('/api/sites/xiwan-tap/readings', TONGMEN)).status).toBe(404);
    expect((await api('/api/sites/tongmen-tap/readings?metrics=nitrate', DISPATCHER)).status).toBe(400);
    expect((await api('/api/sites/tongmen-tap/readings?since=2026-11-31T00:00:00Z', DISPATCHER)).status).toBe(400);
  });
});
