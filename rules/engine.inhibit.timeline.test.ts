/**
 * Timeline tests for inhibition through the real engine and a SQLite ticket store: while a rule
 * with `inhibit: true` fires for a device, the process rules do not see that device's readings of
 * its metric. A stub inhibiting rule stands in for the sensor-health kinds: a threshold on
 * turbidity above 3000 NTU (a turbidimeter saturated at the top of its 0-4000 NTU range), beside
 * the shipped tap-water pack.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packRules, tapWaterRules, timeline, type ReadingStep, type StepExpectation, type Timeline } from './engine.fixtures.ts';
import { ruleSchema } from './kinds/index.ts';

/** A reading of the Tongmen tap's analyser (`WQ`); its changes list the inhibiting rules' first. */
type Step = { readonly at: string } & Omit<ReadingStep, 'device'> & StepExpectation;

const saturated = ruleSchema.parse({
  id: 'turbidity-saturated',
  kind: 'threshold',
  title: 'Turbidimeter saturated (test stub)',
  titleZh: '浊度仪饱和(测试)',
  source: 'test fixture: saturation at the range top of a 0-4000 NTU turbidimeter (operational practice)',
  metric: 'turbidity',
  direction: 'above',
  warning: 3000,
  subject: 'device',
  inhibit: true,
});

const WQ = 'tongmen-tap-wq';
const SATURATED = `turbidity-saturated/tongmen-tap/${WQ}`;
const TURBIDITY = 'tap-turbidity/tongmen-tap';
const CHLORINE = 'tap-free-chlorine-low/tongmen-tap';

describe('rules engine timelines: inhibition', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
  });

  afterEach(() => tl.dispose());

  const play = (steps: readonly Step[]) => tl.play(steps.map((step) => ({ ...step, device: WQ })));

  it('a saturated turbidimeter opens no turbidity ticket; chlorine still counts; recovery lets turbidity through', async () => {
    await tl.start([saturated, ...(await tapWaterRules())]);
    const sat = (n: number, last: number) => `${SATURATED} open warning last=${last} peak=4000 n=${n}`;
    await play([
      { at: '0m', push: { turbidity: 0.2, free_chlorine: 0.3 }, changes: [], open: [] },
      { at: '1m', push: { turbidity: 4000, free_chlorine: 0.3 }, changes: ['opened warning'], open: [sat(1, 4000)] },
      { at: '2m', push: { turbidity: 4000, free_chlorine: 0.02 }, changes: ['updated warning'], open: [sat(2, 4000)] },
      { at: '4m', push: { turbidity: 4000, free_chlorine: 0.02 }, changes: ['updated warning'], open: [sat(3, 4000)] }, // tap-turbidity would open here
      {
        at: '12m',
        push: { turbidity: 4000, free_chlorine: 0.02 },
        changes: ['updated warning', 'opened warning'], // the chlorine of the same readings is not withheld
        open: [`${CHLORINE} open warning last=0.02 peak=0.02 n=1`, sat(4, 4000)],
      },
      { at: '13m', push: { turbidity: 0.3, free_chlorine: 0.3 }, changes: ['resolved warning', 'resolved warning'], open: [] },
      { at: '14m', push: { turbidity: 3 }, changes: [], open: [] },
      { at: '16m', push: { turbidity: 3 }, changes: ['opened warning'], open: [`${TURBIDITY} open warning last=3 peak=3 n=1`] },
    ]);
    expect(tl.engine.stats()).toMatchObject({ withheld: 4, inhibited: 0, opened: 3, resolved: 2 });
  });

  it('without the inhibiting rule the same readings open a critical turbidity ticket', async () => {
    await tl.start(await tapWaterRules());
    await play([
      { at: '0m', push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '1m', push: { turbidity: 4000 }, changes: [], open: [] },
      { at: '3m', push: { turbidity: 4000 }, changes: ['opened critical'], open: [`${TURBIDITY} open critical last=4000 peak=4000 n=1`] },
    ]);
    expect(tl.engine.stats()).toMatchObject({ withheld: 0, inhibited: 0 });
  });

  it('inhibits only the device whose rule fires: the other taps still open tickets', async () => {
    await tl.start([saturated, ...(await tapWaterRules())]);
    const other = 'dongqiao-tap-wq';
    for (const at of ['0m', '2m']) {
      await tl.evaluate(WQ, at, { turbidity: 4000 });
      await tl.evaluate(other, at, { turbidity: 5 });
    }
    expect((await tl.store.list({ state: 'open' })).map((t) => t.fingerprint).sort()).toEqual(['tap-turbidity/dongqiao-tap', SATURATED]);
    expect(tl.engine.stats()).toMatchObject({ withheld: 2, inhibited: 1 });
  });

  it('rebuilds the inhibition from open tickets after a restart', async () => {
    await tl.start([saturated, ...(await tapWaterRules())]);
    await tl.evaluate(WQ, '0m', { turbidity: 4000 });
    await tl.engine.stop();

    expect(await tl.start([saturated, ...(await tapWaterRules())])).toEqual({ resumed: 1, orphaned: 0, restored: 0, dropped: 0 });
    expect(tl.engine.stats().inhibited).toBe(1);
    await play([
      { at: '1m', push: { turbidity: 4000 }, changes: ['updated warning'], open: [`${SATURATED} open warning last=4000 peak=4000 n=2`] },
      { at: '5m', push: { turbidity: 4000 }, changes: ['updated warning'], open: [`${SATURATED} open warning last=4000 peak=4000 n=3`] },
      { at: '6m', push: { turbidity: 2 }, changes: ['resolved warning'], open: [] },
      { at: '8m', push: { turbidity: 2 }, changes: ['opened warning'], open: [`${TURBIDITY} open warning last=2 peak=2 n=1`] },
    ]);
    expect(tl.engine.stats()).toMatchObject({ withheld: 2, inhibited: 0 });
  });

  it('a wait begun by the spike that trips a hold starts over: one bubble after the hold opens nothing', async () => {
    // sensor-health's bubble-spike rule sees a spike only at the reading after it, so the third
    // spike itself reaches tap-turbidity and starts its `for: 2m`; the hold must not keep that wait.
    await tl.start([...(await packRules('sensor-health')), ...(await tapWaterRules())]);
    const spikes: Record<number, number> = { 35: 1.9, 65: 1.2, 75: 2.3 };
    const opened: string[] = [];
    for (let minute = 0; minute <= 140; minute++) {
      tl.changes = [];
      const turbidity = minute === 135 ? 2.5 : (spikes[minute] ?? 0.17); // 135: one bubble after the hold
      await tl.evaluate('xiwan-tap-wq', `${minute}m`, { turbidity });
      opened.push(...tl.changes.filter((c) => c.change === 'opened').map((c) => `${minute}m ${c.ticket.ruleId}`));
    }
    expect(opened).toEqual(['76m turbidity-bubble-spikes']);
  });
});
