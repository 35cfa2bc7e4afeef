import { describe, expect, it } from 'vitest';
import type { Decision } from './kind.ts';
import { evaluateFlatline, flatline, flatlineSchema, initialFlatlineState, type FlatlineRule, type FlatlineState } from './flatline.ts';

const base = { title: 'Turbidity flatline', titleZh: '浊度仪读数不变', source: 'test fixture: flatline, a sensor fault (operational practice)', kind: 'flatline', metric: 'turbidity' } as const;

/** Exactly the same value for 10 minutes and 5 readings. */
const stuck = flatlineSchema.parse({ ...base, id: 'stuck', for: '10m', minSamples: 5 });
/** Within 0.01 NTU for 10 minutes. */
const banded = flatlineSchema.parse({ ...base, id: 'banded', tolerance: 0.01, for: '10m', minSamples: 5 });
/** Needs 30 readings. */
const sparse = flatlineSchema.parse({ ...base, id: 'sparse', for: '10m', minSamples: 30 });
/** As the shipped sensor-health pack: 3 hours, 30 readings, exact. */
const packLike = flatlineSchema.parse({ ...base, id: 'pack-like', for: '3h' });

const MIN = 60_000;
type Push = readonly [minute: number, turbidity: number];

/** Readings every `step` minutes from `from` to `to` (both included) at `value`. */
function flat(from: number, to: number, value: number, step = 1): Push[] {
  const pushes: Push[] = [];
  for (let minute = from; minute <= to + 1e-9; minute += step) pushes.push([Number(minute.toFixed(4)), value]);
  return pushes;
}

/** Readings alternating between two values, every minute. */
function jitter(from: number, to: number, a: number, b: number): Push[] {
  return flat(from, to, 0).map(([minute]) => [minute, minute % 2 === 0 ? a : b] as const);
}

function spell(decision: Decision, value: number | undefined): string {
  if (decision.type === 'none') return decision.ignored ? 'ignored' : '-';
  const at = value === undefined ? '' : `@${value}`;
  return decision.type === 'resolve' ? `resolve${at}` : `${decision.type}:${decision.severity}${at}`;
}

/** Runs readings through the rule; lists only the pushes that decided something, as "minute:decision". */
function run(rule: FlatlineRule, pushes: readonly Push[], state: FlatlineState = initialFlatlineState): string[] {
  const decided: string[] = [];
  for (const [minute, turbidity] of pushes) {
    const evaluation = evaluateFlatline(rule, state, { ts: minute * MIN, values: new Map([['turbidity', turbidity]]) });
    state = evaluation.state;
    const word = spell(evaluation.decision, evaluation.value);
    if (word !== '-') decided.push(`${minute}:${word}`);
  }
  return decided;
}

