/**
 * The behaviour every ticket store shares, as one suite that sqlite.test.ts and postgres.test.ts
 * run against their database. A store's own test adds only what is particular to its engine.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LifecyclePolicy } from './policy.ts';
import type { OpenOrUpdateInput, TicketStore } from './store.ts';
import type { TicketSubject } from './ticket.ts';

/** How a test file gives the suite a database. */
export interface TicketStoreHarness {
  /** Before each test: an empty database (no tables yet; opening the store migrates it). */
  readonly setUp: () => Promise<void>;
  /** After each test, once the store is closed: throw the database away. */
  readonly tearDown: () => Promise<void>;
  /** Opens a store on the current database; a second call opens another instance on it. */
  readonly open: (policy?: LifecyclePolicy) => Promise<TicketStore>;
  /** Inserts an active ticket with plain SQL, past the store, as a second writer would. */
  readonly insertActiveTicket: (fingerprint: string) => Promise<void>;
}

export const subject: TicketSubject = {
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

export const T0 = Date.UTC(2026, 10, 28, 2, 0);

export const reading = (minute: number, value: number, severity: 'warning' | 'critical' = 'warning', fingerprint = subject.fingerprint): OpenOrUpdateInput => ({
  ...subject,
  fingerprint,
  at: T0 + minute * 60_000,
  value,
  severity,
  worst: 'highest',
});

/** An active ticket row in plain SQL; `param` is the driver's placeholder for the fingerprint. */
export const activeTicketInsert = (table: string, param: string) =>
  `insert into ${table} (fingerprint, rule_id, title, title_zh, source, severity, state, metric, site, site_kind, device, township, zone, opened_at, updated_at, first_value, last_value, peak_value, count)
   values (${param}, 'r', 't', 't', 's', 'warning', 'open', 'turbidity', 's', 'tap', 'd', 't', 'z', 0, 0, 1, 1, 1, 1)`;

/** The database refusing a second active ticket: SQLite's wording, then PostgreSQL's. */
const ACTIVE_FINGERPRINT_VIOLATION = /UNIQUE constraint failed: tickets\.fingerprint|unique constraint "tickets_active_fingerprint"/;

export function describeTicketStore(harness: TicketStoreHarness): void {
  describe('ticket store behaviour', () => {
    let store: TicketStore;

    beforeEach(async () => {
      await harness.setUp();
      store = await harness.open();
    });

    afterEach(async () => {
      await store.close();
      await harness.tearDown();
    });

    it('opens one ticket per fingerprint and updates it on re-crossing, keeping the peak', async () => {
      const first = await store.openOrUpdate(reading(0, 3));
      expect(first.change).toBe('opened');
      expect(await store.openOrUpdate(reading(1, 5))).toMatchObject({ change: 'updated', ticket: { id: first.ticket.id, lastValue: 5, peakValue: 5, count: 2 } });
      expect(await store.openOrUpdate(reading(2, 2))).toMatchObject({ change: 'updated', ticket: { lastValue: 2, peakValue: 5, count: 3, firstValue: 3 } });
      const open = await store.list({ state: 'open' });
      expect(open).toHaveLength(1);
      // Times come back as numbers (toEqual: a bigint read as a string would not match).
      expect(open[0]).toEqual({
        ...subject,
        id: first.ticket.id,
        state: 'open',
        severity: 'warning',
        openedAt: T0,
        updatedAt: T0 + 120_000,
        resolvedAt: null,
        firstValue: 3,
        lastValue: 2,
        peakValue: 5,
        count: 3,
        assignee: null,
        tier: 'village',
        tierAt: T0,
        reopened: 0,
        flappingSince: null,
        heldResolveAt: null,
        silenceId: null,
      });
    });

    it('keeps separate tickets for separate fingerprints', async () => {
      await store.openOrUpdate(reading(0, 3));
      await store.openOrUpdate(reading(0, 3, 'warning', 'tap-turbidity/dongqiao-tap'));
      expect(await store.list({ state: 'open' })).toHaveLength(2);
    });

    it('records escalation and de-escalation as events, and resolution with the system actor', async () => {
      const { ticket } = await store.openOrUpdate(reading(0, 3));
      expect((await store.openOrUpdate(reading(1, 6, 'critical'))).change).toBe('escalated');
      expect(await store.openOrUpdate(reading(2, 3, 'warning'))).toMatchObject({ change: 'updated', events: ['deescalated'], ticket: { severity: 'warning', peakValue: 6 } });
      const resolved = await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 180_000, value: 0.5, actor: 'system' });
      expect(resolved).toMatchObject({ id: ticket.id, state: 'resolved', resolvedAt: T0 + 180_000, lastValue: 0.5, peakValue: 6 });
      const stored = await store.get(ticket.id);
      expect(stored?.ticket.state).toBe('resolved');
      expect(stored?.events.map((e) => [e.type, e.actor, e.severity, e.value, e.at])).toEqual([
        ['opened', 'system', 'warning', 3, T0],
        ['escalated', 'system', 'critical', 6, T0 + 60_000],
        ['deescalated', 'system', 'warning', 3, T0 + 120_000],
        ['resolved', 'system', 'warning', 0.5, T0 + 180_000],
      ]);
      // Each event carries the ticket's state and tier as it left them: the change stream's points.
      expect(stored?.events.map((e) => [e.state, e.tier])).toEqual([
        ['open', 'village'],
        ['open', 'village'],
        ['open', 'village'],
        ['resolved', 'village'],
      ]);
      expect(await store.list({ state: 'open' })).toEqual([]);
    });

    it('reopens the same ticket when the condition returns within the cool-down', async () => {
      const first = await store.openOrUpdate(reading(0, 3));
      await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 60_000, value: 0.5, actor: 'system' });
      const again = await store.openOrUpdate(reading(20, 4.5, 'critical'));
      expect(again).toMatchObject({ change: 'opened', events: ['reopened'], ticket: { id: first.ticket.id, state: 'open', severity: 'critical', reopened: 1, resolvedAt: null, count: 2, peakValue: 4.5 } });
      expect((await store.get(first.ticket.id))?.events.map((e) => e.type)).toEqual(['opened', 'resolved', 'reopened']);
      expect(await store.list({ state: 'all' })).toHaveLength(1);
    });

    it('opens a new ticket when the condition returns after the cool-down', async () => {
      const first = await store.openOrUpdate(reading(0, 3));
      await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 60_000, value: 0.5, actor: 'system' });
      const second = await store.openOrUpdate(reading(32, 4.5, 'critical'));
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
      await expect(harness.insertActiveTicket(subject.fingerprint)).rejects.toThrow(ACTIVE_FINGERPRINT_VIOLATION);
      // Inactive tickets are outside the partial index: history may hold many per fingerprint.
      await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 60_000, actor: 'system' });
      await harness.insertActiveTicket(subject.fingerprint);
    });

    it('survives concurrent updates of one fingerprint with a single ticket and no lost update', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.openOrUpdate(reading(i, 2 + i / 10))));
      expect(results.filter((result) => result.change === 'opened')).toHaveLength(1);
      const open = await store.list({ state: 'open' });
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ count: 20, peakValue: 3.9 });
    });

    it('keeps its tickets when reopened and migrates idempotently', async () => {
      const { ticket } = await store.openOrUpdate(reading(0, 3));
      await store.close();
      store = await harness.open();
      expect(await store.list({ state: 'open' })).toMatchObject([{ id: ticket.id, openedAt: T0 }]);
      expect(await store.openOrUpdate(reading(1, 4))).toMatchObject({ change: 'updated', ticket: { id: ticket.id, count: 2 } });
    });
  });
}
