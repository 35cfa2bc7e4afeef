/**
 * Timeline tests in the Alertmanager style: push readings at t, expect tickets at t. The sample
 * county catalog and the shipped tap-water pack, a real SQLite ticket store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tapWaterRules, timeline, type Timeline } from './engine.fixtures.ts';

describe('rules engine timelines (sample county, tap-water pack)', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
    await tl.start(await tapWaterRules());
  });

  afterEach(() => tl.dispose());

  it('Tongmen yellow water: warning, escalation, de-escalation, hysteresis, resolve', async () => {
    const tap = 'tongmen-tap-wq';
    const fp = 'tap-turbidity/tongmen-tap';
    await tl.play([
      { at: '0m', device: tap, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '1m', device: tap, push: { turbidity: 3 }, changes: [], open: [] },
      { at: '2m', device: tap, push: { turbidity: 3 }, changes: [], open: [] },
      { at: '3m', device: tap, push: { turbidity: 3 }, changes: ['opened warning'], open: [`${fp} open warning last=3 peak=3 n=1`] },
      { at: '4m', device: tap, push: { turbidity: 6 }, changes: ['escalated critical'], open: [`${fp} open critical last=6 peak=6 n=2`] },
      { at: '5m', device: tap, push: { turbidity: 3.5 }, changes: ['updated critical'], open: [`${fp} open critical last=3.5 peak=6 n=3`] },
      { at: '6m', device: tap, push: { turbidity: 2 }, changes: ['deescalated warning'], open: [`${fp} open warning last=2 peak=6 n=4`] },
      { at: '7m', device: tap, push: { turbidity: 0.9 }, changes: ['updated warning'], open: [`${fp} open warning last=0.9 peak=6 n=5`] },
      { at: '8m', device: tap, push: { turbidity: 0.5 }, changes: ['resolved warning'], open: [] },
      { at: '9m', device: tap, push: { turbidity: 0.3 }, changes: [], open: [] },
    ]);
    const [ticket] = await tl.store.list({ state: 'all' });
    const stored = ticket && (await tl.store.get(ticket.id));
    expect(stored?.ticket).toMatchObject({ state: 'resolved', village: 'tongmen', township: 'tongmen', zone: 'north', siteKind: 'tap', device: 'tongmen-tap-wq', titleZh: '龙头水浑浊度超标(疑似黄水)', firstValue: 3, lastValue: 0.5 });
    expect(stored?.events.map((e) => `${e.type} ${e.actor} ${e.value}`)).toEqual(['opened system 3', 'escalated system 6', 'deescalated system 2', 'resolved system 0.5']);
    expect(tl.engine.stats()).toMatchObject({ readings: 10, evaluations: 10, opened: 1, escalated: 1, updated: 2, deescalated: 1, resolved: 1, errors: 0 });
  });

  it('network-end pressure: taps ticket, mains do not; each site has its own ticket', async () => {
    const fp = 'tap-pressure-low/tongmen-tap';
    await tl.play([
      { at: '0m', device: 'tongmen-tap-pt', push: { pressure: 300 }, changes: [], open: [] },
      { at: '1m', device: 'tongmen-tap-pt', push: { pressure: 120 }, changes: [], open: [] },
      { at: '1m', device: 'main-tongmen-dn300-pt', push: { pressure: 90, flow: 40 }, changes: [], open: [] },
      { at: '6m', device: 'tongmen-tap-pt', push: { pressure: 125 }, changes: ['opened warning'], open: [`${fp} open warning last=125 peak=125 n=1`] },
      { at: '7m', device: 'tongmen-tap-pt', push: { pressure: 95 }, changes: ['escalated critical'], open: [`${fp} open critical last=95 peak=95 n=2`] },
      { at: '8m', device: 'main-tongmen-dn300-pt', push: { pressure: 90, flow: 40 }, changes: [], open: [`${fp} open critical last=95 peak=95 n=2`] },
      { at: '9m', device: 'tongmen-tap-pt', push: { pressure: 310 }, changes: ['resolved critical'], open: [] },
    ]);
  });

  it('chlorine and turbidity on one reading are separate tickets', async () => {
    const tap = 'dongqiao-tap-wq';
    await tl.play([
      { at: '0m', device: tap, push: { turbidity: 5, free_chlorine: 0.01 }, changes: [], open: [] },
      { at: '2m', device: tap, push: { turbidity: 5, free_chlorine: 0.01 }, changes: ['opened critical'], open: ['tap-turbidity/dongqiao-tap open critical last=5 peak=5 n=1'] },
      {
        at: '10m',
        device: tap,
        push: { turbidity: 5, free_chlorine: 0.02 },
        changes: ['updated critical', 'opened warning'],
        open: ['tap-free-chlorine-low/dongqiao-tap open warning last=0.02 peak=0.02 n=1', 'tap-turbidity/dongqiao-tap open critical last=5 peak=5 n=2'],
      },
    ]);
  });
});
