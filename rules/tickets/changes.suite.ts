/**
 * The change stream every ticket store shares (changes.ts): run by sqlite.test.ts and
 * postgres.test.ts against their database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultLifecyclePolicy } from './policy.ts';
import type { TicketChange, TicketStore } from './store.ts';
import { reading, subject, T0, type TicketStoreHarness } from './store.suite.ts';

const minute = (m: number) => T0 + m * 60_000;
const person = (m: number) => ({ at: minute(m), actor: 'li.dispatcher', origin: '10.0.0.7' });
const row = ({ event, ticket }: TicketChange) => [event.type, ticket.id, event.state, event.tier, event.actor];

export function describeChangeStream(harness: TicketStoreHarness): void {
  describe('change stream', () => {
    let store: TicketStore;

    beforeEach(async () => {
      await harness.setUp();
      store = await harness.open({ ...defaultLifecyclePolicy, escalation: { warning: 30 * 60_000 } });
    });

    afterEach(async () => {
      await store.close();
      await harness.tearDown();
    });

    it('holds every change, whoever made it, once and in order, with the state it left', async () => {
      const silence = await store.createSilence({ site: 'dongqiao-tap', startsAt: minute(0), endsAt: minute(600), createdAt: minute(0), actor: 'li.dispatcher', reason: 'valve work' });
      const { ticket } = await store.openOrUpdate(reading(0, 3)); // engine
      const held = await store.openOrUpdate({ ...reading(0, 2), fingerprint: 'tap-turbidity/dongqiao-tap', site: 'dongqiao-tap' });
      await store.sweep(minute(31)); // sweep: village → township
      await store.transition({ id: ticket.id, to: 'acknowledged', ...person(32) }); // a person
      await store.edit(ticket.id, { type: 'comment' }, { ...person(33), note: '已派人冲洗' });
      await store.expireSilence(silence.id, person(34)); // a silence expiring
      await store.resolve({ fingerprint: subject.fingerprint, at: minute(40), value: 0.4, actor: 'system' });
      const changes = await store.changes(0, 100);
      expect(changes.map(row)).toEqual([
        ['opened', ticket.id, 'open', 'village', 'system'],
        ['opened', held.ticket.id, 'suppressed', 'village', 'system'],
        ['suppressed', held.ticket.id, 'suppressed', 'village', 'system'],
        ['tier_raised', ticket.id, 'open', 'township', 'system'],
        ['acknowledged', ticket.id, 'acknowledged', 'township', 'li.dispatcher'],
        ['commented', ticket.id, 'acknowledged', 'township', 'li.dispatcher'],
        ['unsuppressed', held.ticket.id, 'open', 'village', 'li.dispatcher'],
        ['resolved', ticket.id, 'resolved', 'township', 'system'],
      ]);
      const ids = changes.map((c) => c.event.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(await store.latestEventId()).toBe(ids.at(-1));
      expect((await store.changes(ids[4]!, 2)).map((c) => c.event.id)).toEqual(ids.slice(5, 7));
      // The ticket comes as it is now; the event says how the change left it.
      expect(changes[0]?.ticket.state).toBe('resolved');
    });

    it('tells its listeners after a commit that recorded changes, not after one that did not', async () => {
      let heard = 0;
      const stop = store.onChanges(() => (heard += 1));
      await store.openOrUpdate(reading(0, 3));
      expect(heard).toBe(1);
      await store.openOrUpdate(reading(1, 3.1)); // a plain reading on an open ticket is no event
      expect(heard).toBe(1);
      await store.sweep(minute(2)); // nothing due
      expect(heard).toBe(1);
      stop();
      await store.resolve({ fingerprint: subject.fingerprint, at: minute(3), actor: 'system' });
      expect(heard).toBe(1);
    });

    it('delivers to a durable consumer at least once and in order, resuming from its cursor after a restart', async () => {
      await store.openCursor('annotations', 'beginning');
      const { ticket } = await store.openOrUpdate(reading(0, 3));
      await store.transition({ id: ticket.id, to: 'acknowledged', ...person(1) });
      const seen: string[] = [];
      const failing = store.consumeChanges('annotations', 10, async (changes) => {
        seen.push(...changes.map((c) => c.event.type));
        throw new Error('InfluxDB spool unavailable');
      });
      await expect(failing).rejects.toThrow(/spool unavailable/);
      // The failed batch comes again, whole.
      expect(await store.consumeChanges('annotations', 1, async (changes) => void seen.push(...changes.map((c) => c.event.type)))).toBe(1);
      expect(await store.consumeChanges('annotations', 10, async (changes) => void seen.push(...changes.map((c) => c.event.type)))).toBe(1);
      expect(await store.consumeChanges('annotations', 10, async () => void seen.push('nothing new'))).toBe(0);
      expect(seen).toEqual(['opened', 'acknowledged', 'opened', 'acknowledged']);
      await store.resolve({ fingerprint: subject.fingerprint, at: minute(2), actor: 'system' });
      await store.close();
      store = await harness.open();
      await store.openCursor('annotations', 'latest'); // exists already: its cursor stays
      const after: string[] = [];
      expect(await store.consumeChanges('annotations', 10, async (changes) => void after.push(...changes.map((c) => c.event.type)))).toBe(1);
      expect(after).toEqual(['resolved']);
    });

    it('starts a new consumer after the newest change, unless it asks for the beginning', async () => {
      await store.openOrUpdate(reading(0, 3));
      await store.openCursor('console', 'latest');
      await store.openCursor('audit-export', 'beginning');
      await store.resolve({ fingerprint: subject.fingerprint, at: minute(1), actor: 'system' });
      const types = async (consumer: string) => {
        const got: string[] = [];
        await store.consumeChanges(consumer, 10, async (changes) => void got.push(...changes.map((c) => c.event.type)));
        return got;
      };
      expect(await types('console')).toEqual(['resolved']);
      expect(await types('audit-export')).toEqual(['opened', 'resolved']);
      expect(await types('never-opened')).toEqual([]);
    });
  });
}
