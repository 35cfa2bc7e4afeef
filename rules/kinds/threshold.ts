/**
 * `threshold`: a metric past a level (above or below) for a while opens a ticket.
 *
 * - Levels: `warning` and/or `critical`; the severity is the most severe level crossed.
 * - `for`: the condition must hold that long, measured on the readings' own timestamps (event
 *   time), never on the wall clock, so replays and accelerated simulations behave as in real
 *   time. A reading back inside the limits while pending starts the wait over.
 * - Hysteresis: once firing, the rule resolves only when a reading is back past `clear`
 *   (default: the least severe level). A value between `clear` and that level keeps it firing.
 * - Escalation is immediate (no second `for`). De-escalation only with `criticalClear`: a
 *   critical ticket steps down to warning once a reading is back past that level, a hysteresis
 *   band below critical so a value wobbling around it does not chatter (deadband against
 *   chattering alarms, ANSI/ISA-18.2-2016). Without it, severity never steps down while firing.
 * - Out-of-order policy: a reading stamped at or before the last evaluated one is dropped for
 *   evaluation (QoS 1 redeliveries included); it is still stored by ingest.
 */
import { z } from 'zod';
import { metricNameSchema, metrics } from '../../network/metrics.ts';
import { durationSchema } from '../../network/duration.ts';
import { worseSeverity, type Severity } from '../severity.ts';
import { ruleBaseSchema, type Evaluation, type MetricSample, type RuleKind } from './kind.ts';

export const thresholdSchema = ruleBaseSchema
  .extend({
    kind: z.literal('threshold'),
    metric: metricNameSchema.describe('Metric watched, in its canonical unit'),
    direction: z.enum(['above', 'below']).describe('"above": values over a level are bad; "below": values under it are'),
    warning: z.number().finite().optional().describe('Warning level, canonical unit'),
    critical: z.number().finite().optional().describe('Critical level, canonical unit'),
    clear: z
      .number()
      .finite()
      .optional()
      .describe('Hysteresis: once firing, resolves only when back past this level; default = the least severe level'),
    criticalClear: z
      .number()
      .finite()
      .optional()
      .describe('De-escalation: once critical, steps down to warning when back past this level (between warning and critical); absent = stays critical until resolved'),
    for: durationSchema.default(0).describe('How long (event time) the condition must hold before the ticket opens; default 0'),
  })
  .superRefine((rule, ctx) => {
    for (const message of levelProblems(rule)) ctx.addIssue({ code: 'custom', message, path: ['warning'] });
  });

export type ThresholdRule = z.infer<typeof thresholdSchema>;
type Levels = Pick<ThresholdRule, 'metric' | 'direction' | 'warning' | 'critical' | 'clear'> & { readonly criticalClear?: number | undefined };

export type ThresholdState =
  | { readonly phase: 'quiet'; readonly lastTs: number }
  | { readonly phase: 'pending'; readonly lastTs: number; readonly since: number }
  | { readonly phase: 'firing'; readonly lastTs: number; readonly severity: Severity };

function levelProblems(rule: Levels): string[] {
  const { warning, critical, clear } = rule;
  const least = warning ?? critical;
  if (least === undefined) return ['give a warning or a critical level (or both)'];
  const problems: string[] = [];
  const worse = (a: number, b: number) => (rule.direction === 'above' ? a > b : a < b);
  if (warning !== undefined && critical !== undefined && !worse(critical, warning)) {
    problems.push(`critical (${critical}) must be ${rule.direction} warning (${warning})`);
  }
  if (clear !== undefined && worse(clear, least)) {
    problems.push(`clear (${clear}) must not be ${rule.direction} the least severe level (${least})`);
  }
  const { criticalClear } = rule;
  if (criticalClear !== undefined && (warning === undefined || critical === undefined || worse(criticalClear, critical) || !worse(criticalClear, warning))) {
    problems.push(`criticalClear (${criticalClear}) needs warning and critical levels and must lie between them`);
  }
  const { min, max, unit } = metrics[rule.metric];
  for (const level of [warning, critical, clear]) {
    if (level !== undefined && (level < min || level > max)) {
      problems.push(`level ${level} is outside the physical range of ${rule.metric} (${min}..${max} ${unit})`);
    }
  }
  return problems;
}

const beyond = (rule: Levels, value: number, level: number | undefined): boolean =>
  level !== undefined && (rule.direction === 'above' ? value > level : value < level);

/** The most severe level the value is past, if any. */
export function crossedSeverity(rule: Levels, value: number): Severity | undefined {
  if (beyond(rule, value, rule.critical)) return 'critical';
  if (beyond(rule, value, rule.warning)) return 'warning';
  return undefined;
}

/** The level a firing rule must get back past to resolve. */
export function clearLevel(rule: Levels): number {
  // levelProblems guarantees one of warning / critical.
  return rule.clear ?? rule.warning ?? rule.critical ?? Number.NaN;
}

/** The severity of a firing rule after `value`: up at once, down only past `criticalClear`. */
function firingSeverity(rule: Levels, current: Severity, value: number): Severity {
  const crossed = crossedSeverity(rule, value);
  const severity = crossed ? worseSeverity(current, crossed) : current;
  if (severity === 'critical' && rule.criticalClear !== undefined && !beyond(rule, value, rule.criticalClear)) return 'warning';
  return severity;
}

export const initialThresholdState: ThresholdState = { phase: 'quiet', lastTs: Number.NEGATIVE_INFINITY };

/** Pure: the next state of one fingerprint and what to do about the reading. */
export function evaluateThreshold(rule: ThresholdRule, state: ThresholdState, reading: MetricSample): Evaluation<ThresholdState> {
  const { value, ts } = reading;
  if (!(ts > state.lastTs)) return { state, decision: { type: 'none', ignored: 'out_of_order' } };
  if (!Number.isFinite(value)) return { state, decision: { type: 'none' } };
  if (state.phase === 'firing') {
    if (!beyond(rule, value, clearLevel(rule))) return { state: { phase: 'quiet', lastTs: ts }, decision: { type: 'resolve' }, value };
    const severity = firingSeverity(rule, state.severity, value);
    return { state: { phase: 'firing', lastTs: ts, severity }, decision: { type: 'update', severity }, value };
  }
  const crossed = crossedSeverity(rule, value);
  if (crossed === undefined) return { state: { phase: 'quiet', lastTs: ts }, decision: { type: 'none' } };
  const since = state.phase === 'pending' ? state.since : ts;
  if (ts - since < rule.for) return { state: { phase: 'pending', lastTs: ts, since }, decision: { type: 'none' } };
  return { state: { phase: 'firing', lastTs: ts, severity: crossed }, decision: { type: 'fire', severity: crossed }, value };
}

export const threshold: RuleKind<ThresholdRule, ThresholdState> = {
  schema: thresholdSchema,
  metrics: (rule) => [rule.metric],
  worst: (rule) => (rule.direction === 'above' ? 'highest' : 'lowest'),
  initial: () => initialThresholdState,
  resume: (_rule, severity) => ({ phase: 'firing', lastTs: Number.NEGATIVE_INFINITY, severity }),
  evaluate(rule, state, input) {
    const value = input.values.get(rule.metric);
    if (value === undefined) return { state, decision: { type: 'none' } };
    return evaluateThreshold(rule, state, { value, ts: input.ts });
  },
};
