/**
 * Timeline tests for `rate-of-change` through the real engine and a SQLite ticket store: push
 * readings at t, expect ticket changes and the active tickets after each push. The sample county
 * catalog and the shipped bursts pack.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packRules, timeline, type Timeline } from './engine.fixtures.ts';
import { ruleSchema } from './kinds/index.ts';

/** Yellow water at a tap: a pressure step confirmed by turbidity from the tap's other device. */
const tapYellowWater = ruleSchema.parse({
  id: 'tap-pressure-step-turbid',
  kind: 'rate-of-change',
  title: 'Tap pressure step with turbidity rise',
  titleZh: '龙头压力骤降伴浑浊度上升',
  source: 'test fixture: yellow water, turbidity jumps within minutes of a pressure step (yellow-water.yaml)',
  metric: 'pressure',
  match: { siteKinds: ['tap'] },
  direction: 'drop',
  amount: 50,
  window: '5m',
  confirm: { metric: 'turbidity', direction: 'rise', amount: 1, window: '10m' },
});

describe('rules engine timelines: bursts (rate-of-change)', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
  });

  afterEach(() => tl.dispose());

  it('Tongmen DN300 burst: suspect at warning, flow confirms to critical, recovery resolves', async () => {
    await tl.start(await packRules('bursts'));
    const main = 'main-tongmen-dn300-pt';
    const fp = 'main-pressure-drop/main-tongmen-dn300';
    await tl.play([
      { at: '0m', device: main, push: { pressure: 400, flow: 50 }, changes: [], open: [] },
      { at: '1m', device: main, push: { pressure: 398, flow: 50 }, changes: [], open: [] },
      { at: '2m', device: main, push: { pressure: 340, flow: 51 }, changes: [], open: [] }, // onset, waiting `for`
      { at: '3m', device: main, push: { pressure: 338, flow: 52 }, changes: [], open: [] },
      { at: '4m', device: main, push: { pressure: 336, flow: 53 }, changes: ['opened warning'], open: [`${fp} open warning last=336 peak=336 n=1`] },
      { at: '5m', device: main, push: { pressure: 334, flow: 75 }, changes: ['escalated critical'], open: [`${fp} open critical last=334 peak=334 n=2`] },
      { at: '6m', device: main, push: { pressure: 330, flow: 76 }, changes: ['updated critical'], open: [`${fp} open critical last=330 peak=330 n=3`] },
      { at: '7m', device: main, push: { pressure: 380, flow: 60 }, changes: ['updated critical'], open: [`${fp} open critical last=380 peak=330 n=4`] },
      { at: '8m', device: main, push: { pressure: 392, flow: 52 }, changes: ['resolved critical'], open: [] },
      { at: '9m', device: main, push: { pressure: 396, flow: 50 }, changes: [], open: [] },
    ]);
    const [ticket] = await tl.store.list({ state: 'all' });
    expect(ticket).toMatchObject({ metric: 'pressure', device: main, siteKind: 'main', zone: 'north', titleZh: '管道压力骤降(疑似爆管)', firstValue: 336, lastValue: 392 });
  });

  it('pump-trip transient and booster suction/discharge: no ticket, one window per device', async () => {
    await tl.start(await packRules('bursts'));
    const suction = 'booster-lingxia-suction';
    const discharge = 'booster-lingxia-discharge';
    await tl.play([
      { at: '0m', device: suction, push: { pressure: 120 }, changes: [], open: [] },
      { at: '0m', device: discharge, push: { pressure: 430 }, changes: [], open: [] },
      { at: '1m', device: suction, push: { pressure: 118 }, changes: [], open: [] },
      { at: '1m', device: discharge, push: { pressure: 360 }, changes: [], open: [] }, // pump trip: -70 kPa …
      { at: '2m', device: suction, push: { pressure: 121 }, changes: [], open: [] },
      { at: '2m', device: discharge, push: { pressure: 428 }, changes: [], open: [] }, // … back within the minute
      { at: '3m', device: discharge, push: { pressure: 431 }, changes: [], open: [] },
      { at: '4m', device: discharge, push: { pressure: 370 }, changes: [], open: [] }, // this time the pump stays off
      { at: '5m', device: discharge, push: { pressure: 368 }, changes: [], open: [] },
      {
        at: '6m',
        device: discharge,
        push: { pressure: 365 },
        changes: ['opened warning'],
        open: ['booster-pressure-drop/booster-lingxia/booster-lingxia-discharge open warning last=365 peak=365 n=1'],
      },
    ]);
    expect(tl.engine.stats()).toMatchObject({ opened: 1, outOfOrder: 0 });
  });

  it('a network-end drop opens a tap ticket beside the level rule of tap-water', async () => {
    await tl.start([...(await packRules('bursts')), ...(await packRules('tap-water'))]);
    const tap = 'xiwan-tap-pt';
    await tl.play([
      { at: '0m', device: tap, push: { pressure: 260 }, changes: [], open: [] },
      { at: '1m', device: tap, push: { pressure: 200 }, changes: [], open: [] },
      { at: '3m', device: tap, push: { pressure: 195 }, changes: ['opened warning'], open: ['tap-pressure-drop/xiwan-tap open warning last=195 peak=195 n=1'] },
      { at: '4m', device: tap, push: { pressure: 250 }, changes: ['resolved warning'], open: [] },
    ]);
  });

  it('confirmation from another device of the site: the ticket stays on the pressure device', async () => {
    await tl.start([tapYellowWater]);
    const pt = 'tongmen-tap-pt';
    const wq = 'tongmen-tap-wq';
    const fp = 'tap-pressure-step-turbid/tongmen-tap';
    await tl.play([
      { at: '0m', device: wq, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '0m', device: pt, push: { pressure: 300 }, changes: [], open: [] },
      { at: '1m', device: pt, push: { pressure: 235 }, changes: [], open: [] }, // step: waits for turbidity
      { at: '1m', device: wq, push: { turbidity: 0.3 }, changes: [], open: [] },
      { at: '4m', device: wq, push: { turbidity: 2.5 }, changes: ['opened critical'], open: [`${fp} open critical last=235 peak=235 n=1`] },
      { at: '5m', device: wq, push: { turbidity: 3 }, changes: [], open: [`${fp} open critical last=235 peak=235 n=1`] },
      { at: '5m', device: pt, push: { pressure: 240 }, changes: ['updated critical'], open: [`${fp} open critical last=240 peak=235 n=2`] },
      { at: '6m', device: pt, push: { pressure: 295 }, changes: ['resolved critical'], open: [] },
    ]);
    const [ticket] = await tl.store.list({ state: 'all' });
    expect(ticket).toMatchObject({ device: pt, metric: 'pressure' });
  });

  it('resumes an open burst ticket after a restart and resolves it on recovery', async () => {
    await tl.start(await packRules('bursts'));
    const main = 'main-xiaxi-dn300-pt';
    for (const [at, pressure] of [['0m', 380], ['1m', 320], ['3m', 318]] as const) {
      await tl.evaluate(main, at, { pressure, flow: 40 });
    }
    await tl.engine.stop();
    expect(await tl.store.list({ state: 'open' })).toHaveLength(1);

    await tl.start(await packRules('bursts'));
    tl.changes = [];
    // Pre-event level estimated as 318 + 50 = 368: 80 % back from 318 is 358.
    await tl.evaluate(main, '20m', { pressure: 350, flow: 40 });
    await tl.evaluate(main, '21m', { pressure: 360, flow: 40 });
    expect(tl.changes.map((c) => `${c.change} ${c.ticket.lastValue}`)).toEqual(['updated 350', 'resolved 360']);
  });
});
