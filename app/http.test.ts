/**
 * The HTTP API on fastify's `inject` (no sockets), over a real SQLite ticket store in memory:
 * who reaches /healthz and /metrics, what a village administrator learns about ids outside
 * their villages, how dates and numbers are read, and which Host headers are answered.
 */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteTicketStore } from '../rules/tickets/sqlite.ts';
import { reading, T0 } from '../rules/tickets/store.suite.ts';
import type { TicketStore } from '../rules/tickets/store.ts';
import { apiSchema } from './access.ts';
import { createHttpServer } from './http.ts';

const secrets = { dispatcher: 'dispatch-token-0123456789', tongmen: 'tongmen-admin-token-0123', viewer: 'viewer-token-0123456789' };
const tokens = [
  { token: secrets.dispatcher, name: 'Chen (dispatch)', role: 'dispatcher' },
  { token: secrets.tongmen, name: 'Li (Tongmen)', role: 'village_admin', villages: ['tongmen'] },
  { token: secrets.viewer, name: 'wall screen', role: 'viewer' },
];
const NOW = T0 + 3_600_000;

let open: { app: FastifyInstance; store: TicketStore }[] = [];
afterEach(async () => {
  for (const { app, store } of open) {
    await app.close();
    await store.close();
  }
  open = [];
});

/** A server with a Tongmen ticket (id 1) and a Dongqiao ticket (id 2). */
async function serve(api: Record<string, unknown> = { tokens }, boundHost = '127.0.0.1') {
  const store = await openSqliteTicketStore({ path: ':memory:' });
  await store.openOrUpdate(reading(0, 3.2));
  await store.openOrUpdate({ ...reading(0, 2.9), fingerprint: 'tap-turbidity/dongqiao-tap', site: 'dongqiao-tap', device: 'dongqiao-tap-wq', village: 'dongqiao', township: 'dongqiao' });
  const metrics = new Registry();
  const app = createHttpServer({ metrics, health: () => ({ spool: { lines: 0 } }), boundHost, tickets: { store, api: apiSchema.parse(api), now: () => NOW } });
  open.push({ app, store });
  const call = async (url: string, options: { token?: string; body?: unknown; host?: string } = {}) => {
    const response = await app.inject({
      method: options.body === undefined ? 'GET' : 'POST',
      url,
      headers: { ...(options.token && { authorization: `Bearer ${options.token}` }), ...(options.host !== undefined && { host: options.host }) },
      ...(options.body !== undefined && { payload: options.body as Record<string, unknown> }),
    });
    return { status: response.statusCode, json: () => response.json<Record<string, unknown>>(), text: response.body };
  };
  return { app, store, call };
}

describe('/healthz and /metrics with tokens configured', () => {
  it('need a token by default, as every other call', async () => {
    const { call } = await serve();
    for (const path of ['/healthz', '/metrics']) {
      expect((await call(path)).status, path).toBe(401);
      expect((await call(path, { token: 'not-a-configured-token-000' })).status, path).toBe(401);
      expect((await call(path, { token: secrets.viewer })).status, path).toBe(200);
      expect((await call(path, { token: secrets.tongmen })).status, path).toBe(200);
    }
  });

  it('answer without a token only where api.open lists them', async () => {
    const { call } = await serve({ tokens, open: ['healthz'] });
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/metrics')).status).toBe(401);
    // A token that is presented is still checked.
    expect((await call('/healthz', { token: 'not-a-configured-token-000' })).status).toBe(401);
    // Open routes answer without a token, so they check the Host header as the tokenless API does.
    expect((await call('/healthz', { host: 'rebound.example:8080' })).status).toBe(421);
  });

  it('stay open without tokens', async () => {
    const { call } = await serve({});
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/metrics')).status).toBe(200);
  });
});

