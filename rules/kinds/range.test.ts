import { describe, expect, it } from 'vitest';
import type { Decision } from './kind.ts';
import { combine, evaluateRange, range, rangeSchema, type RangeRule, type RangeState } from './range.ts';

const base = { id: 'plant-outlet-ph', title: 'pH out of range', titleZh: 'pH超标', source: 'GB 5749-2022 Table 1', kind: 'range', metric: 'ph' };
const ph = rangeSchema.parse({ ...base, warning: { min: 6.5, max: 8.5 }, critical: { min: 6, max: 9 }, clear: { min: 6.6, max: 8.4 }, for: '10m' });
const instant = rangeSchema.parse({ ...base, warning: { min: 6.5, max: 8.5 }, critical: { min: 6, max: 9 }, criticalClear: { min: 6.2, max: 8.8 } });

const MIN = 60_000;

function run(rule: RangeRule, readings: readonly (readonly [number, number])[]): string[] {
  let state: RangeState = range.initial(rule);
  return readings.map(([minute, value]) => {
    const evaluation = evaluateRange(rule, state, { value, ts: minute * MIN });
    state = evaluation.state;
    return spell(evaluation.decision);
  });
}

function spell(decision: Decision): string {
  if (decision.type === 'none') return decision.ignored ? 'ignored' : '-';
  if (decision.type === 'resolve') return 'resolve';
  return `${decision.type}:${decision.severity}`;
}

describe('range evaluate', () => {
  it.each([
    ['inside the band: nothing', ph, [[0, 7.2], [5, 6.5], [10, 8.5]], ['-', '-', '-']],
    ['below for `for`: fires', ph, [[0, 6.4], [5, 6.4], [10, 6.4]], ['-', '-', 'fire:warning']],
    ['above for `for`: fires', ph, [[0, 8.7], [10, 8.7]], ['-', 'fire:warning']],
    ['hysteresis: 6.55 keeps it, 6.6 resolves', ph, [[0, 6.4], [10, 6.4], [11, 6.55], [12, 6.6]], ['-', 'fire:warning', 'update:warning', 'resolve']],
    ['critical on either side', ph, [[0, 9.2], [10, 9.2], [11, 5.9], [12, 5.9]], ['-', 'fire:critical', 'resolve', '-']],
    ['straight across the band is one ticket', instant, [[0, 6.3], [1, 8.7], [2, 7]], ['fire:warning', 'update:warning', 'resolve']],
    ['escalates, then steps down past criticalClear', instant, [[0, 8.7], [1, 9.3], [2, 8.9], [3, 8.7], [4, 8]], ['fire:warning', 'update:critical', 'update:critical', 'update:warning', 'resolve']],
    ['drops readings not newer than the last', ph, [[0, 6.4], [10, 6.4], [5, 7], [11, 6.4]], ['-', 'fire:warning', 'ignored', 'update:warning']],
  ] as const)('%s', (_name, rule, readings, expected) => {
    expect(run(rule, readings)).toEqual(expected);
  });

  it('a peak is the value farthest from the middle of the band', () => {
    expect(range.worst(ph)).toEqual({ farthestFrom: 7.5 });
  });

  it('resumes firing on the side of the ticket\'s last value', () => {
    const resumed = range.resume(instant, 'warning', { openedAt: 0, firstValue: 8.7, lastValue: 8.7, peakValue: 8.7 });
    expect(evaluateRange(instant, resumed, { value: 7, ts: 1 }).decision).toEqual({ type: 'resolve' });
  });
});

describe('combining the sides', () => {
  const fire: Decision = { type: 'fire', severity: 'warning' };
  it.each([
    [fire, { type: 'resolve' }, { type: 'update', severity: 'warning' }],
    [{ type: 'resolve' }, fire, { type: 'update', severity: 'warning' }],
    [{ type: 'none' }, fire, fire],
    [{ type: 'none' }, { type: 'resolve' }, { type: 'resolve' }],
    [{ type: 'none', ignored: 'out_of_order' }, { type: 'none', ignored: 'out_of_order' }, { type: 'none', ignored: 'out_of_order' }],
  ] as const)('%o + %o → %o', (low, high, expected) => {
    expect(combine(low, high)).toEqual(expected);
  });
});

describe('range schema', () => {
  it.each([
    ['band upside down', { warning: { min: 8.5, max: 6.5 } }, 'warning.min (8.5) must be below warning.max (6.5)'],
    ['critical inside the band', { warning: { min: 6.5, max: 8.5 }, critical: { min: 7 } }, 'min side: critical (7) must be below warning (6.5)'],
    ['clear outside the band', { warning: { min: 6.5, max: 8.5 }, clear: { max: 9 } }, 'max side: clear (9) must not be above'],
  ])('rejects %s', (_name, fields, message) => {
    const parsed = rangeSchema.safeParse({ ...base, ...fields });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues.map((i) => i.message).join('\n')).toContain(message);
  });
});
