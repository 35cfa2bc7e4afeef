import { describe, expect, it } from 'vitest';
import { initialThresholdState, evaluateThreshold, thresholdSchema, type ThresholdState } from './threshold.ts';
import type { Decision } from './kind.ts';

const turbidity = thresholdSchema.parse({
  id: 'tap-turbidity',
  title: 'Tap turbidity high',
  titleZh: '龙头水浑浊度超标',
  source: 'GB 5749-2022 Table 1',
  kind: 'threshold',
  metric: 'turbidity',
  direction: 'above',
  warning: 1,
  critical: 4,
  clear: 0.8,
  for: '2m',
});

const steppingDown = thresholdSchema.parse({
  id: 'tap-turbidity-stepping',
  title: 'Tap turbidity high',
  titleZh: '龙头水浑浊度超标',
  source: 'GB 5749-2022 Table 1',
  kind: 'threshold',
  metric: 'turbidity',
  direction: 'above',
  warning: 1,
  critical: 4,
  criticalClear: 3,
  clear: 0.8,
  for: 0,
});

const chlorine = thresholdSchema.parse({
  id: 'tap-chlorine-low',
  title: 'Free chlorine low',
  titleZh: '余氯不足',
  source: 'GB 5749-2022 Table 2',
  kind: 'threshold',
  metric: 'free_chlorine',
  direction: 'below',
  warning: 0.05,
  for: 0,
});

const MIN = 60_000;

/** Runs readings [minute, value] through the rule and spells each decision as a short word. */
function run(rule: typeof turbidity, readings: readonly (readonly [number, number])[]): string[] {
  let state: ThresholdState = initialThresholdState;
  return readings.map(([minute, value]) => {
    const evaluation = evaluateThreshold(rule, state, { value, ts: minute * MIN });
    state = evaluation.state;
    return spell(evaluation.decision);
  });
}

function spell(decision: Decision): string {
  if (decision.type === 'none') return decision.ignored ? 'ignored' : '-';
  if (decision.type === 'resolve') return 'resolve';
  return `${decision.type}:${decision.severity}`;
}

describe('threshold evaluate', () => {
  it.each([
    ['quiet readings do nothing', turbidity, [[0, 0.2], [1, 0.3], [2, 0.9]], ['-', '-', '-']],
    ['pending, then fires once `for` has held (event time)', turbidity, [[0, 3], [1, 3], [2, 3]], ['-', '-', 'fire:warning']],
    ['a dip during pending starts the wait over', turbidity, [[0, 3], [1, 0.5], [2, 3], [3, 3], [4, 3]], ['-', '-', '-', '-', 'fire:warning']],
    ['a dip to the hysteresis band still resets pending', turbidity, [[0, 3], [1, 0.9], [2, 3], [3, 3]], ['-', '-', '-', '-']],
    ['fires at the severity of the firing reading', turbidity, [[0, 6], [1, 6], [2, 6]], ['-', '-', 'fire:critical']],
    ['between clear and warning keeps firing (hysteresis)', turbidity, [[0, 3], [2, 3], [3, 0.9], [4, 0.81]], ['-', 'fire:warning', 'update:warning', 'update:warning']],
    ['resolves at or below clear', turbidity, [[0, 3], [2, 3], [3, 0.8]], ['-', 'fire:warning', 'resolve']],
    ['escalates warning → critical on the same state', turbidity, [[0, 3], [2, 3], [3, 6]], ['-', 'fire:warning', 'update:critical']],
    ['never steps down while firing', turbidity, [[0, 6], [2, 6], [3, 2], [4, 0.9]], ['-', 'fire:critical', 'update:critical', 'update:critical']],
    ['criticalClear: steps down to warning only once back past it', steppingDown, [[0, 6], [1, 3.5], [2, 3], [3, 2], [4, 5], [5, 0.5]], ['fire:critical', 'update:critical', 'update:warning', 'update:warning', 'update:critical', 'resolve']],
    ['fires again after resolve, with a fresh `for`', turbidity, [[0, 3], [2, 3], [3, 0.5], [4, 3], [5, 3], [6, 3]], ['-', 'fire:warning', 'resolve', '-', '-', 'fire:warning']],
    ['drops readings older than the last one', turbidity, [[0, 3], [2, 3], [1, 0.1], [3, 3]], ['-', 'fire:warning', 'ignored', 'update:warning']],
    ['drops a redelivered reading with the same timestamp', turbidity, [[0, 3], [0, 3], [2, 3]], ['-', 'ignored', 'fire:warning']],
    ['below: fires under the level, `for` 0 fires at once', chlorine, [[0, 0.3], [1, 0.04], [2, 0.02], [3, 0.05]], ['-', 'fire:warning', 'update:warning', 'resolve']],
    ['below: exactly at the level is compliant', chlorine, [[0, 0.05], [1, 0.051]], ['-', '-']],
  ] as const)('%s', (_name, rule, readings, expected) => {
    expect(run(rule, readings)).toEqual(expected);
  });

  it('carries the value of every decision that touches a ticket', () => {
    const pending = evaluateThreshold(turbidity, initialThresholdState, { value: 3, ts: 0 });
    expect(pending.value).toBeUndefined();
    const fired = evaluateThreshold(turbidity, pending.state, { value: 3.5, ts: 2 * MIN });
    expect(fired).toMatchObject({ decision: { type: 'fire', severity: 'warning' }, value: 3.5, state: { phase: 'firing' } });
  });

  it('ignores a non-finite value without touching the state', () => {
    const evaluation = evaluateThreshold(turbidity, initialThresholdState, { value: Number.NaN, ts: 0 });
    expect(evaluation.state).toBe(initialThresholdState);
  });
});

describe('threshold schema', () => {
  const base = { id: 'r', title: 'T', titleZh: '标题', source: 'GB 5749-2022 Table 1', kind: 'threshold', metric: 'turbidity' };

  it('defaults `for` to 0 and the subject to the site', () => {
    expect(thresholdSchema.parse({ ...base, direction: 'above', warning: 1 })).toMatchObject({ for: 0, subject: 'site' });
  });

  it.each([
    ['no level', { direction: 'above' }, 'give a warning or a critical level'],
    ['critical not beyond warning (above)', { direction: 'above', warning: 4, critical: 1 }, 'critical (1) must be above warning (4)'],
    ['critical not beyond warning (below)', { direction: 'below', warning: 1, critical: 4 }, 'critical (4) must be below warning (1)'],
    ['clear on the wrong side', { direction: 'above', warning: 1, clear: 1.2 }, 'clear (1.2) must not be above'],
    ['level outside the physical range', { direction: 'above', warning: 5000 }, 'outside the physical range of turbidity'],
    ['bad duration', { direction: 'above', warning: 1, for: 'soon' }, 'is not a duration'],
    ['unknown field', { direction: 'above', warning: 1, level: 2 }, 'level'],
    ['criticalClear above critical', { direction: 'above', warning: 1, critical: 4, criticalClear: 5 }, 'criticalClear (5) needs warning and critical levels'],
    ['criticalClear without a warning level', { direction: 'above', critical: 4, criticalClear: 3 }, 'must lie between them'],
  ])('rejects %s', (_name, fields, message) => {
    const parsed = thresholdSchema.safeParse({ ...base, ...fields });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(JSON.stringify(parsed.error.issues)).toContain(message);
  });

  it('requires a source', () => {
    const { source: _source, ...withoutSource } = base;
    expect(thresholdSchema.safeParse({ ...withoutSource, direction: 'above', warning: 1 }).success).toBe(false);
  });
});
