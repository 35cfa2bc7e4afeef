/**
 * `range`: a metric outside an allowed band, on either side, is one ticket (pH 6.5-8.5, plant
 * outlet free chlorine 0.3-2 mg/L: GB 5749-2022 gives both as ranges). Each side behaves exactly
 * as a threshold (threshold.ts: `for` on event time, hysteresis by `clear`, escalation at once,
 * de-escalation past `criticalClear`); the two sides are two threshold evaluations over one state,
 * so nothing of the threshold logic is repeated here.
 *
 * - Levels are pairs: `warning: { min, max }` (required), `critical`, `clear`, `criticalClear`
 *   with `min` and/or `max`. `clear.min` must not be below `warning.min` (it lies inside the band).
 * - One ticket for both sides: a reading that crosses from one side straight to the other is an
 *   update of the same ticket (the value was never back inside), not a resolve and a fire.
 * - The ticket's peak is the value farthest from the middle of the band.
 * - Out-of-order policy as threshold: a reading not newer than the last one is dropped.
 */
import { z } from 'zod';
import { metricNameSchema } from '../../network/metrics.ts';
import { durationSchema } from '../../network/duration.ts';
import { worseSeverity } from '../severity.ts';
import { ruleBaseSchema, type Decision, type Evaluation, type RuleKind } from './kind.ts';
import { evaluateThreshold, initialThresholdState, thresholdSchema, type ThresholdRule, type ThresholdState } from './threshold.ts';

const level = z.number().finite();
const pair = (what: string) =>
  z.strictObject({
    min: level.optional().describe(`${what} below the band, canonical unit`),
    max: level.optional().describe(`${what} above the band, canonical unit`),
  });

export const rangeSchema = ruleBaseSchema
  .extend({
    kind: z.literal('range'),
    metric: metricNameSchema.describe('Metric watched, in its canonical unit'),
    warning: z.strictObject({ min: level.describe('Lowest allowed value'), max: level.describe('Highest allowed value') }).describe('The allowed band; outside it is a warning'),
    critical: pair('Critical level').optional().describe('Critical levels outside the band, on either side'),
    clear: pair('Hysteresis: once firing on this side, resolves only when back past this level').optional(),
    criticalClear: pair('De-escalation: once critical on this side, steps down to warning when back past this level').optional(),
    for: durationSchema.default(0).describe('How long (event time) the value must stay outside before the ticket opens; default 0'),
  })
  .superRefine((rule, ctx) => {
    if (!(rule.warning.min < rule.warning.max)) ctx.addIssue({ code: 'custom', path: ['warning'], message: `warning.min (${rule.warning.min}) must be below warning.max (${rule.warning.max})` });
    // Each side must be a valid threshold: the threshold schema checks its levels.
    for (const side of sides(rule)) {
      const parsed = thresholdSchema.safeParse(side);
      if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path.map(String), message: `${side.direction === 'below' ? 'min' : 'max'} side: ${issue.message}` });
    }
  });
export type RangeRule = z.infer<typeof rangeSchema>;
export interface RangeState {
  readonly low: ThresholdState;
  readonly high: ThresholdState;
}

type RangeLevels = Pick<RangeRule, 'id' | 'title' | 'titleZh' | 'source' | 'subject' | 'inhibit' | 'metric' | 'warning' | 'critical' | 'clear' | 'criticalClear' | 'for'>;

/** The two sides as threshold configs (`below` the min, `above` the max). */
function sides(rule: RangeLevels): [ThresholdRule, ThresholdRule] {
  const { id, title, titleZh, source, subject, inhibit, metric } = rule;
  const side = (direction: 'below' | 'above', key: 'min' | 'max'): ThresholdRule => ({
    id, title, titleZh, source, subject, inhibit, metric, direction, kind: 'threshold', for: rule.for,
    warning: rule.warning[key], critical: rule.critical?.[key], clear: rule.clear?.[key], criticalClear: rule.criticalClear?.[key],
  });
  return [side('below', 'min'), side('above', 'max')];
}

/** Side configs per rule object, built once (rules are parsed once and never change). */
const sidesOf = new WeakMap<RangeRule, [ThresholdRule, ThresholdRule]>();
function sidesFor(rule: RangeRule): [ThresholdRule, ThresholdRule] {
  let found = sidesOf.get(rule);
  if (found === undefined) sidesOf.set(rule, (found = sides(rule)));
  return found;
}

/** One ticket from two sides: a fire on one side while the other resolves is an update. Pure. */
export function combine(low: Decision, high: Decision): Decision {
  const [a, b] = [low, high];
  const fired = a.type === 'fire' ? a : b.type === 'fire' ? b : undefined;
  const resolved = a.type === 'resolve' || b.type === 'resolve';
  if (fired && resolved) return { type: 'update', severity: fired.severity };
  if (fired) return fired;
  const updated = a.type === 'update' ? a : b.type === 'update' ? b : undefined;
  if (updated) return updated;
  if (resolved) return { type: 'resolve' };
  return a.type === 'none' && a.ignored ? a : b;
}

export function evaluateRange(rule: RangeRule, state: RangeState, reading: { value: number; ts: number }): Evaluation<RangeState> {
  const [below, above] = sidesFor(rule);
  const low = evaluateThreshold(below, state.low, reading);
  const high = evaluateThreshold(above, state.high, reading);
  const decision = combine(low.decision, high.decision);
  const next = { low: low.state, high: high.state };
  return decision.type === 'none' ? { state: next, decision } : { state: next, decision, value: reading.value };
}

export const range: RuleKind<RangeRule, RangeState> = {
  schema: rangeSchema,
  metrics: (rule) => [rule.metric],
  worst: (rule) => ({ farthestFrom: (rule.warning.min + rule.warning.max) / 2 }),
  initial: () => ({ low: initialThresholdState, high: initialThresholdState }),
  resume(rule, severity, ticket) {
    // Firing on the side the ticket's last value is on (the middle when unknown: below).
    const side: ThresholdState = { phase: 'firing', lastTs: Number.NEGATIVE_INFINITY, severity };
    const high = ticket !== undefined && ticket.lastValue > (rule.warning.min + rule.warning.max) / 2;
    return high ? { low: initialThresholdState, high: side } : { low: side, high: initialThresholdState };
  },
  evaluate(rule, state, input) {
    const value = input.values.get(rule.metric);
    if (value === undefined) return { state, decision: { type: 'none' } };
    return evaluateRange(rule, state, { value, ts: input.ts });
  },
};

