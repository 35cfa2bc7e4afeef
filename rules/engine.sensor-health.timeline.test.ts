/**
 * Timeline tests for `flatline` and `sensor-fault` through the real engine and a SQLite ticket
 * store, with the shipped sensor-health pack and the sample county catalog: push readings at t,
 * expect ticket changes and the active tickets after each push. Catalog devices are not passed to
 * the engine, so the pack's `stale` rule watches nothing here (engine.stale.timeline.test.ts).
 * Inhibition of process rules is the engine's and is not asserted here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packRules, timeline, type Timeline, type Values } from './engine.fixtures.ts';

const TAP = 'tongmen-tap-wq';
const OTHER_TAP = 'xiwan-tap-wq';
const PLANT = 'north-plant-turb';

/** A working village station at minute m: every metric jitters by a resolution step or more. */
function station(minute: number): Values {
  const k = (minute * 7) % 5; // 0..4, never the same two minutes running
  return { turbidity: 0.196 + 0.002 * k, free_chlorine: 0.32 + 0.01 * ((minute * 3) % 4), ph: 7.2 + 0.01 * ((minute * 5) % 3) };
}

describe('rules engine timelines: sensor health (flatline, sensor-fault)', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
  });

  afterEach(() => tl.dispose());

  async function start() {
    return tl.start(await packRules('sensor-health'));
  }

  /** Pushes one reading a minute from `from` to `to` (both included) and expects no ticket change. */
  async function hold(device: string, from: number, to: number, values: (minute: number) => Values) {
    tl.changes = [];
    for (let minute = from; minute <= to; minute++) await tl.evaluate(device, `${minute}m`, values(minute));
    expect(tl.changes.map((c) => `${c.change} ${c.ticket.fingerprint}`), `${device} ${from}m..${to}m`).toEqual([]);
  }

  it('a stuck turbidity at a tap: one maintenance ticket after 3 hours, resolved when it moves', async () => {
    await start();
    const fp = 'turbidity-flatline/tongmen-tap/tongmen-tap-wq';
    const stuck = (minute: number): Values => ({ ...station(minute), turbidity: 0.214 });
    await hold(TAP, 0, 59, station); // a working station: nothing
    await hold(TAP, 60, 239, stuck); // stuck from 60m: not yet 3 hours
    await tl.play([
      { at: '240m', device: TAP, push: stuck(240), changes: ['opened maintenance'], open: [`${fp} open maintenance last=0.214 peak=0.214 n=1`] },
      { at: '241m', device: TAP, push: stuck(241), changes: ['updated maintenance'], open: [`${fp} open maintenance last=0.214 peak=0.214 n=2`] },
      { at: '242m', device: TAP, push: station(242), changes: ['resolved maintenance'], open: [] },
      { at: '243m', device: TAP, push: station(243), changes: [], open: [] },
    ]);
    const [ticket] = await tl.store.list({ state: 'all' });
    expect(ticket).toMatchObject({ ruleId: 'turbidity-flatline', metric: 'turbidity', device: TAP, site: 'tongmen-tap', village: 'tongmen', severity: 'maintenance', state: 'resolved' });
    expect(tl.engine.stats()).toMatchObject({ opened: 1, resolved: 1 });
  });

  it('one bubble spike opens no ticket', async () => {
    await start();
    await hold(OTHER_TAP, 0, 9, station);
    await tl.play([
      { at: '10m', device: OTHER_TAP, push: { ...station(10), turbidity: 2.8 }, changes: [], open: [] },
      { at: '11m', device: OTHER_TAP, push: station(11), changes: [], open: [] },
    ]);
    await hold(OTHER_TAP, 12, 180, station);
    expect(await tl.store.list({ state: 'all' })).toEqual([]);
  });

  it('three bubble spikes in an hour open one maintenance ticket; an hour without spikes resolves it', async () => {
    await start();
    const fp = 'turbidity-bubble-spikes/xiwan-tap/xiwan-tap-wq';
    const spike = (minute: number, turbidity: number) => ({ at: `${minute}m`, device: OTHER_TAP, push: { ...station(minute), turbidity } });
    const calm = (minute: number) => ({ at: `${minute}m`, device: OTHER_TAP, push: station(minute) });
    await hold(OTHER_TAP, 0, 9, station);
    await tl.play([
      { ...spike(10, 2.8), changes: [], open: [] },
      { ...calm(11), changes: [], open: [] },
    ]);
    await hold(OTHER_TAP, 12, 29, station);
    await tl.play([
      { ...spike(30, 1.9), changes: [], open: [] },
      { ...calm(31), changes: [], open: [] },
    ]);
    await hold(OTHER_TAP, 32, 49, station);
    await tl.play([
      { ...spike(50, 3.6), changes: [], open: [] },
      { ...calm(51), changes: ['opened maintenance'], open: [`${fp} open maintenance last=3.6 peak=3.6 n=1`] },
      { ...spike(60, 2.2), changes: [], open: [`${fp} open maintenance last=3.6 peak=3.6 n=1`] },
      { ...calm(61), changes: ['updated maintenance'], open: [`${fp} open maintenance last=2.2 peak=3.6 n=2`] },
    ]);
    await hold(OTHER_TAP, 62, 119, station); // quiet, but not yet an hour after the spike at 60m
    await tl.play([{ ...calm(120), changes: ['resolved maintenance'], open: [] }]);
    expect(await tl.store.list({ state: 'all' })).toHaveLength(1);
  });

  it('yellow water at a tap (a step that stays up for hours) is not a sensor fault', async () => {
    await start();
    const yellow = (minute: number): Values => ({ ...station(minute), turbidity: Number((0.2 + 3 * Math.exp(-(minute - 20) / 120) + 0.05 * ((minute * 7) % 5)).toFixed(3)) });
    await hold(TAP, 0, 19, station);
    await hold(TAP, 20, 400, yellow);
    expect(await tl.store.list({ state: 'all' })).toEqual([]);
  });

  it('a saturated plant turbidimeter: maintenance ticket after a minute pinned at the top, resolved back in range', async () => {
    await start();
    const fp = 'turbidity-saturated/north-plant/north-plant-turb';
    await hold(PLANT, 0, 9, (minute) => ({ turbidity: station(minute).turbidity }));
    await hold(PLANT, 10, 10, () => ({ turbidity: 4000 }));
    await tl.play([
      { at: '11m', device: PLANT, push: { turbidity: 4000 }, changes: ['opened maintenance'], open: [`${fp} open maintenance last=4000 peak=4000 n=1`] },
      { at: '12m', device: PLANT, push: { turbidity: 0.21 }, changes: ['resolved maintenance'], open: [] },
    ]);
  });

  it('resumes an open flatline ticket after a restart and resolves it when the value moves', async () => {
    await start();
    await hold(TAP, 0, 179, () => ({ turbidity: 0.214 }));
    await tl.evaluate(TAP, '180m', { turbidity: 0.214 });
    await tl.engine.stop();
    expect((await tl.store.list({ state: 'open' })).map((t) => t.fingerprint)).toEqual(['turbidity-flatline/tongmen-tap/tongmen-tap-wq']);

    expect(await start()).toEqual({ resumed: 1, orphaned: 0, restored: 0, dropped: 0 });
    tl.changes = [];
    await tl.evaluate(TAP, '200m', { turbidity: 0.214 });
    await tl.evaluate(TAP, '201m', { turbidity: 0.231 });
    expect(tl.changes.map((c) => `${c.change} ${c.ticket.severity} ${c.value}`)).toEqual(['updated maintenance 0.214', 'resolved maintenance 0.231']);
  });
});
