/**
 * Timeline tests for the `compound` kind through the real engine and a SQLite ticket store: the
 * shipped yellow-water pack with the bursts pack it listens to. In the sample county, the Tongmen
 * taps' stations measure colour and iron; the other village stations turbidity only, so there a
 * pressure step in the zone must corroborate. Dongqiao and Xiwan are in zone north, Xiaxi south.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRulesEngine } from './engine.ts';
import { packRules, timeline, type Timeline } from './engine.fixtures.ts';

describe('rules engine timelines: yellow water (compound)', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
    await tl.start([...(await packRules('yellow-water')), ...(await packRules('bursts'))]);
  });

  afterEach(() => tl.dispose());

  it('Tongmen: turbidity with colour and iron up opens, escalates past 4 NTU, steps down below 3, resolves past clear', async () => {
    const wq = 'tongmen-tap-wq';
    const fp = 'tap-yellow-water/tongmen-tap';
    await tl.play([
      { at: '0m', device: wq, push: { turbidity: 0.2, color: 5, iron: 0.05 }, changes: [], open: [] },
      { at: '1m', device: wq, push: { turbidity: 2.5, color: 22, iron: 0.6 }, changes: [], open: [] },
      { at: '2m', device: wq, push: { turbidity: 3, color: 28, iron: 0.8 }, changes: [], open: [] },
      { at: '3m', device: wq, push: { turbidity: 3.5, color: 30, iron: 0.9 }, changes: ['opened warning'], open: [`${fp} open warning last=3.5 peak=3.5 n=1`] },
      { at: '4m', device: wq, push: { turbidity: 7, color: 40, iron: 1.2 }, changes: ['escalated critical'], open: [`${fp} open critical last=7 peak=7 n=2`] },
      { at: '20m', device: wq, push: { turbidity: 3.2, color: 20, iron: 0.4 }, changes: ['updated critical'], open: [`${fp} open critical last=3.2 peak=7 n=3`] },
      { at: '30m', device: wq, push: { turbidity: 0.9, color: 12, iron: 0.2 }, changes: ['deescalated warning'], open: [`${fp} open warning last=0.9 peak=7 n=4`] }, // past criticalClear 3
      { at: '40m', device: wq, push: { turbidity: 0.5, color: 8, iron: 0.1 }, changes: ['resolved warning'], open: [] },
    ]);
    const [ticket] = await tl.store.list({ state: 'all' });
    expect(ticket).toMatchObject({ metric: 'turbidity', device: wq, siteKind: 'tap', zone: 'north', village: 'tongmen', titleZh: '龙头疑似黄水(浑浊伴色度/铁升高或压力波动后)' });
  });

  it('Tongmen: turbid but clear of colour and iron, with no pressure step: no yellow-water ticket', async () => {
    const wq = 'tongmen-tap-wq';
    await tl.play([
      { at: '0m', device: wq, push: { turbidity: 2, color: 5, iron: 0.05 }, changes: [], open: [] },
      { at: '2m', device: wq, push: { turbidity: 2, color: 6, iron: 0.06 }, changes: [], open: [] },
      { at: '20m', device: wq, push: { turbidity: 2, color: 6, iron: 0.06 }, changes: [], open: [] },
    ]);
  });

  it('Dongqiao (turbidity only): a pressure step at the tap, turbidity rising minutes later opens', async () => {
    const pt = 'dongqiao-tap-pt';
    const wq = 'dongqiao-tap-wq';
    const drop = 'tap-pressure-drop/dongqiao-tap';
    await tl.play([
      { at: '0m', device: pt, push: { pressure: 300 }, changes: [], open: [] },
      { at: '0m', device: wq, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '1m', device: pt, push: { pressure: 235 }, changes: [], open: [] }, // onset of tap-pressure-drop
      { at: '2m', device: pt, push: { pressure: 290 }, changes: [], open: [] }, // back within the minute: a transient, no burst ticket
      { at: '8m', device: wq, push: { turbidity: 2.5 }, changes: [], open: [] },
      { at: '10m', device: wq, push: { turbidity: 2.8 }, changes: ['opened warning'], open: ['tap-yellow-water/dongqiao-tap open warning last=2.8 peak=2.8 n=1'] },
    ]);
    expect((await tl.store.list({ state: 'all' })).map((t) => t.fingerprint)).not.toContain(drop);
  });

  it('a pressure step in the other zone, or one after the rise began, does not corroborate', async () => {
    const wq = 'dongqiao-tap-wq';
    await tl.play([
      { at: '0m', device: 'xiaxi-tap-pt', push: { pressure: 300 }, changes: [], open: [] },
      { at: '1m', device: 'xiaxi-tap-pt', push: { pressure: 230 }, changes: [], open: [] }, // zone south
      { at: '5m', device: wq, push: { turbidity: 2.5 }, changes: [], open: [] },
      { at: '6m', device: 'xiwan-tap-pt', push: { pressure: 300 }, changes: [], open: [] },
      { at: '7m', device: 'xiwan-tap-pt', push: { pressure: 290 }, changes: [], open: [] },
      { at: '8m', device: 'xiwan-tap-pt', push: { pressure: 230 }, changes: [], open: [] }, // zone north, but after the onset at 5m
      { at: '9m', device: wq, push: { turbidity: 2.6 }, changes: [], open: [] },
      { at: '12m', device: wq, push: { turbidity: 2.7 }, changes: [], open: [] },
    ]);
  });

  it('a main drop in the zone that arrives in a late batch still corroborates, from the next reading on', async () => {
    const wq = 'xiwan-tap-wq';
    const main = 'main-tongmen-dn300-pt';
    const fp = 'tap-yellow-water/xiwan-tap';
    await tl.play([
      { at: '20m', device: wq, push: { turbidity: 3 }, changes: [], open: [] },
      { at: '22m', device: wq, push: { turbidity: 3.2 }, changes: [], open: [] }, // `for` passed, nothing corroborates yet
      { at: '10m', device: main, push: { pressure: 400, flow: 50 }, changes: [], open: [] }, // the main's batch, stamped earlier
      { at: '11m', device: main, push: { pressure: 330, flow: 50 }, changes: [], open: [] }, // main-pressure-drop onset, 9 min before the rise
      { at: '23m', device: wq, push: { turbidity: 3.1 }, changes: ['opened warning'], open: [`${fp} open warning last=3.1 peak=3.1 n=1`] },
    ]);
  });

  it('beside tap-water, one event is one ticket: yellow water supersedes tap turbidity', async () => {
    await tl.engine.stop();
    await tl.start([...(await packRules('yellow-water')), ...(await packRules('bursts')), ...(await packRules('tap-water'))]);
    const wq = 'tongmen-tap-wq';
    for (const at of ['0m', '2m', '3m']) await tl.evaluate(wq, at, { turbidity: 3, color: 30 });
    expect((await tl.store.list({ state: 'all' })).map((t) => `${t.fingerprint} ${t.state}`)).toEqual(['tap-yellow-water/tongmen-tap open']);
    await tl.evaluate(wq, '4m', { turbidity: 0.5, color: 5 });
    expect(await tl.store.list({ state: 'open' })).toEqual([]);
    expect(tl.engine.stats()).toMatchObject({ covered: 0, superseded: 0 });
  });

  it('a tap-turbidity ticket opened before the colour rose is resolved into the yellow-water ticket', async () => {
    await tl.engine.stop();
    await tl.start([...(await packRules('yellow-water')), ...(await packRules('bursts')), ...(await packRules('tap-water'))]);
    const wq = 'tongmen-tap-wq';
    for (const at of ['0m', '2m']) await tl.evaluate(wq, at, { turbidity: 3, color: 5 });
    expect((await tl.store.list({ state: 'open' })).map((t) => t.fingerprint)).toEqual(['tap-turbidity/tongmen-tap']); // no corroboration yet
    await tl.evaluate(wq, '3m', { turbidity: 3.4, color: 30 });
    await tl.engine.stop();
    const all = await tl.store.list({ state: 'all' });
    const yellow = all.find((t) => t.ruleId === 'tap-yellow-water');
    const turbidity = all.find((t) => t.ruleId === 'tap-turbidity');
    expect([yellow?.state, turbidity?.state]).toEqual(['open', 'resolved']);
    const events = (await tl.store.get(turbidity!.id))?.events.map((e) => `${e.type} ${e.note ?? ''}`.trim());
    expect(events).toEqual(['opened', `resolved superseded by ticket #${yellow!.id} (tap-yellow-water)`]);
    await tl.evaluate(wq, '4m', { turbidity: 3.5, color: 30 });
    expect((await tl.store.list({ state: 'open' })).map((t) => t.fingerprint)).toEqual(['tap-yellow-water/tongmen-tap']); // covered: no reopen
    expect(tl.engine.stats()).toMatchObject({ superseded: 1, covered: 1 });
  });

  it('refuses to start without the bursts pack it listens to', async () => {
    const rules = await packRules('yellow-water');
    expect(() => createRulesEngine({ rules, store: tl.store })).toThrow('rule "tap-yellow-water" listens to rule "main-pressure-drop", which is not loaded');
  });
});
