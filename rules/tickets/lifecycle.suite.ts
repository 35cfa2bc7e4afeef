/**
 * The working lifecycle every store shares (run by sqlite.test.ts and postgres.test.ts):
 * reopen within the cool-down, flapping, silences, timed escalation, assignment, comments,
 * filters. Timelines in minutes after T0, as the engine timelines are.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lifecyclePolicySchema } from './policy.ts';
import type { TicketStore } from './store.ts';
import { reading, subject, T0, type TicketStoreHarness } from './store.suite.ts';

const minute = (m: number) => T0 + m * 60_000;
const system = (m: number) => ({ fingerprint: subject.fingerprint, at: minute(m), value: 0.4, actor: 'system' });
const dispatcher = (m: number, note?: string) => ({ at: minute(m), actor: 'li.dispatcher', origin: '10.0.0.7', ...(note && { note }) });

export function describeTicketLifecycle(harness: TicketStoreHarness): void {
  describe('ticket lifecycle', () => {
    let store: TicketStore;

    beforeEach(async () => {
      await harness.setUp();
      store = await harness.open(lifecyclePolicySchema.parse({ reopenWithin: '30m', flapping: { activations: 3, within: '1h' }, escalation: { warning: '30m', critical: '10m' } }));
    });

    afterEach(async () => {
      await store.close();
      await harness.tearDown();
    });

    const types = async (id: number) => (await store.get(id))?.events.map((e) => e.type);

    it('never reopens a closed ticket', async () => {
      const { ticket } = await store.openOrUpdate(reading(0, 3));
      await store.resolve(system(1));
      await store.transition({ id: ticket.id, to: 'closed', ...dispatcher(2) });
      const next = await store.openOrUpdate(reading(5, 3));
      expect(next.ticket.id).not.toBe(ticket.id);
      expect(next.events).toEqual(['opened']);
    });

    it('marks a condition that comes and goes as one flapping ticket and holds its resolve until it stays clear', async () => {
      const { ticket } = await store.openOrUpdate(reading(0, 3));
      await store.resolve(system(5));
      expect((await store.openOrUpdate(reading(10, 3))).events).toEqual(['reopened']);
      await store.resolve(system(15));
      // Third opening within the hour: flapping.
      expect(await store.openOrUpdate(reading(20, 3))).toMatchObject({ events: ['reopened', 'flapping'], ticket: { id: ticket.id, flappingSince: minute(20) } });
      // The next clear is held: the ticket stays open, nobody is told it resolved.
      expect(await store.resolve(system(25))).toBeUndefined();
      expect(await store.list({ state: 'open' })).toMatchObject([{ id: ticket.id, state: 'open', heldResolveAt: minute(25) }]);
      // Back before it settled: the hold is dropped, no reopen event.
      expect(await store.openOrUpdate(reading(30, 3.5))).toMatchObject({ change: 'updated', events: [], ticket: { heldResolveAt: null } });
      expect(await store.resolve(system(35))).toBeUndefined();
      expect(await store.sweep(minute(60))).toEqual([]); // clear for 25 min only; the window is an hour
      const settled = await store.sweep(minute(95));
      expect(settled).toMatchObject([{ change: 'resolved', ticket: { id: ticket.id, state: 'resolved', resolvedAt: minute(95), flappingSince: null } }]);
      expect(await types(ticket.id)).toEqual(['opened', 'resolved', 'reopened', 'resolved', 'reopened', 'flapping', 'resolved']);
    });

    it('keeps tickets opened inside a silence, suppressed, and opens them when the silence is expired', async () => {
      const silence = await store.createSilence({ village: 'tongmen', startsAt: minute(0), endsAt: minute(120), createdAt: minute(0), actor: 'li.dispatcher', origin: '10.0.0.7', reason: '冲洗管网 flushing mains' });
      const other = await store.openOrUpdate(reading(1, 3, 'warning', 'tap-turbidity/dongqiao-tap'));
      const { ticket, events } = await store.openOrUpdate({ ...reading(1, 3), village: 'tongmen' });
      expect(events).toEqual(['opened', 'suppressed']);
      expect(ticket).toMatchObject({ state: 'suppressed', silenceId: silence.id });
      expect(other.ticket.state).toBe('suppressed'); // the subject's village is tongmen for every fingerprint here
      // Suppressed tickets are active (readings land on them) but do not escalate.
      expect(await store.openOrUpdate(reading(2, 6, 'critical'))).toMatchObject({ change: 'escalated', ticket: { id: ticket.id, state: 'suppressed' } });
      expect(await store.sweep(minute(50))).toEqual([]);
      expect(await store.listSilences({ activeAt: minute(50) })).toMatchObject([{ id: silence.id, createdBy: 'li.dispatcher', reason: '冲洗管网 flushing mains' }]);
      // Expiring it opens what it held at once, as the person's change (not at the next sweep).
      const expired = await store.expireSilence(silence.id, dispatcher(60));
      expect(expired).toMatchObject({ ok: true, silence: { expiredAt: minute(60), expiredBy: 'li.dispatcher' } });
      expect(expired.ok && expired.unsuppressed.map((t) => [t.id, t.state, t.tierAt])).toEqual([
        [other.ticket.id, 'open', minute(60)],
        [ticket.id, 'open', minute(60)],
      ]);
      expect(await store.expireSilence(silence.id, dispatcher(61))).toMatchObject({ ok: false, reason: 'not_allowed' });
      expect(await store.expireSilence(999, dispatcher(61))).toMatchObject({ ok: false, reason: 'not_found' });
      expect(await store.listSilences({ activeAt: minute(61) })).toEqual([]);
      expect(await store.sweep(minute(61))).toEqual([]);
      const trail = (await store.get(ticket.id))?.events ?? [];
      expect(trail.find((e) => e.type === 'suppressed')?.note).toBe(`silence ${silence.id} by li.dispatcher: 冲洗管网 flushing mains`);
      expect(trail.filter((e) => e.type === 'unsuppressed').map((e) => [e.actor, e.origin, e.state, e.at])).toEqual([['li.dispatcher', '10.0.0.7', 'open', minute(60)]]);
    });

    it('opens suppressed tickets at the sweep once their silence has run out', async () => {
      await store.createSilence({ site: subject.site, startsAt: minute(0), endsAt: minute(30), createdAt: minute(0), actor: 'li.dispatcher', reason: 'valve work' });
      const { ticket } = await store.openOrUpdate(reading(1, 3));
      expect(ticket.state).toBe('suppressed');
      expect(await store.sweep(minute(29))).toEqual([]);
      const opened = await store.sweep(minute(30));
      expect(opened.map((c) => [c.change, c.ticket.id, c.ticket.state, c.ticket.tierAt])).toEqual([['unsuppressed', ticket.id, 'open', minute(30)]]);
      expect((await store.get(ticket.id))?.events.at(-1)).toMatchObject({ type: 'unsuppressed', actor: 'system', state: 'open' });
    });

    it('matches silences on every field they name, and only inside their window', async () => {
      await store.createSilence({ ruleId: 'tap-turbidity', site: 'other-site', startsAt: minute(0), endsAt: minute(60), createdAt: minute(0), actor: 'a', reason: 'r' });
      await store.createSilence({ device: subject.device, startsAt: minute(30), endsAt: minute(60), createdAt: minute(0), actor: 'a', reason: 'r' });
      expect((await store.openOrUpdate(reading(1, 3))).ticket.state).toBe('open'); // rule matches, site does not; device silence not begun
      await store.resolve(system(15));
      // Reopening is an opening too: the device's silence has begun.
      expect(await store.openOrUpdate(reading(40, 3))).toMatchObject({ events: ['reopened', 'suppressed'], ticket: { state: 'suppressed' } });
      await store.resolve(system(41));
      expect((await store.openOrUpdate(reading(70, 3))).ticket.state).toBe('open'); // after the window
    });

    it('raises an unacknowledged ticket one tier at a time: village → township → county', async () => {
      const { ticket } = await store.openOrUpdate(reading(0, 3));
      expect(await store.sweep(minute(29))).toEqual([]);
      expect(await store.sweep(minute(30))).toMatchObject([{ change: 'tier_raised', ticket: { tier: 'township', tierAt: minute(30) } }]);
      expect(await store.sweep(minute(31))).toEqual([]); // a new tier starts a new wait
      expect(await store.sweep(minute(60))).toMatchObject([{ ticket: { tier: 'county' } }]);
      expect(await store.sweep(minute(200))).toEqual([]); // county is the top
      const events = (await store.get(ticket.id))?.events.filter((e) => e.type === 'tier_raised');
      expect(events?.map((e) => [e.at, e.actor, e.note])).toEqual([
        [minute(30), 'system', 'not acknowledged within 30 min; referred from village to township'],
        [minute(60), 'system', 'not acknowledged within 30 min; referred from township to county'],
      ]);
    });

    it('measures the wait from when a ticket was raised, not from a late reading\'s event time', async () => {
      // A logger's batch arrives at minute 90 with readings stamped at minute 0.
      const { ticket } = await store.openOrUpdate({ ...reading(0, 3), raisedAt: minute(90) });
      expect(ticket).toMatchObject({ openedAt: T0, tierAt: minute(90) });
      expect(await store.sweep(minute(100))).toEqual([]);
      expect((await store.sweep(minute(120))).map((c) => c.ticket.tier)).toEqual(['township']);
    });

    it('escalates critical tickets sooner, and never acknowledged ones', async () => {
      const critical = await store.openOrUpdate(reading(0, 6, 'critical'));
      const acked = await store.openOrUpdate(reading(0, 6, 'critical', 'tap-turbidity/dongqiao-tap'));
      await store.transition({ id: acked.ticket.id, to: 'acknowledged', ...dispatcher(5) });
      expect((await store.sweep(minute(10))).map((c) => c.ticket.id)).toEqual([critical.ticket.id]);
    });

    it('lets people assign and comment, recording who, when, what and from where', async () => {
      const { ticket } = await store.openOrUpdate(reading(0, 3));
      expect(await store.edit(ticket.id, { type: 'assign', assignee: 'wang.crew' }, dispatcher(1))).toMatchObject({ ok: true, ticket: { assignee: 'wang.crew' } });
      expect(await store.edit(ticket.id, { type: 'comment' }, dispatcher(2, '村管理员确认:水发黄'))).toMatchObject({ ok: true });
      expect(await store.edit(ticket.id, { type: 'assign', assignee: null }, dispatcher(3))).toMatchObject({ ok: true, ticket: { assignee: null } });
      expect(await store.edit(999, { type: 'comment' }, dispatcher(4, 'x'))).toMatchObject({ ok: false, reason: 'not_found' });
      const events = (await store.get(ticket.id))?.events ?? [];
      expect(events.map((e) => [e.type, e.at, e.actor, e.note, e.origin])).toEqual([
        ['opened', T0, 'system', null, null],
        ['assigned', minute(1), 'li.dispatcher', 'assigned to wang.crew', '10.0.0.7'],
        ['commented', minute(2), 'li.dispatcher', '村管理员确认:水发黄', '10.0.0.7'],
        ['assigned', minute(3), 'li.dispatcher', 'unassigned', '10.0.0.7'],
      ]);
      await store.resolve(system(5));
      await store.transition({ id: ticket.id, to: 'closed', ...dispatcher(6) });
      expect(await store.edit(ticket.id, { type: 'comment' }, dispatcher(7, 'late'))).toMatchObject({ ok: false, reason: 'not_allowed' });
    });

    it('filters the list by state, village, site, rule, severity and time', async () => {
      await store.openOrUpdate(reading(0, 3));
      await store.openOrUpdate({ ...reading(10, 6, 'critical', 'tap-turbidity/dongqiao-tap'), site: 'dongqiao-tap', village: 'dongqiao' });
      await store.openOrUpdate({ ...reading(20, 3, 'warning', 'tap-chlorine/tongmen-tap'), ruleId: 'tap-chlorine' });
      await store.resolve({ ...system(30), fingerprint: 'tap-chlorine/tongmen-tap' });
      const ids = async (query: Parameters<TicketStore['list']>[0]) => (await store.list(query)).map((t) => t.fingerprint);
      expect(await ids({ state: 'open' })).toEqual(['tap-turbidity/dongqiao-tap', subject.fingerprint]);
      expect(await ids({ state: 'resolved' })).toEqual(['tap-chlorine/tongmen-tap']);
      expect(await ids({ state: 'all', village: 'dongqiao' })).toEqual(['tap-turbidity/dongqiao-tap']);
      expect(await ids({ state: 'all', site: 'tongmen-tap' })).toEqual(['tap-chlorine/tongmen-tap', subject.fingerprint]);
      expect(await ids({ state: 'all', ruleId: 'tap-chlorine' })).toEqual(['tap-chlorine/tongmen-tap']);
      expect(await ids({ state: 'all', severity: 'critical' })).toEqual(['tap-turbidity/dongqiao-tap']);
      expect(await ids({ state: 'all', since: minute(10) })).toEqual(['tap-chlorine/tongmen-tap', 'tap-turbidity/dongqiao-tap']);
      expect(await ids({ state: 'all', limit: 2, offset: 1 })).toEqual(['tap-turbidity/dongqiao-tap', subject.fingerprint]);
      expect(await ids({ state: 'all', offset: 2 })).toEqual([subject.fingerprint]);
    });
  });
}
