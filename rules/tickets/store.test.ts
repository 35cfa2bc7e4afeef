import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteTicketStore } from './sqlite.ts';
import type { OpenOrUpdateInput, TicketStore } from './store.ts';
import type { TicketSubject } from './ticket.ts';

const subject: TicketSubject = {
  fingerprint: 'tap-turbidity/tongmen-tap',
  ruleId: 'tap-turbidity',
  title: 'Tap turbidity high',
  titleZh: '龙头水浑浊度超标',
  source: 'GB 5749-2022 Table 1',
  metric: 'turbidity',
  site: 'tongmen-tap',
  siteKind: 'tap',
  device: 'tongmen-tap-wq',
  village: 'tongmen',
  township: 'tongmen',
  zone: 'north',
};

const T0 = Date.UTC(2026, 10, 28, 2, 0);
const reading = (minute: number, value: number, severity: 'warning' | 'critical' = 'warning', fingerprint = subject.fingerprint): OpenOrUpdateInput => ({
  ...subject,
  fingerprint,
  at: T0 + minute * 60_000,
  value,
  severity,
  worst: 'highest',
});

describe('SQLite ticket store', () => {
  let dir: string;
  let path: string;
  let store: TicketStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clearwater-tickets-'));
    path = join(dir, 'tickets.db');
    store = await openSqliteTicketStore({ path });
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens one ticket per fingerprint and updates it on re-crossing, keeping the peak', async () => {
    const first = await store.openOrUpdate(reading(0, 3));
    expect(first.change).toBe('opened');
    expect(await store.openOrUpdate(reading(1, 5))).toMatchObject({ change: 'updated', ticket: { id: first.ticket.id, lastValue: 5, peakValue: 5, count: 2 } });
    expect(await store.openOrUpdate(reading(2, 2))).toMatchObject({ change: 'updated', ticket: { lastValue: 2, peakValue: 5, count: 3, firstValue: 3 } });
    const open = await store.list({ state: 'open' });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ id: first.ticket.id, state: 'open', severity: 'warning', openedAt: T0, updatedAt: T0 + 120_000, village: 'tongmen', resolvedAt: null });
  });

  it('keeps separate tickets for separate fingerprints', async () => {
    await store.openOrUpdate(reading(0, 3));
    await store.openOrUpdate(reading(0, 3, 'warning', 'tap-turbidity/dongqiao-tap'));
    expect(await store.list({ state: 'open' })).toHaveLength(2);
  });

  it('records escalation as an event and resolution with the system actor', async () => {
    const { ticket } = await store.openOrUpdate(reading(0, 3));
    expect((await store.openOrUpdate(reading(1, 6, 'critical'))).change).toBe('escalated');
    expect((await store.openOrUpdate(reading(2, 3, 'warning'))).ticket.severity).toBe('critical');
    const resolved = await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 180_000, value: 0.5, actor: 'system' });
    expect(resolved).toMatchObject({ id: ticket.id, state: 'resolved', resolvedAt: T0 + 180_000, lastValue: 0.5, peakValue: 6 });
    const stored = await store.get(ticket.id);
    expect(stored?.ticket.state).toBe('resolved');
    expect(stored?.events.map((e) => [e.type, e.actor, e.severity, e.value])).toEqual([
      ['opened', 'system', 'warning', 3],
      ['escalated', 'system', 'critical', 6],
      ['resolved', 'system', null, 0.5],
    ]);
    expect(await store.list({ state: 'open' })).toEqual([]);
  });

  it('opens a new ticket when the condition returns after resolve', async () => {
    const first = await store.openOrUpdate(reading(0, 3));
    await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 60_000, value: 0.5, actor: 'system' });
    const second = await store.openOrUpdate(reading(5, 4.5, 'critical'));
    expect(second.change).toBe('opened');
    expect(second.ticket.id).not.toBe(first.ticket.id);
    expect((await store.list({ state: 'all' })).map((t) => [t.id, t.state])).toEqual([
      [second.ticket.id, 'open'],
      [first.ticket.id, 'resolved'],
    ]);
    expect(await store.list({ state: 'all', limit: 1 })).toHaveLength(1);
  });

  it('resolving a fingerprint without an active ticket does nothing', async () => {
    expect(await store.resolve({ fingerprint: 'nothing/here', at: T0, actor: 'system' })).toBeUndefined();
  });

  it('lets people acknowledge and close, refusing moves the lifecycle forbids', async () => {
    const { ticket } = await store.openOrUpdate(reading(0, 3));
    expect(await store.transition({ id: ticket.id, to: 'closed', at: T0 + 1, actor: 'li.dispatcher' })).toMatchObject({ ok: false, reason: 'not_allowed' });
    expect(await store.transition({ id: ticket.id, to: 'acknowledged', at: T0 + 2, actor: 'li.dispatcher', note: '已派人冲洗' })).toMatchObject({ ok: true, ticket: { state: 'acknowledged' } });
    // Acknowledged is still active: readings keep landing on it.
    expect(await store.openOrUpdate(reading(1, 3.2))).toMatchObject({ change: 'updated', ticket: { id: ticket.id, state: 'acknowledged', count: 2 } });
    await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 120_000, value: 0.4, actor: 'system' });
    expect(await store.transition({ id: ticket.id, to: 'closed', at: T0 + 200_000, actor: 'li.dispatcher' })).toMatchObject({ ok: true, ticket: { state: 'closed' } });
    expect(await store.transition({ id: 999, to: 'closed', at: T0, actor: 'x' })).toMatchObject({ ok: false, reason: 'not_found' });
    const events = (await store.get(ticket.id))?.events ?? [];
    expect(events.map((e) => [e.type, e.actor, e.note])).toEqual([
      ['opened', 'system', null],
      ['acknowledged', 'li.dispatcher', '已派人冲洗'],
      ['resolved', 'system', null],
      ['closed', 'li.dispatcher', null],
    ]);
  });

  it('lets the database refuse a second active ticket for a fingerprint', async () => {
    await store.openOrUpdate(reading(0, 3));
    const raw = new Database(path);
    try {
      const insert = () =>
        raw
          .prepare(
            `insert into tickets (fingerprint, rule_id, title, title_zh, source, severity, state, metric, site, site_kind, device, township, zone, opened_at, updated_at, first_value, last_value, peak_value, count)
             values (?, 'r', 't', 't', 's', 'warning', 'open', 'turbidity', 's', 'tap', 'd', 't', 'z', 0, 0, 1, 1, 1, 1)`,
          )
          .run(subject.fingerprint);
      expect(insert).toThrow(/UNIQUE/);
    } finally {
      raw.close();
    }
  });

  it('survives concurrent updates of one fingerprint with a single ticket', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.openOrUpdate(reading(i, 2 + i / 10))));
    const open = await store.list({ state: 'open' });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ count: 20, peakValue: 3.9 });
  });

  it('runs in WAL mode, stores times as integers and migrates idempotently', async () => {
    await store.openOrUpdate(reading(0, 3));
    await store.close();
    store = await openSqliteTicketStore({ path });
    expect(await store.list({ state: 'open' })).toHaveLength(1);
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.prepare('select typeof(opened_at) as t, typeof(peak_value) as v from tickets').get()).toEqual({ t: 'integer', v: 'real' });
    } finally {
      raw.close();
    }
  });
});
