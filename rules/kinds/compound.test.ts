import { describe, expect, it } from 'vitest';
import type { MetricName } from '../../network/metrics.ts';
import { compound, compoundSchema, evaluateCompound, initialCompoundState, type CompoundRule, type CompoundState } from './compound.ts';
import type { Decision, ZoneSignal } from './kind.ts';

const base = { title: 'Yellow water', titleZh: '疑似黄水', source: 'test fixture: GB 5749-2022 Table 1', kind: 'compound', metric: 'turbidity', direction: 'above' } as const;
const levels = { warning: 1, critical: 4, clear: 0.8, for: '2m' } as const;
const colourOrIron = { conditions: [{ metric: 'color', above: 15 }, { metric: 'iron', above: 0.3 }] } as const;
const afterDrop = { rules: ['pressure-drop'], within: '30m' } as const;

/** Turbidity > 1 NTU for 2 min with colour or iron up (within 10 min), or after a pressure drop in the zone (30 min). */
const yellow = compoundSchema.parse({ ...base, id: 'yellow', ...levels, with: colourOrIron, after: afterDrop });
/** Colour and iron both needed. */
const both = compoundSchema.parse({ ...base, id: 'both', ...levels, with: { ...colourOrIron, match: 'all' } });
/** Only the zone signal corroborates. */
const afterOnly = compoundSchema.parse({ ...base, id: 'after-only', ...levels, after: afterDrop });
/** Colour or iron, and a pressure drop. */
const strict = compoundSchema.parse({ ...base, id: 'strict', ...levels, with: colourOrIron, after: afterDrop, corroborate: 'all' });

const MIN = 60_000;
const SITE = 'tongmen-tap';
type Signal = readonly [ruleId: string, site: string, minute: number];
type Push = readonly [minute: number, values: Partial<Record<MetricName, number>>, signals?: readonly Signal[]];

/** Runs readings through the rule; each decision spelled as a short word ("fire:warning@3"). */
function run(rule: CompoundRule, pushes: readonly Push[], state: CompoundState = initialCompoundState): string[] {
  return pushes.map(([minute, values, signals = []]) => {
    const zone = { site: SITE, signals: signals.map(([ruleId, site, at]): ZoneSignal => ({ ruleId, site, at: at * MIN })) };
    const evaluation = evaluateCompound(rule, state, { ts: minute * MIN, values: new Map(Object.entries(values) as [MetricName, number][]), zone });
    state = evaluation.state;
    return spell(evaluation.decision, evaluation.value);
  });
}

function spell(decision: Decision, value: number | undefined): string {
  if (decision.type === 'none') return decision.ignored ? 'ignored' : '-';
  const at = value === undefined ? '' : `@${value}`;
  return decision.type === 'resolve' ? `resolve${at}` : `${decision.type}:${decision.severity}${at}`;
}

const t = (turbidity: number) => ({ turbidity });
const tc = (turbidity: number, color: number) => ({ turbidity, color });
const drop = (minute: number, site = 'main-a'): Signal => ['pressure-drop', site, minute];

