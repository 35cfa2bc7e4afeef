/**
 * `clearwater score`'s ticket reader against the real HTTP API on a socket (fastify over a SQLite
 * ticket store), with small pages so that paging and tickets sharing a millisecond are exercised.
 */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqliteTicketStore } from '../../rules/tickets/sqlite.ts';
import { reading, T0 } from '../../rules/tickets/store.suite.ts';
import type { TicketStore } from '../../rules/tickets/store.ts';
import { apiSchema } from '../access.ts';
import { createHttpServer } from '../http.ts';
import { scoreReport, ticketsFromApi } from './score.ts';
import { scoreTruth } from '../../rules/evaluate/truth-score.ts';

let store: TicketStore;
let app: FastifyInstance;
let url: string;
const MIN = 60_000;
// Seven tickets, three of them opened in the same minute (a page boundary falls inside them).
const openedAt = [0, 1, 2, 2, 2, 3, 4].map((m) => T0 + m * MIN);

beforeAll(async () => {
  store = await openSqliteTicketStore({ path: ':memory:' });
  for (const [i, at] of openedAt.entries()) {
    await store.openOrUpdate({ ...reading(0, 3), at, fingerprint: `tap-turbidity/site-${i}`, site: `site-${i}`, device: `site-${i}-wq` });
  }
  app = createHttpServer({ metrics: new Registry(), health: () => ({ spool: { lines: 0 } }), boundHost: '127.0.0.1', tickets: { store, api: apiSchema.parse({}), now: () => T0 } });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await store?.close();
});

it('reads every ticket through pages of the API, once each, tickets of one minute across a page boundary included', async () => {
  for (const pageSize of [1, 2, 3, 1000]) {
    const tickets = await ticketsFromApi(url, T0, undefined, pageSize);
    expect(tickets.map((t) => t.site).sort(), `pages of ${pageSize}`).toEqual(openedAt.map((_, i) => `site-${i}`).sort());
  }
  expect((await ticketsFromApi(url, T0 + 2 * MIN, undefined, 2)).map((t) => t.site).sort()).toEqual(['site-2', 'site-3', 'site-4', 'site-5', 'site-6']);
});

it('says why when the API refuses', async () => {
  await expect(ticketsFromApi(url, T0, undefined, 1001)).rejects.toThrow(/HTTP 400.*limit/s);
});

it('prints the score per kind, per incident, and the false tickets', async () => {
  const records = [{ kind: 'yellow-water', name: 'yellow-water@site-1', startMs: T0, endMs: T0 + 10 * MIN, affectedSites: ['site-1'], affectedDevices: [], details: {} }];
  const text = scoreReport('truth.ndjson', records, scoreTruth(records, await ticketsFromApi(url, T0, undefined)));
  expect(text).toContain('scored 7 tickets against 1 incidents of truth.ndjson');
  expect(text).toMatch(/yellow-water\s+1\s+1\s+1\.00\s+1\.0 min\s+1\.0 min/);
  expect(text).toMatch(/yellow-water@site-1\s+#\d+\s+1\.0 min/);
  expect(text).toContain('false tickets     6: tap-turbidity 6');
  expect(text).toContain('densest 10 min    7 tickets (ISA-18.2: at most 10)');
});