describe('a village administrator learns nothing about ids outside their villages', () => {
  const writes: [string, unknown][] = [
    ['acknowledge', {}],
    ['resolve', { note: 'flushed' }],
    ['close', {}],
    ['assign', { assignee: 'Zhao (crew 3)' }],
    ['comment', { note: '村民反映水发黄' }],
  ];

  it('a Dongqiao ticket answers as an unknown id does, on GET and on every write', async () => {
    const { call } = await serve();
    const dongqiao = 2;
    expect(await call(`/api/tickets/${dongqiao}`, { token: secrets.dispatcher }).then((r) => r.status)).toBe(200);
    const outside = await call(`/api/tickets/${dongqiao}`, { token: secrets.tongmen });
    const unknown = await call('/api/tickets/99', { token: secrets.tongmen });
    expect([outside.status, outside.json()]).toEqual([404, { error: `no ticket ${dongqiao}` }]);
    expect([unknown.status, unknown.json()]).toEqual([404, { error: 'no ticket 99' }]);
    for (const [verb, body] of writes) {
      const refused = await call(`/api/tickets/${dongqiao}/${verb}`, { token: secrets.tongmen, body });
      const missing = await call(`/api/tickets/99/${verb}`, { token: secrets.tongmen, body });
      expect([refused.status, refused.json()], verb).toEqual([404, { error: `no ticket ${dongqiao}` }]);
      expect([missing.status, missing.json()], verb).toEqual([404, { error: 'no ticket 99' }]);
    }
    const { ticket, events } = (await call(`/api/tickets/${dongqiao}`, { token: secrets.dispatcher })).json() as { ticket: { state: string; assignee: null }; events: unknown[] };
    expect([ticket.state, ticket.assignee, events.length]).toEqual(['open', null, 1]);
    // Their own village's ticket still works.
    expect((await call('/api/tickets/1/acknowledge', { token: secrets.tongmen, body: {} })).status).toBe(200);
  });

  it('a silence naming another village answers as an unknown silence does', async () => {
    const { call } = await serve();
    const created = await call('/api/silences', { token: secrets.dispatcher, body: { village: 'dongqiao', duration: '4h', reason: 'flushing the mains' } });
    expect(created.status).toBe(201);
    const { id } = (created.json() as { silence: { id: number } }).silence;
    const outside = await call(`/api/silences/${id}/expire`, { token: secrets.tongmen, body: {} });
    const unknown = await call('/api/silences/99/expire', { token: secrets.tongmen, body: {} });
    expect([outside.status, outside.json()]).toEqual([404, { error: `no silence ${id}` }]);
    expect([unknown.status, unknown.json()]).toEqual([404, { error: 'no silence 99' }]);
    expect((await call('/api/silences?state=all', { token: secrets.tongmen })).json()).toEqual({ silences: [] });
    expect((await call(`/api/silences/${id}/expire`, { token: secrets.dispatcher, body: {} })).status).toBe(200);
  });
});

describe('dates are calendar dates', () => {
  const silence = { village: 'tongmen', reason: 'flushing the mains' };
  it.each([
    ['2026-11-31T08:00:00+08:00', 'November 2026 has 30 days'],
    ['2026-02-29T00:00:00Z', 'February 2026 has 28 days'],
    ['2026-11-30T24:00:00Z', 'hour 24'],
  ])('refuses %s with a reason', async (date, reason) => {
    const { call } = await serve();
    const since = await call(`/api/tickets?since=${encodeURIComponent(date)}`, { token: secrets.viewer });
    expect(since.status).toBe(400);
    expect(since.text).toContain(reason);
    for (const body of [{ ...silence, startsAt: date, duration: '4h' }, { ...silence, endsAt: date }]) {
      const response = await call('/api/silences', { token: secrets.dispatcher, body });
      expect(response.status).toBe(400);
      expect(response.text).toContain(reason);
    }
  });

  it('reads a real date with its offset', async () => {
    const { call } = await serve();
    const at = new Date(NOW + 3_600_000).toISOString().replace('Z', '+00:00');
    const response = await call('/api/silences', { token: secrets.dispatcher, body: { ...silence, endsAt: at } });
    expect(response.status).toBe(201);
    expect((response.json() as { silence: { endsAt: number } }).silence.endsAt).toBe(NOW + 3_600_000);
  });
});

