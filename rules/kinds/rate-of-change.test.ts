import { describe, expect, it } from 'vitest';
import type { MetricName } from '../../network/metrics.ts';
import type { Decision, ZoneSignal } from './kind.ts';
import { evaluateRateOfChange, initialRateOfChangeState, rateOfChange, rateOfChangeSchema, type RateOfChangeRule, type RateOfChangeState } from './rate-of-change.ts';

const base = { title: 'Pressure drop', titleZh: '压力骤降', source: "burst heuristic (practitioners' rule, not from a standard)", kind: 'rate-of-change', metric: 'pressure' } as const;

/** Drop ≥ 50 kPa within 5 min, no `for`, back by 80 % of the drop clears. */
const drop = rateOfChangeSchema.parse({ ...base, id: 'drop', direction: 'drop', amount: 50, window: '5m' });
/** The same, held 2 minutes (rides out pump-trip transients). */
const held = rateOfChangeSchema.parse({ ...base, id: 'held', direction: 'drop', amount: 50, window: '5m', for: '2m' });
/** Clears back within 10 kPa of the pre-event level. */
const within = rateOfChangeSchema.parse({ ...base, id: 'within', direction: 'drop', amount: 50, window: '5m', clear: { within: 10 } });
/** Needs a flow rise ≥ 10 m³/h within 5 min of the onset. */
const confirmed = rateOfChangeSchema.parse({
  ...base,
  id: 'confirmed',
  direction: 'drop',
  amount: 50,
  window: '5m',
  confirm: { metric: 'flow', direction: 'rise', amount: 10, window: '5m' },
});
/** Opens unconfirmed at warning; a flow rise escalates to critical. */
const escalating = rateOfChangeSchema.parse({ ...confirmed, id: 'escalating', confirm: { ...confirmed.confirm, required: false } });
/** bursts.yaml `main-pressure-drop` without its neighbours: ≥ 50 kPa in 5 min for 2 min; a flow rise ≥ 20 m³/h within 5 min escalates. */
const burst = rateOfChangeSchema.parse({
  ...base,
  id: 'burst',
  direction: 'drop',
  amount: 50,
  window: '5m',
  for: '2m',
  confirm: { metric: 'flow', direction: 'rise', amount: 20, window: '5m', required: false },
});
/** Turbidity rise ≥ 1 NTU confirmed by free chlorine falling ≥ 0.1 mg/L (a confirming drop). */
const turbidChlorine = rateOfChangeSchema.parse({
  ...base,
  id: 'turbid-chlorine',
  metric: 'turbidity',
  direction: 'rise',
  amount: 1,
  window: '10m',
  confirm: { metric: 'free_chlorine', direction: 'drop', amount: 0.1, window: '10m' },
});
/** Rise ≥ 1 NTU within 10 min. */
const rise = rateOfChangeSchema.parse({ ...base, id: 'rise', metric: 'turbidity', direction: 'rise', amount: 1, window: '10m' });

const MIN = 60_000;
type Push = readonly [minute: number, values: Partial<Record<MetricName, number>>];

/** Runs readings through the rule and spells each decision as a short word ("fire:warning@340"). */
function run(rule: RateOfChangeRule, pushes: readonly Push[], state: RateOfChangeState = initialRateOfChangeState): string[] {
  return pushes.map(([minute, values]) => {
    const evaluation = evaluateRateOfChange(rule, state, { ts: minute * MIN, values: new Map(Object.entries(values) as [MetricName, number][]) });
    state = evaluation.state;
    return spell(evaluation.decision, evaluation.value);
  });
}

function spell(decision: Decision, value: number | undefined): string {
  if (decision.type === 'none') return decision.ignored ? 'ignored' : '-';
  const at = value === undefined ? '' : `@${value}`;
  return decision.type === 'resolve' ? `resolve${at}` : `${decision.type}:${decision.severity}${at}`;
}

const p = (pressure: number) => ({ pressure });
const pf = (pressure: number, flow: number) => ({ pressure, flow });