describe('compound: corroboration by other metrics (`with`)', () => {
  it.each([
    ['turbidity alone never opens, however long', yellow, [[0, t(3)], [2, t(3)], [10, t(3)], [60, t(5)]], ['-', '-', '-', '-']],
    ['turbidity with colour up opens once `for` has passed', yellow, [[0, tc(3, 25)], [1, tc(3, 25)], [2, tc(3, 26)]], ['-', '-', 'fire:warning@3']],
    ['colour from another device of the site (context-only reading) opens at once', yellow, [[0, t(3)], [1, t(3)], [2, t(3)], [2.5, { color: 30 }]], ['-', '-', '-', 'fire:warning@3']],
    ['iron alone suffices with match any', yellow, [[0, { turbidity: 3, iron: 0.8 }], [2, t(3)]], ['-', 'fire:warning@3']],
    ['colour up 5 minutes before the onset counts', yellow, [[0, { color: 30 }], [5, t(3)], [7, t(3)]], ['-', '-', 'fire:warning@3']],
    ['colour up 20 minutes before the onset does not', yellow, [[0, { color: 30 }], [1, { color: 10 }], [20, t(3)], [22, t(3)]], ['-', '-', '-', '-']],
    ['colour below its level does not', yellow, [[0, tc(3, 12)], [2, tc(3, 14)]], ['-', '-']],
    ['match all: colour alone waits for iron', both, [[0, tc(3, 25)], [2, tc(3, 25)], [3, { iron: 0.5 }]], ['-', '-', 'fire:warning@3']],
    ['a short turbidity spike (air bubble) with colour up stays pending', yellow, [[0, tc(9, 25)], [1, tc(0.3, 25)], [2, tc(0.2, 25)]], ['-', '-', '-']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });
});

describe('compound: corroboration by the zone (`after`)', () => {
  it.each([
    ['a pressure drop in the zone 10 minutes before the rise', afterOnly, [[15, t(3), [drop(5)]], [17, t(3), [drop(5)]]], ['-', 'fire:warning@3']],
    ['the drop at this very site counts too', afterOnly, [[15, t(3), [drop(14, SITE)]], [17, t(3), [drop(14, SITE)]]], ['-', 'fire:warning@3']],
    ['a drop at the onset itself counts', afterOnly, [[15, t(3), [drop(15)]], [17, t(3), [drop(15)]]], ['-', 'fire:warning@3']],
    ['a drop after the onset does not', afterOnly, [[15, t(3)], [16, t(3), [drop(16)]], [17, t(3), [drop(16)]]], ['-', '-', '-']],
    ['a drop 35 minutes before does not', afterOnly, [[40, t(3), [drop(5)]], [42, t(3), [drop(5)]]], ['-', '-']],
    ['signals of other rules do not', afterOnly, [[15, t(3), [['tap-silent', 'main-a', 10]]], [17, t(3), [['tap-silent', 'main-a', 10]]]], ['-', '-']],
    ['a late pressure batch corroborates from the next reading on', afterOnly, [[15, t(3)], [17, t(3)], [18, t(3), [drop(10)]]], ['-', '-', 'fire:warning@3']],
    ['corroborate any: the drop alone suffices', yellow, [[15, t(3), [drop(5)]], [17, t(3), [drop(5)]]], ['-', 'fire:warning@3']],
    ['corroborate all: colour without a drop waits', strict, [[15, tc(3, 25)], [17, tc(3, 25)]], ['-', '-']],
    ['corroborate all: colour and a drop open', strict, [[15, tc(3, 25), [drop(5)]], [17, tc(3, 25), [drop(5)]]], ['-', 'fire:warning@3']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });
});

describe('compound: the ticket', () => {
  it.each([
    ['escalates, keeps firing inside the hysteresis, resolves past clear', [[0, tc(3, 25)], [2, t(3)], [3, t(6)], [4, t(0.9)], [5, t(0.5)]], ['-', 'fire:warning@3', 'update:critical@6', 'update:critical@0.9', 'resolve@0.5']],
    ['a context-only reading while open writes nothing', [[0, tc(3, 25)], [2, t(3)], [3, { color: 40 }]], ['-', 'fire:warning@3', '-']],
    ['the next event needs corroboration of its own', [[0, tc(3, 25)], [2, t(3)], [3, t(0.5)], [30, t(3)], [32, t(3)]], ['-', 'fire:warning@3', 'resolve@0.5', '-', '-']],
    ['drops a primary reading older than the last one', [[0, tc(3, 25)], [2, t(3)], [1, t(0.1)], [3, t(3)]], ['-', 'fire:warning@3', 'ignored', 'update:warning@3']],
    ['drops a colour reading older than the last one', [[0, tc(0.2, 5)], [1, { color: 5 }], [0.5, { color: 40 }]], ['-', '-', 'ignored']],
  ] as const)('%s', (_name, pushes, expected) => {
    expect(run(yellow, pushes)).toEqual(expected);
  });

  it('steps down to warning past `criticalClear`, as threshold does', () => {
    const stepping = compoundSchema.parse({ ...yellow, id: 'stepping', criticalClear: 3 });
    expect(run(stepping, [[0, tc(5, 25)], [2, t(5)], [3, t(3.5)], [4, t(2.5)], [5, t(5)]])).toEqual(['-', 'fire:critical@5', 'update:critical@3.5', 'update:warning@2.5', 'update:critical@5']);
  });

  it('reports the event onset when it opens, and only then', () => {
    const zone = { site: SITE, signals: [] };
    const at = (minute: number, values: Partial<Record<MetricName, number>>, state: CompoundState) =>
      evaluateCompound(yellow, state, { ts: minute * MIN, values: new Map(Object.entries(values) as [MetricName, number][]), zone });
    const first = at(0, tc(3, 25), initialCompoundState);
    const opened = at(2, t(3), first.state);
    const update = at(3, t(3), opened.state);
    expect([first.onset, opened.onset, update.onset]).toEqual([undefined, 0, undefined]);
  });

  it('resumes an open ticket as firing and corroborated; it resolves on turbidity alone', () => {
    const state = compound.resume(yellow, 'critical', { openedAt: 0, firstValue: 3, lastValue: 5, peakValue: 6 });
    expect(run(yellow, [[10, t(2)], [11, t(0.7)]], state)).toEqual(['update:critical@2', 'resolve@0.7']);
  });

  it('routes the corroborating metrics and listens to the named rules', () => {
    expect(compound.metrics(yellow)).toEqual(['turbidity']);
    expect(compound.contextMetrics?.(yellow)).toEqual(['color', 'iron']);
    expect(compound.zoneSignals?.(yellow)).toEqual({ rules: ['pressure-drop'], withinMs: 30 * MIN });
    expect(compound.zoneSignals?.(both)).toBeUndefined();
  });
});

describe('compound schema', () => {
  it('shows its defaults', () => {
    expect(yellow).toMatchObject({ corroborate: 'any', subject: 'site', inhibit: false, for: 2 * MIN, with: { match: 'any', within: 10 * MIN }, after: { within: 30 * MIN } });
  });

  it.each([
    ['no corroboration', { ...levels }, 'give `with`, `after` or both'],
    ['no level (checked by the threshold schema)', { with: colourOrIron }, 'give a warning or a critical level'],
    ['critical below warning (threshold schema)', { warning: 4, critical: 1, with: colourOrIron }, 'critical (1) must be above warning (4)'],
    ['criticalClear outside warning..critical (threshold schema)', { ...levels, criticalClear: 6, with: colourOrIron }, 'criticalClear'],
    ['a condition with both levels', { ...levels, with: { conditions: [{ metric: 'color', above: 15, below: 2 }] } }, 'exactly one of `above` and `below`'],
    ['a condition with no level', { ...levels, with: { conditions: [{ metric: 'color' }] } }, 'exactly one of `above` and `below`'],
    ['the primary metric as a condition', { ...levels, with: { conditions: [{ metric: 'turbidity', above: 2 }] } }, 'is the primary metric or appears twice'],
    ['after without rules', { ...levels, after: { rules: [], within: '30m' } }, 'rules'],
    ['after with a zero window', { ...levels, after: { rules: ['x'], within: 0 } }, 'within must be longer than 0'],
  ])('rejects %s', (_name, fields, message) => {
    const parsed = compoundSchema.safeParse({ ...base, id: 'c', ...fields });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(JSON.stringify(parsed.error.issues)).toContain(message);
  });
});
