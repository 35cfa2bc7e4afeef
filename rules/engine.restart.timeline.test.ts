/**
 * Restarts: the engine's per-fingerprint state saved by `snapshot()` and handed to the next
 * engine as `restore`, against the same ticket store. A pending `for` survives; no duplicate
 * ticket opens; edited rules start over.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RulesEngine } from './engine.ts';
import { packRules, readingAt, tapWaterRules, timeAt, timeline, type Timeline } from './engine.fixtures.ts';
import type { Rule } from './kinds/index.ts';
import { decodeSnapshot, encodeSnapshot, type EngineSnapshot } from './snapshot.ts';

const TAP = 'tongmen-tap-wq';

describe('rules engine across restarts', () => {
  let tl: Timeline;
  let rules: Rule[];

  beforeEach(async () => {
    tl = await timeline();
    rules = await tapWaterRules();
  });

  afterEach(() => tl.dispose());

  /** Starts another engine on the same store; the changes of every run land in `tl.changes`. */
  async function run(restore?: EngineSnapshot, withRules = rules) {
    const started = await tl.start(withRules, { restore });
    return { engine: tl.engine, started };
  }

  const turbidity = (engine: RulesEngine, at: string, value: number) => engine.evaluate(readingAt(tl.catalog, TAP, at, { turbidity: value }));
  /** Snapshot through the bytes a file would hold, as the app saves it. */
  const saved = (engine: RulesEngine) => decodeSnapshot(encodeSnapshot(engine.snapshot(timeAt('0m'))));

  it('keeps a pending `for` across a restart: the ticket opens when it would have without one', async () => {
    const first = await run();
    await turbidity(first.engine, '0m', 3);
    await turbidity(first.engine, '1m', 3);
    await first.engine.stop();
    const second = await run(saved(first.engine));
    expect(second.started).toMatchObject({ resumed: 0, dropped: 0 });
    expect(second.started.restored).toBeGreaterThan(0);
    await turbidity(second.engine, '2m', 3); // `for: 2m` since 0m
    expect(tl.changes.map((c) => `${c.change} ${c.ticket.ruleId} ${c.ticket.openedAt - timeAt('0m')}`)).toEqual(['opened tap-turbidity 120000']);
  });

  it('without the snapshot the wait starts over (the control)', async () => {
    const first = await run();
    await turbidity(first.engine, '0m', 3);
    await turbidity(first.engine, '1m', 3);
    await first.engine.stop();
    const second = await run();
    await turbidity(second.engine, '2m', 3);
    expect(tl.changes).toEqual([]);
  });

  it('a firing rule carries on with its open ticket: no duplicate, same hysteresis', async () => {
    const first = await run();
    for (const at of ['0m', '1m', '2m']) await turbidity(first.engine, at, 6);
    await first.engine.stop();
    const second = await run(saved(first.engine));
    expect(second.started).toMatchObject({ resumed: 1 });
    await turbidity(second.engine, '3m', 2); // below criticalClear (3): steps down on the same ticket
    await turbidity(second.engine, '4m', 0.5);
    expect(tl.changes.map((c) => c.change)).toEqual(['opened', 'deescalated', 'resolved']);
    expect(await tl.store.list({ state: 'all' })).toHaveLength(1);
  });

  it('drops the states of a rule whose config changed', async () => {
    const first = await run();
    await turbidity(first.engine, '0m', 3);
    await turbidity(first.engine, '1m', 3);
    await first.engine.stop();
    const edited = rules.map((rule) => (rule.id === 'tap-turbidity' && rule.kind === 'threshold' ? { ...rule, warning: 2 } : rule));
    const second = await run(saved(first.engine), edited);
    expect(second.started.dropped).toBeGreaterThan(0);
    await turbidity(second.engine, '2m', 3);
    expect(tl.changes).toEqual([]); // the edited rule waits its `for` again
  });

  it('starts a firing state over when a person resolved its ticket meanwhile', async () => {
    const first = await run();
    for (const at of ['0m', '1m', '2m']) await turbidity(first.engine, at, 3);
    await first.engine.stop();
    const [ticket] = await tl.store.list({ state: 'open' });
    await tl.store.transition({ id: ticket!.id, to: 'resolved', at: timeAt('3m'), actor: 'li.dispatcher' });
    const second = await run(saved(first.engine));
    expect(second.started).toMatchObject({ resumed: 0 });
    await turbidity(second.engine, '4m', 3);
    expect(tl.changes.map((c) => c.change)).toEqual(['opened']); // only the first run's; a new wait began
  });

  it('keeps zone signals: a pressure step before the restart still corroborates yellow water after it', async () => {
    const yellow = [...(await packRules('yellow-water')), ...(await packRules('bursts'))];
    const pt = 'dongqiao-tap-pt';
    const wq = 'dongqiao-tap-wq';
    const first = await run(undefined, yellow);
    await first.engine.evaluate(readingAt(tl.catalog, pt, '0m', { pressure: 300 }));
    await first.engine.evaluate(readingAt(tl.catalog, pt, '1m', { pressure: 235 })); // onset of tap-pressure-drop
    await first.engine.evaluate(readingAt(tl.catalog, pt, '2m', { pressure: 290 })); // a transient: no ticket
    await first.engine.stop();
    const snapshot = saved(first.engine);
    expect(snapshot?.signals).toEqual([{ ruleId: 'tap-pressure-drop', zone: 'north', site: 'dongqiao-tap', at: timeAt('1m') }]);
    const second = await run(snapshot, yellow);
    for (const at of ['5m', '7m']) await second.engine.evaluate(readingAt(tl.catalog, wq, at, { turbidity: 2.5 }));
    expect(tl.changes.map((c) => `${c.change} ${c.ticket.ruleId}`)).toEqual(['opened tap-yellow-water']);
  });
});