describe('numbers in URLs are digits only', () => {
  it.each(['0x1', '1e0', '%201', '+1', '1.0', '0b1', '-1', '0'])('ticket and silence id %s is refused', async (id) => {
    const { call } = await serve();
    const read = await call(`/api/tickets/${id}`, { token: secrets.viewer });
    expect([read.status, read.text]).toEqual([400, expect.stringMatching(/digits 0-9 only|ids start at 1/)]);
    expect((await call(`/api/tickets/${id}/acknowledge`, { token: secrets.dispatcher, body: {} })).status).toBe(400);
    expect((await call(`/api/silences/${id}/expire`, { token: secrets.dispatcher, body: {} })).status).toBe(400);
  });

  it.each(['limit=1e1', 'limit=0x10', 'limit=%2010', 'limit=+10', 'since=0x10', 'since=1e3', 'since=+1000'])('query %s is refused', async (query) => {
    const { call } = await serve();
    expect((await call(`/api/tickets?${query}`, { token: secrets.viewer })).status).toBe(400);
  });

  it('reads plain digits', async () => {
    const { call } = await serve();
    expect((await call('/api/tickets/1', { token: secrets.viewer })).status).toBe(200);
    const listed = (await call(`/api/tickets?limit=1&since=${T0}`, { token: secrets.viewer })).json() as { tickets: unknown[] };
    expect(listed.tickets).toHaveLength(1);
  });
});

describe('without tokens, answers go only to Host headers that name this server', () => {
  const paths = ['/api/tickets', '/api/tickets/1', '/api/silences', '/healthz', '/metrics'];

  it('bound to loopback: its address, localhost, 127.0.0.1 and [::1], with a port or without', async () => {
    const { call } = await serve({});
    for (const host of ['127.0.0.1', '127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', '[::1]:8080', '[::1]']) {
      for (const path of paths) expect((await call(path, { host })).status, `${host} ${path}`).toBe(200);
    }
    for (const host of ['rebound.example', 'rebound.example:8080', '192.168.1.20:8080', 'localhost.rebound.example', '127.0.0.1.nip.io']) {
      for (const path of paths) {
        const refused = await call(path, { host });
        expect(refused.status, `${host} ${path}`).toBe(421);
        expect(refused.json()).toEqual({ error: expect.stringContaining('api.allowedHosts') });
      }
    }
  });

  it('bound to a wildcard: IP literals only, and the names in api.allowedHosts', async () => {
    const { call } = await serve({ allowedHosts: ['clearwater.county.lan'] }, '0.0.0.0');
    for (const host of ['192.168.1.20:8080', '10.0.0.5', '[fe80::1]:8080', '127.0.0.1', 'clearwater.county.lan:8080', 'Clearwater.County.LAN']) {
      expect((await call('/api/tickets', { host })).status, host).toBe(200);
    }
    for (const host of ['localhost:8080', 'rebound.example', 'county.lan']) expect((await call('/api/tickets', { host })).status, host).toBe(421);
  });

  it('bound to a specific address: that address only', async () => {
    const { call } = await serve({}, '192.168.1.20');
    expect((await call('/api/tickets', { host: '192.168.1.20:8080' })).status).toBe(200);
    for (const host of ['192.168.1.21:8080', 'localhost', '127.0.0.1']) expect((await call('/api/tickets', { host })).status, host).toBe(421);
  });

  it('refuses before reading the query, so a rebound page cannot even probe the API', async () => {
    const { call } = await serve({});
    expect((await call('/api/tickets?state=bogus', { host: 'rebound.example' })).status).toBe(421);
    expect((await call('/api/tickets/0x1', { host: 'rebound.example' })).status).toBe(421);
  });

  it('a request with a valid bearer token is answered whatever its Host', async () => {
    const { call } = await serve();
    expect((await call('/api/tickets', { token: secrets.viewer, host: 'clearwater.county.lan' })).status).toBe(200);
  });
});