describe('rate-of-change evaluate', () => {
  it.each([
    ['steady pressure does nothing', drop, [[0, p(400)], [1, p(395)], [2, p(405)]], ['-', '-', '-']],
    ['a 40 kPa drop is below the amount', drop, [[0, p(400)], [1, p(360)]], ['-', '-']],
    ['a step drop of 60 fires at once without `for`', drop, [[0, p(400)], [1, p(340)]], ['-', 'fire:warning@340']],
    ['a drop spread over 4 minutes counts (within the window)', drop, [[0, p(400)], [1, p(385)], [2, p(370)], [3, p(360)], [4, p(349)]], ['-', '-', '-', '-', 'fire:warning@349']],
    ['exactly the window apart still counts', drop, [[0, p(400)], [5, p(350)]], ['-', 'fire:warning@350']],
    ['a slow decline over 10 minutes does not', drop, [[0, p(400)], [3, p(385)], [6, p(370)], [9, p(355)], [12, p(340)]], ['-', '-', '-', '-', '-']],
    ['stays firing while low; every reading updates', drop, [[0, p(400)], [1, p(340)], [2, p(330)], [3, p(335)]], ['-', 'fire:warning@340', 'update:warning@330', 'update:warning@335']],
    ['resolves once back by 80 % of the drop (from the lowest)', drop, [[0, p(400)], [1, p(330)], [2, p(380)], [3, p(386)]], ['-', 'fire:warning@330', 'update:warning@380', 'resolve@386']],
    ['clear within 10 kPa of the pre-event level', within, [[0, p(400)], [1, p(340)], [2, p(385)], [3, p(390)]], ['-', 'fire:warning@340', 'update:warning@385', 'resolve@390']],
    ['`for`: fires once the drop has lasted 2 minutes', held, [[0, p(400)], [1, p(340)], [2, p(340)], [3, p(338)]], ['-', '-', '-', 'fire:warning@338']],
    ['`for`: a pump-trip transient recovers and never fires', held, [[0, p(400)], [1, p(330)], [2, p(398)], [3, p(400)], [4, p(399)]], ['-', '-', '-', '-', '-']],
    ['the pre-event level is not re-detected once it leaves the window', held, [[0, p(400)], [1, p(330)], [2, p(398)], [8, p(395)]], ['-', '-', '-', '-']],
    ['fires again after resolving, on a new drop', drop, [[0, p(400)], [1, p(340)], [2, p(400)], [3, p(330)]], ['-', 'fire:warning@340', 'resolve@400', 'fire:warning@330']],
    ['drops readings older than the last one', drop, [[0, p(400)], [2, p(400)], [1, p(300)], [3, p(340)]], ['-', '-', 'ignored', 'fire:warning@340']],
    ['rise: turbidity up 1 NTU in 10 minutes', rise, [[0, { turbidity: 0.2 }], [6, { turbidity: 0.9 }], [9, { turbidity: 1.4 }]], ['-', '-', 'fire:warning@1.4']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });
});

describe('rate-of-change confirmation', () => {
  it.each([
    ['no ticket without a flow rise', confirmed, [[0, pf(400, 40)], [1, pf(340, 41)], [2, pf(338, 40)]], ['-', '-', '-']],
    ['pressure and flow on one reading: critical at once', confirmed, [[0, pf(400, 40)], [1, pf(340, 60)]], ['-', 'fire:critical@340']],
    ['flow rising a minute later confirms then', confirmed, [[0, pf(400, 40)], [1, pf(340, 42)], [2, pf(338, 58)]], ['-', '-', 'fire:critical@338']],
    ['flow from another device of the site (flow-only readings) confirms', confirmed, [[0, p(400)], [0, { flow: 40 }], [1, p(340)], [1.5, { flow: 55 }]], ['-', '-', '-', 'fire:critical@340']],
    ['a flow rise too long before the onset does not confirm', confirmed, [[0, pf(400, 20)], [1, pf(400, 40)], [8, pf(400, 40)], [9, pf(340, 40)], [10, pf(338, 41)]], ['-', '-', '-', '-', '-']],
    ['flow past the window without moving drops the event', confirmed, [[0, pf(400, 40)], [1, pf(340, 40)], [6, pf(340, 40)], [7, pf(340, 60)]], ['-', '-', '-', '-']],
    ['late flow batch (older event time) still confirms', confirmed, [[0, p(400)], [1, p(340)], [2, p(340)], [0.5, { flow: 40 }], [1.2, { flow: 70 }]], ['-', '-', '-', '-', 'fire:critical@340']],
    ['not required: opens at warning, flow escalates to critical', escalating, [[0, pf(400, 40)], [1, pf(340, 40)], [2, { flow: 70 }], [3, pf(335, 70)]], ['-', 'fire:warning@340', 'update:critical@340', 'update:critical@335']],
    ['not required: flow readings that change nothing write nothing', escalating, [[0, pf(400, 40)], [1, pf(340, 40)], [2, { flow: 41 }]], ['-', 'fire:warning@340', '-']],
    ['flow that rose a reading before the drop was seen confirms (measured from the 5 min before that reading)', confirmed, [[0, pf(400, 40)], [1, pf(370, 55)], [2, pf(340, 57)], [3, pf(338, 57)]], ['-', '-', 'fire:critical@340', 'update:critical@338']],
    ['flow stamped seconds before the pressure onset, from another device, confirms', confirmed, [[0, p(400)], [0, { flow: 40 }], [0.9, { flow: 55 }], [1, p(340)]], ['-', '-', '-', 'fire:critical@340']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });

  // A burst is "a step drop … that stays low, with a flow rise" (the burst heuristic of
  // bursts.yaml): the flow must go above its level before the onset. Before that rule every row
  // here but the last confirmed wrongly or too early: the old check took any earlier → later move
  // within the window, so a dip's recovery, or a low reading within the noise, counted as a rise.
  const tc = (turbidity: number, chlorine: number) => ({ turbidity, free_chlorine: chlorine });
  it.each([
    [
      'pump trip (bursts.yaml numbers): flow dips to 433 and recovers to 598, never above 600: stays warning',
      burst,
      [[40, pf(330.4, 600)], [41, pf(330.1, 604.5)], [42, pf(329.8, 603)], [43, pf(330.2, 601.5)], [44, pf(330.5, 600)], [45, pf(262.1, 433)], [46, pf(268.4, 560.2)], [47, pf(271, 590.3)], [48, pf(272.2, 596)], [49, pf(272.5, 598.1)], [50, pf(329.8, 600.2)]],
      ['-', '-', '-', '-', '-', '-', '-', 'fire:warning@271', 'update:warning@272.2', 'update:warning@272.5', 'resolve@329.8'],
    ],
    ['required: a dip and recovery is no confirmation; the event is dropped once flow passes the window', confirmed, [[0, pf(400, 40)], [1, pf(340, 20)], [2, pf(342, 38)], [3, pf(345, 40)], [7, pf(345, 40)], [8, pf(345, 60)]], ['-', '-', '-', '-', '-', '-']],
    ['a pump trip seen in the flow a reading before the pressure: the dip is no pre-event level', escalating, [[0, pf(400, 600)], [1, pf(370, 500)], [2, pf(340, 433)], [3, pf(345, 560)], [4, pf(346, 598)]], ['-', '-', 'fire:warning@340', 'update:warning@345', 'update:warning@346']],
    ['a rise is measured from the highest pre-event level, not a low reading within the noise', confirmed, [[0, pf(400, 604)], [1, pf(400, 596)], [2, pf(340, 608)], [3, pf(338, 612)]], ['-', '-', '-', '-']],
    ['... and confirms once past it by the amount', confirmed, [[0, pf(400, 604)], [1, pf(400, 596)], [2, pf(340, 608)], [3, pf(338, 614)]], ['-', '-', '-', 'fire:critical@338']],
    ['a confirming drop: chlorine that spikes at the onset and comes back does not confirm', turbidChlorine, [[0, tc(0.2, 0.5)], [1, tc(1.5, 0.8)], [2, tc(1.6, 0.5)], [3, tc(1.6, 0.45)]], ['-', '-', '-', '-']],
    ['a confirming drop: chlorine 0.1 below its lowest pre-event level confirms', turbidChlorine, [[0, tc(0.2, 0.5)], [1, tc(0.2, 0.45)], [2, tc(1.5, 0.4)], [3, tc(1.6, 0.3)]], ['-', '-', '-', 'fire:critical@1.6']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });

  it('routes the confirming metric to the rule', () => {
    expect(rateOfChange.metrics(confirmed)).toEqual(['pressure']);
    expect(rateOfChange.contextMetrics?.(confirmed)).toEqual(['flow']);
    expect(rateOfChange.contextMetrics?.(drop)).toEqual([]);
  });
});

describe('rate-of-change neighbour confirmation (zone signals)', () => {
  const SITE = 'main-a';
  /** A drop needs an onset of this rule at another site of the zone within 5 min. */
  const neighbours = rateOfChangeSchema.parse({ ...base, id: 'nb', direction: 'drop', amount: 50, window: '5m', confirm: { neighbour: { within: '5m' } } });
  /** Two other sites needed. */
  const twoSites = rateOfChangeSchema.parse({ ...neighbours, id: 'two', confirm: { neighbour: { within: '5m', sites: 2 } } });
  /** Opens unconfirmed at warning; a main or tap drop nearby escalates, as does a flow rise. */
  const either = rateOfChangeSchema.parse({
    ...base,
    id: 'either',
    direction: 'drop',
    amount: 50,
    window: '5m',
    confirm: { metric: 'flow', direction: 'rise', amount: 10, window: '5m', required: false, neighbour: { within: '5m', rules: ['either', 'tap-drop'] } },
  });
  type Signal = readonly [ruleId: string, site: string, minute: number];
  type ZonePush = readonly [minute: number, values: Partial<Record<MetricName, number>>, signals?: readonly Signal[]];

  function runInZone(rule: RateOfChangeRule, pushes: readonly ZonePush[]): string[] {
    let state = initialRateOfChangeState;
    return pushes.map(([minute, values, signals = []]) => {
      const zone = { site: SITE, signals: signals.map(([ruleId, site, at]): ZoneSignal => ({ ruleId, site, at: at * MIN })) };
      const evaluation = evaluateRateOfChange(rule, state, { ts: minute * MIN, values: new Map(Object.entries(values) as [MetricName, number][]), zone });
      state = evaluation.state;
      return spell(evaluation.decision, evaluation.value);
    });
  }

  it.each([
    ['no neighbour: no ticket, the event waits', neighbours, [[0, p(400)], [1, p(340)], [8, p(338)], [20, p(336)]], ['-', '-', '-', '-']],
    ['a neighbour drop 3 minutes later confirms', neighbours, [[0, p(400)], [1, p(340)], [4, p(338), [['nb', 'main-b', 4]]]], ['-', '-', 'fire:critical@338']],
    ['a neighbour drop 4 minutes before confirms', neighbours, [[0, p(400)], [1, p(340), [['nb', 'main-b', -3]]]], ['-', 'fire:critical@340']],
    ['a neighbour drop 6 minutes before does not', neighbours, [[0, p(400)], [1, p(340), [['nb', 'main-b', -5]]]], ['-', '-']],
    ['its own site\'s signal does not', neighbours, [[0, p(400)], [1, p(340), [['nb', SITE, 1]]]], ['-', '-']],
    ['another rule\'s signal does not (default: this rule only)', neighbours, [[0, p(400)], [1, p(340), [['tap-drop', 'tap-b', 1]]]], ['-', '-']],
    ['sites 2: one neighbour is not enough, two are', twoSites, [[0, p(400)], [1, p(340), [['two', 'main-b', 1]]], [2, p(339), [['two', 'main-b', 1], ['two', 'main-c', 2]]]], ['-', '-', 'fire:critical@339']],
    ['sites 2: two onsets of one neighbour count once', twoSites, [[0, p(400)], [1, p(340), [['two', 'main-b', 0], ['two', 'main-b', 1]]]], ['-', '-']],
    ['not required: opens at warning, a tap drop nearby escalates', either, [[0, pf(400, 40)], [1, pf(340, 40)], [2, pf(338, 40), [['tap-drop', 'tap-b', 2]]]], ['-', 'fire:warning@340', 'update:critical@338']],
    ['not required: the flow rise still confirms alone', either, [[0, pf(400, 40)], [1, pf(340, 60)]], ['-', 'fire:critical@340']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(runInZone(rule, pushes)).toEqual(expected);
  });

  it('reports the onset once, at the reading that shows the change', () => {
    const at = (minute: number, pressure: number, state: RateOfChangeState) => evaluateRateOfChange(neighbours, state, { ts: minute * MIN, values: new Map([['pressure', pressure]]) });
    const quiet = at(0, 400, initialRateOfChangeState);
    const onset = at(1, 340, quiet.state);
    const later = at(2, 338, onset.state);
    expect([quiet.onset, onset.onset, later.onset]).toEqual([undefined, MIN, undefined]);
  });

  it('listens to its own rule by default, or to the named rules', () => {
    expect(rateOfChange.zoneSignals?.(neighbours)).toEqual({ rules: ['nb'], withinMs: 5 * MIN });
    expect(rateOfChange.zoneSignals?.(either)).toEqual({ rules: ['either', 'tap-drop'], withinMs: 5 * MIN });
    expect(rateOfChange.zoneSignals?.(confirmed)).toBeUndefined();
    expect(rateOfChange.contextMetrics?.(neighbours)).toEqual([]);
  });
});

describe('rate-of-change state', () => {
  it('keeps at most ~60 buckets per metric at any sampling rate', () => {
    let state = initialRateOfChangeState;
    // 10 Hz for 10 minutes: 6000 samples into a 5-minute window.
    for (let i = 0; i < 6000; i++) {
      state = evaluateRateOfChange(drop, state, { ts: i * 100, values: new Map([['pressure', 400 + (i % 7)]]) }).state;
    }
    expect(state.main.buckets.length).toBeLessThanOrEqual(62);
    expect(state.main.buckets[0]?.start).toBeGreaterThanOrEqual(600_000 - 5 * MIN - 5_000);
  });

  it('keeps at most ~60 buckets of the confirming metric at any sampling rate', () => {
    let state = initialRateOfChangeState;
    // 10 Hz flow for 20 minutes, pressure every minute: 3 × the 5-minute confirm window kept.
    for (let i = 0; i < 12_000; i++) {
      const values = new Map<MetricName, number>([['flow', 40 + (i % 5)]]);
      if (i % 600 === 0) values.set('pressure', 400);
      state = evaluateRateOfChange(confirmed, state, { ts: i * 100, values }).state;
    }
    expect(state.confirm.buckets.length).toBeLessThanOrEqual(61);
    expect(state.confirm.buckets[0]?.start).toBeGreaterThanOrEqual(1_200_000 - 15 * MIN - 15_000);
  });

  it('ignores non-finite values and readings without the metric', () => {
    const evaluation = evaluateRateOfChange(drop, initialRateOfChangeState, { ts: 0, values: new Map([['pressure', Number.NaN]]) });
    expect(evaluation.state).toBe(initialRateOfChangeState);
    expect(evaluateRateOfChange(drop, initialRateOfChangeState, { ts: 0, values: new Map([['flow', 3]]) }).state).toBe(initialRateOfChangeState);
  });

  it('resumes an open ticket with the pre-event level estimated from the opening value', () => {
    const state = rateOfChange.resume(drop, 'warning', { openedAt: 0, firstValue: 340, lastValue: 335, peakValue: 330 });
    // before ≈ 340 + 50 = 390, lowest 330: 80 % back is 378.
    expect(run(drop, [[10, p(370)], [11, p(378)]], state)).toEqual(['update:warning@370', 'resolve@378']);
  });
});

describe('rate-of-change schema', () => {
  it('shows its defaults', () => {
    expect(drop).toMatchObject({ for: 0, clear: { recovered: 0.8 }, severity: 'warning', subject: 'site', window: 300_000 });
    expect(confirmed.confirm).toMatchObject({ required: true, severity: 'critical', window: 300_000 });
  });

  it.each([
    ['no window', { direction: 'drop', amount: 50 }, 'window'],
    ['zero window', { direction: 'drop', amount: 50, window: 0 }, 'window must be longer than 0'],
    ['negative amount', { direction: 'drop', amount: -5, window: '5m' }, 'amount'],
    ['amount beyond the physical range', { direction: 'drop', amount: 5000, window: '5m' }, 'exceeds the physical range of pressure'],
    ['within not below amount', { direction: 'drop', amount: 50, window: '5m', clear: { within: 50 } }, 'must be less than amount'],
    ['recovered above 1', { direction: 'drop', amount: 50, window: '5m', clear: { recovered: 1.5 } }, 'recovered'],
    ['both clear forms', { direction: 'drop', amount: 50, window: '5m', clear: { recovered: 0.5, within: 5 } }, 'clear'],
    ['confirming with the same metric', { direction: 'drop', amount: 50, window: '5m', confirm: { metric: 'pressure', direction: 'rise', amount: 1, window: '1m' } }, 'must differ'],
    ['bad direction', { direction: 'below', amount: 50, window: '5m' }, 'direction'],
    ['confirm with neither a metric nor neighbours', { direction: 'drop', amount: 50, window: '5m', confirm: { required: false } }, 'by `neighbour`, or both'],
    ['a confirming metric without its amount', { direction: 'drop', amount: 50, window: '5m', confirm: { metric: 'flow', direction: 'rise', window: '5m' } }, 'together'],
    ['neighbours within 0', { direction: 'drop', amount: 50, window: '5m', confirm: { neighbour: { within: 0 } } }, 'within must be longer than 0'],
    ['neighbour sites 0', { direction: 'drop', amount: 50, window: '5m', confirm: { neighbour: { within: '5m', sites: 0 } } }, 'sites'],
  ])('rejects %s', (_name, fields, message) => {
    const parsed = rateOfChangeSchema.safeParse({ ...base, id: 'r', ...fields });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(JSON.stringify(parsed.error.issues)).toContain(message);
  });
});