describe('flatline evaluate', () => {
  it.each([
    ['exactly constant for 10 minutes fires', stuck, flat(0, 10, 0.25), ['10:fire:maintenance@0.25']],
    ['9 minutes is not yet 10', stuck, flat(0, 9, 0.25), []],
    ['every stuck reading updates; the first move resolves', stuck, [...flat(0, 12, 0.25), [13, 0.27]], ['10:fire:maintenance@0.25', '11:update:maintenance@0.25', '12:update:maintenance@0.25', '13:resolve@0.27']],
    ['jitter of one resolution step never fires', stuck, jitter(0, 60, 0.25, 0.251), []],
    ['zero is a value like any other (a dry cell)', stuck, flat(0, 10, 0), ['10:fire:maintenance@0']],
    ['many readings but shorter than `for` (6-second data, 9 minutes)', stuck, flat(0, 9, 0.25, 0.1), []],
    ['minSamples: a reading every 2 minutes for 40 minutes is too sparse', sparse, flat(0, 40, 0.25, 2), []],
    ['minSamples: fires at the 30th reading', sparse, [...flat(0, 40, 0.25, 2), ...flat(41, 49, 0.25)], ['49:fire:maintenance@0.25']],
    ['a move starts the wait over', stuck, [...flat(0, 8, 0.25), ...flat(9, 19, 0.3)], ['19:fire:maintenance@0.3']],
    ['tolerance: moving within 0.01 counts as stuck', banded, jitter(0, 10, 0.25, 0.255), ['10:fire:maintenance@0.25']],
    ['tolerance: jitter wider than 0.01 never fires', banded, jitter(0, 60, 0.25, 0.262), []],
    ['tolerance: leaving the band resolves', banded, [...jitter(0, 11, 0.25, 0.255), [12, 0.262]], ['10:fire:maintenance@0.25', '11:update:maintenance@0.255', '12:resolve@0.262']],
    ['tolerance: a new run starts at the reading before the break when close', banded, [...flat(0, 5, 0.2), [6, 0.209], [7, 0.211], ...flat(8, 16, 0.21)], ['16:fire:maintenance@0.21']],
    ['a late reading is ignored and does not break the run', stuck, [...flat(0, 5, 0.25), [3, 0.9], ...flat(6, 10, 0.25)], ['3:ignored', '10:fire:maintenance@0.25']],
    ['a repeated timestamp is ignored', stuck, [...flat(0, 5, 0.25), [5, 0.25]], ['5:ignored']],
    ['a long gap does not end the run', stuck, [...flat(0, 5, 0.25), [40, 0.25]], ['40:fire:maintenance@0.25']],
    ['fires again on a new stuck run after resolving', stuck, [...flat(0, 10, 0.25), ...flat(11, 21, 0.4)], ['10:fire:maintenance@0.25', '11:resolve@0.4', '21:fire:maintenance@0.4']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });

  it('ignores readings without the metric and non-finite values, without touching the state', () => {
    const { state } = evaluateFlatline(stuck, initialFlatlineState, { ts: 0, values: new Map([['turbidity', 0.25]]) });
    expect(evaluateFlatline(stuck, state, { ts: MIN, values: new Map([['ph', 7.2]]) })).toEqual({ state, decision: { type: 'none' } });
    expect(evaluateFlatline(stuck, state, { ts: MIN, values: new Map([['turbidity', Number.NaN]]) })).toEqual({ state, decision: { type: 'none' } });
  });

  it('keeps one run whatever the sampling rate: 10 Hz for an hour', () => {
    let state = initialFlatlineState;
    const decisions: string[] = [];
    for (let i = 0; i <= 36_000; i++) {
      const evaluation = evaluateFlatline(stuck, state, { ts: i * 100, values: new Map([['turbidity', 0.25]]) });
      state = evaluation.state;
      if (evaluation.decision.type === 'fire') decisions.push(`fire@${i * 100}`);
    }
    expect(decisions).toEqual([`fire@${10 * MIN}`]);
    expect(state.run).toEqual({ start: 0, low: 0.25, high: 0.25, count: 36_001 });
  });
});

/** mulberry32: a small seeded generator, so the "real-looking" data is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A week of 1-minute tap turbidity: 0.2 NTU with a daily swing, Gaussian noise, rounded to 0.001 NTU. */
function tapWeek(seed: number, stuckFrom?: number, stuckTo?: number): Push[] {
  const random = seeded(seed);
  const pushes: Push[] = [];
  let held = Number.NaN;
  for (let minute = 0; minute < 7 * 24 * 60; minute++) {
    const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const truth = 0.2 + 0.03 * Math.sin((2 * Math.PI * minute) / 1440) + 0.004 * gauss;
    const value = Math.round(Math.max(0, truth) * 1000) / 1000;
    const stuckNow = stuckFrom !== undefined && stuckTo !== undefined && minute >= stuckFrom && minute < stuckTo;
    if (stuckNow && Number.isNaN(held)) held = value;
    pushes.push([minute, stuckNow ? held : value]);
  }
  return pushes;
}

describe('flatline on jittery data', () => {
  it.each([1, 2, 3, 42, 2026])('a week of noisy tap turbidity never fires (seed %i)', (seed) => {
    expect(run(packLike, tapWeek(seed))).toEqual([]);
  });

  it('a sensor stuck for 5 hours in the middle of the week: one ticket, resolved when it moves', () => {
    const from = 3 * 1440;
    const decided = run(packLike, tapWeek(7, from, from + 300));
    expect(decided[0]).toMatch(new RegExp(`^${from + 180}:fire:maintenance@`));
    expect(decided.filter((word) => word.includes('fire'))).toHaveLength(1);
    expect(decided.at(-1)).toMatch(new RegExp(`^${from + 300}:resolve@`));
    expect(decided).toHaveLength(1 + 119 + 1); // fire, an update per stuck minute, resolve
  });
});

describe('flatline resume', () => {
  it('resumes with the run pinned at the ticket value: same value updates, a move resolves', () => {
    const state = flatline.resume(stuck, 'maintenance', { openedAt: 0, firstValue: 0.25, lastValue: 0.25, peakValue: 0.25 });
    expect(run(stuck, [[100, 0.25], [101, 0.25], [102, 0.26]], state)).toEqual(['100:update:maintenance@0.25', '101:update:maintenance@0.25', '102:resolve@0.26']);
  });

  it('resumes within the tolerance band of the last value', () => {
    const state = flatline.resume(banded, 'maintenance', { openedAt: 0, firstValue: 0.25, lastValue: 0.255, peakValue: 0.255 });
    expect(run(banded, [[100, 0.25], [101, 0.262]], state)).toEqual(['100:update:maintenance@0.25', '101:resolve@0.262']);
  });

  it('resumes without ticket values: the first reading pins the run', () => {
    const state = flatline.resume(stuck, 'maintenance');
    expect(run(stuck, [[100, 0.3], [101, 0.3], [102, 0.31]], state)).toEqual(['100:update:maintenance@0.3', '101:update:maintenance@0.3', '102:resolve@0.31']);
  });
});

describe('flatline schema', () => {
  it('shows its defaults', () => {
    const parsed = flatlineSchema.parse({ ...base, id: 'defaults' });
    expect(parsed).toMatchObject({ tolerance: 0, for: 6 * 60 * MIN, minSamples: 30, severity: 'maintenance', subject: 'site', inhibit: false });
    expect(flatline.metrics(parsed)).toEqual(['turbidity']);
  });

  it.each([
    ['a zero `for`', { for: 0 }, 'for must be longer than 0'],
    ['a negative tolerance', { tolerance: -0.1 }, 'tolerance'],
    ['a tolerance spanning the physical range', { tolerance: 4000 }, 'spans the whole physical range of turbidity'],
    ['a single sample', { minSamples: 1 }, 'minSamples'],
    ['an unknown metric', { metric: 'sparkle' }, 'metric'],
    ['a bad duration', { for: 'soon' }, 'is not a duration'],
  ])('rejects %s', (_name, fields, message) => {
    const parsed = flatlineSchema.safeParse({ ...base, id: 'bad', ...fields });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(JSON.stringify(parsed.error.issues)).toContain(message);
  });
});
