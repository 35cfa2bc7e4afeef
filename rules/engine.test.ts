import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { createRulesEngine, type EngineChange } from './engine.ts';
import { countingStore, packRules, readingAt, sampleCatalog, tapWaterRules, tempStore, timeAt, type TempStore } from './engine.fixtures.ts';
import type { Rule } from './kinds/index.ts';
import type { TicketStore } from './tickets/store.ts';

const TAP = 'tongmen-tap-wq';

describe('rules engine', () => {
  let catalog: Catalog;
  let rules: Rule[];
  let temp: TempStore;

  beforeEach(async () => {
    catalog = await sampleCatalog();
    rules = await tapWaterRules();
    temp = await tempStore();
  });

  afterEach(async () => {
    await temp.dispose();
  });

  it('does not touch the store for quiet, pending or unmatched readings', async () => {
    const store = countingStore(temp.store);
    const engine = createRulesEngine({ rules, store });
    for (let minute = 0; minute < 60; minute++) {
      await engine.evaluate(readingAt(catalog, TAP, `${minute}m`, { turbidity: 0.2, free_chlorine: 0.4, ph: 7.2 }));
      await engine.evaluate(readingAt(catalog, 'main-tongmen-dn300-wq', `${minute}m`, { turbidity: 9 })); // a main: no tap rule
    }
    await engine.evaluate(readingAt(catalog, TAP, '61m', { turbidity: 3 })); // pending
    expect(store.writes).toBe(0);
    expect(engine.stats()).toMatchObject({ readings: 121, evaluations: 121, opened: 0, fingerprints: 2 });
  });

  it('serialises concurrent readings of one fingerprint: one ticket, changes in order', async () => {
    const changes: EngineChange[] = [];
    const engine = createRulesEngine({ rules, store: temp.store, onChange: (change) => void changes.push(change) });
    const values = [3, 3, 3, 5, 6, 4, 2, 0.9, 0.5];
    await Promise.all(values.map((turbidity, minute) => engine.evaluate(readingAt(catalog, TAP, `${minute}m`, { turbidity }))));
    expect(changes.map((c) => `${c.change}:${c.value}`)).toEqual(['opened:3', 'escalated:5', 'updated:6', 'updated:4', 'deescalated:2', 'updated:0.9', 'resolved:0.5']);
    const all = await temp.store.list({ state: 'all' });
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: 'resolved', severity: 'warning', peakValue: 6, count: 6 });
  });

  it('drops readings older than the last one for evaluation', async () => {
    const engine = createRulesEngine({ rules, store: temp.store });
    for (const [at, turbidity] of [['0m', 3], ['2m', 3], ['1m', 0.1], ['3m', 3]] as const) {
      await engine.evaluate(readingAt(catalog, TAP, at, { turbidity }));
    }
    expect(engine.stats()).toMatchObject({ outOfOrder: 1, opened: 1, updated: 1, resolved: 0 });
  });

  it('resumes open tickets after a restart so they can resolve', async () => {
    const first = createRulesEngine({ rules, store: temp.store });
    for (const minute of [0, 1, 2]) await first.evaluate(readingAt(catalog, TAP, `${minute}m`, { turbidity: 6 }));
    await first.stop();

    const second = createRulesEngine({ rules: rules.filter((r) => r.id !== 'tap-pressure-low'), store: temp.store });
    expect(await second.start()).toEqual({ resumed: 1, orphaned: 0, restored: 0, dropped: 0 });
    await second.evaluate(readingAt(catalog, TAP, '3m', { turbidity: 0.9 }));
    expect(await temp.store.list({ state: 'open' })).toHaveLength(1); // hysteresis holds across the restart
    await second.evaluate(readingAt(catalog, TAP, '4m', { turbidity: 0.4 }));
    expect(await temp.store.list({ state: 'open' })).toEqual([]);

    const third = createRulesEngine({ rules: [], store: temp.store });
    await first.evaluate(readingAt(catalog, TAP, '9m', { turbidity: 6 })); // first still thinks it fires: its update reopens the ticket
    await first.stop();
    expect(await third.start()).toEqual({ resumed: 0, orphaned: 1, restored: 0, dropped: 0 });
  });

  it('counts and reports a failing store, then carries on', async () => {
    const errors: string[] = [];
    let failNext = true;
    const flaky: TicketStore = {
      ...countingStore(temp.store),
      openOrUpdate: async (input) => {
        if (failNext) {
          failNext = false;
          throw new Error('database is locked');
        }
        return temp.store.openOrUpdate(input);
      },
    };
    const engine = createRulesEngine({ rules, store: flaky, onError: (error, context) => void errors.push(`${context.fingerprint}: ${(error as Error).message}`) });
    for (const minute of [0, 2, 3]) await engine.evaluate(readingAt(catalog, TAP, `${minute}m`, { turbidity: 3 }));
    expect(errors).toEqual(['tap-turbidity/tongmen-tap: database is locked']);
    expect(engine.stats()).toMatchObject({ errors: 1, opened: 1 });
    expect(await temp.store.list({ state: 'open' })).toHaveLength(1); // the update after the failure opened it
  });

  it('a throwing onChange does not lose the ticket or stop the chain', async () => {
    const engine = createRulesEngine({
      rules,
      store: temp.store,
      onChange: () => {
        throw new Error('influx down');
      },
      onError: () => {},
    });
    for (const minute of [0, 2, 3]) await engine.evaluate(readingAt(catalog, TAP, `${minute}m`, { turbidity: 3 }));
    expect(engine.stats()).toMatchObject({ errors: 2, opened: 1, updated: 1 });
  });

  it('a stale ticket whose opening write failed is opened by the hourly refresh', async () => {
    const errors: string[] = [];
    let failNext = true;
    const flaky: TicketStore = {
      ...countingStore(temp.store),
      openOrUpdate: async (input) => {
        if (failNext) {
          failNext = false;
          throw new Error('database is locked');
        }
        return temp.store.openOrUpdate(input);
      },
    };
    const device = catalog.device('tongmen-tap-pt');
    const engine = createRulesEngine({ rules: await packRules('sensor-health'), store: flaky, devices: device ? [device] : [], onError: (error) => void errors.push(String(error)) });
    await engine.tick(timeAt('0m'));
    await engine.tick(timeAt('4m30s')); // the opening write fails (3 intervals and the 1-minute wait) …
    expect(await temp.store.list({ state: 'open' })).toEqual([]);
    await engine.tick(timeAt('1h4m30s')); // … the refresh opens it
    expect((await temp.store.list({ state: 'open' })).map((t) => `${t.fingerprint} ${t.lastValue}`)).toEqual(['device-silent/tongmen-tap/tongmen-tap-pt 3870']);
    expect(errors).toEqual(['Error: database is locked']);
  });

  it('keys tickets per device when the rule says so', async () => {
    const perDevice = rules.map((rule) => (rule.id === 'tap-turbidity' ? { ...rule, subject: 'device' as const, for: 0 } : rule));
    const engine = createRulesEngine({ rules: perDevice, store: temp.store });
    await engine.evaluate(readingAt(catalog, TAP, '0m', { turbidity: 3 }));
    expect((await temp.store.list({ state: 'open' })).map((t) => t.fingerprint)).toEqual(['tap-turbidity/tongmen-tap/tongmen-tap-wq']);
  });

  it('refuses duplicate rule ids at creation', () => {
    expect(() => createRulesEngine({ rules: [...rules, rules[0]!], store: temp.store })).toThrow(/appears twice/);
  });
});
