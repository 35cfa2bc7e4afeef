/**
 * The ticket lifecycle through the real engine, Alertmanager style: readings at t, ticket
 * changes and tickets after each, with the store's timers (`sweep`) run at chosen times. A
 * chattering chlorine analyser becomes one flapping ticket; acknowledging does not silence a
 * worse severity; a recurrence within the cool-down reopens the ticket; an ignored ticket climbs
 * the tiers; a silence keeps what opens inside it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tapWaterRules, timeAt, timeline, type Timeline, type Values } from './engine.fixtures.ts';
import { lifecyclePolicySchema } from './tickets/policy.ts';

const WQ = 'tongmen-tap-wq';
const TURBIDITY = 'tap-turbidity/tongmen-tap';

describe('rules engine timelines: the ticket lifecycle', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline({ policy: lifecyclePolicySchema.parse({ reopenWithin: '30m', flapping: { activations: 3, within: '1h' }, escalation: { warning: '30m', critical: '10m' } }) });
    await tl.start(await tapWaterRules());
  });

  afterEach(() => tl.dispose());

  /** Pushes one reading of the tap's analyser; returns its changes as "change severity state". */
  async function push(at: string, values: Values): Promise<string[]> {
    tl.changes = [];
    await tl.evaluate(WQ, at, values);
    return tl.changes.map((c) => `${c.change} ${c.ticket.severity} ${c.ticket.state}`);
  }

  const ticket = async () => (await tl.store.list({ state: 'all' })).find((t) => t.fingerprint === TURBIDITY);
  const events = async () => (await tl.store.get((await ticket())!.id))?.events.map((e) => e.type);

  it('a chattering analyser is one flapping ticket that resolves once it stays clear', async () => {
    // tap-turbidity: above 1 NTU for 2 min opens, back to 0.8 resolves.
    expect(await push('0m', { turbidity: 3 })).toEqual([]);
    expect(await push('2m', { turbidity: 3 })).toEqual(['opened warning open']);
    expect(await push('3m', { turbidity: 0.5 })).toEqual(['resolved warning resolved']);
    expect(await push('4m', { turbidity: 3 })).toEqual([]);
    expect(await push('6m', { turbidity: 3 })).toEqual(['reopened warning open']);
    expect(await push('7m', { turbidity: 0.5 })).toEqual(['resolved warning resolved']);
    expect(await push('8m', { turbidity: 3 })).toEqual([]);
    expect(await push('10m', { turbidity: 3 })).toEqual(['reopened warning open']); // third opening within the hour: flapping
    expect(await push('11m', { turbidity: 0.5 })).toEqual([]); // the resolve is held: no storm
    expect(await push('12m', { turbidity: 3 })).toEqual([]);
    expect(await push('14m', { turbidity: 3 })).toEqual(['updated warning open']); // still the same, open ticket
    expect(await push('15m', { turbidity: 0.5 })).toEqual([]);
    expect(await tl.store.sweep(timeAt('1h'))).toEqual([]);
    expect((await tl.store.sweep(timeAt('1h20m'))).map((c) => c.change)).toEqual(['resolved']);
    expect(await tl.store.list({ state: 'all' })).toHaveLength(1);
    expect(await events()).toEqual(['opened', 'resolved', 'reopened', 'resolved', 'reopened', 'flapping', 'resolved']);
  });

  it('acknowledging does not silence: a worse severity is still reported, a recurrence reopens', async () => {
    await push('0m', { turbidity: 2 });
    await push('2m', { turbidity: 2 });
    const opened = await ticket();
    await tl.store.transition({ id: opened!.id, to: 'acknowledged', at: timeAt('3m'), actor: 'li.dispatcher', note: '已派人' });
    expect(await push('4m', { turbidity: 6 })).toEqual(['escalated critical acknowledged']);
    expect(await push('5m', { turbidity: 0.5 })).toEqual(['resolved critical resolved']);
    expect(await push('20m', { turbidity: 2 })).toEqual([]);
    expect(await push('22m', { turbidity: 2 })).toEqual(['reopened warning open']);
    expect((await ticket())?.id).toBe(opened?.id);
  });

  it('an open ticket nobody acknowledges climbs village → township → county', async () => {
    await push('0m', { turbidity: 2 });
    await push('2m', { turbidity: 2 });
    expect(await tl.store.sweep(timeAt('31m'))).toEqual([]); // opened at 2m: 29 min
    expect((await tl.store.sweep(timeAt('32m'))).map((c) => `${c.change} ${c.ticket.tier}`)).toEqual(['tier_raised township']);
    expect(await push('35m', { turbidity: 6 })).toEqual(['escalated critical open']);
    // Critical now: 10 minutes at the new tier.
    expect((await tl.store.sweep(timeAt('42m'))).map((c) => `${c.change} ${c.ticket.tier}`)).toEqual(['tier_raised county']);
  });

  it('a silence keeps the ticket suppressed; expiring it opens the ticket', async () => {
    const silence = await tl.store.createSilence({ site: 'tongmen-tap', startsAt: timeAt('0m'), endsAt: timeAt('2h'), createdAt: timeAt('0m'), actor: 'li.dispatcher', reason: '冲洗管网' });
    await push('0m', { turbidity: 2 });
    expect(await push('2m', { turbidity: 2 })).toEqual(['opened warning suppressed']);
    expect(await tl.store.sweep(timeAt('50m'))).toEqual([]); // no escalation while suppressed
    const expired = await tl.store.expireSilence(silence.id, { at: timeAt('55m'), actor: 'li.dispatcher' });
    expect(expired.ok && expired.unsuppressed.map((t) => t.state)).toEqual(['open']);
    expect(await tl.store.sweep(timeAt('56m'))).toEqual([]);
    expect(await events()).toEqual(['opened', 'suppressed', 'unsuppressed']);
  });
});
