/**
 * `compound`: a primary condition on one metric, corroborated by other metrics of the site
 * and/or by events elsewhere in the zone. Written for yellow water (rules/packs/yellow-water.yaml,
 * which cites its sources): turbidity above its limit together with colour or iron up, or a
 * turbidity rise within minutes after a pressure transient in the zone.
 *
 * - Primary: exactly a `threshold` on `metric` (`direction`, `warning` / `critical`, `clear`
 *   hysteresis, `criticalClear` de-escalation, `for` in event time), run by threshold.ts's own
 *   evaluateThreshold and checked by its own schema. Its onset is the first reading past the
 *   least severe level (the start of the `for` wait); the ticket's severity is the primary's
 *   (up at once, down only past `criticalClear`).
 * - `with`: conditions on other metrics of the site (`above` or `below` a level), from any device
 *   of the site with `subject: site` (they are `contextMetrics`), else from the same device.
 *   A condition is met by a reading past its level stamped no earlier than the primary onset
 *   minus `with.within`, or any time later while the event lasts. `match: any` (default) needs
 *   one condition, `all` every one.
 * - `after`: an onset (zone signal, zone-signals.ts) of one of `after.rules`, at any site of the
 *   zone (this one included), stamped within `after.within` before the primary onset, up to the
 *   onset itself. A signal stamped after the onset does not count: the cause comes first.
 * - `corroborate`: `any` (default) of the parts given (`with`, `after`) suffices, or `all`.
 * - Ticket: opens when the primary fires (after `for`) and is corroborated, at the reading that
 *   completes both; corroboration is kept for the event (it does not have to hold until the
 *   ticket opens). Not corroborated: no ticket, however long the primary holds. Resolves when
 *   the primary is back past `clear`; a primary that ends unopened leaves nothing.
 * - Opening reports the event's onset as a zone signal (`Evaluation.onset`), so other rules can
 *   listen to this one.
 * - Out of order: the primary and each `with` metric have their own last time (threshold.ts's
 *   policy); a reading new for none of them is dropped. Signals are matched in event time, so a
 *   late pressure batch still corroborates from the rule's next reading on.
 * - After a restart an open ticket resumes as firing and corroborated; it resolves on the
 *   primary alone.
 *
 * The ticket's metric is `metric`; its value the primary's latest value.
 */
import { z } from 'zod';
import { metricNameSchema, type MetricName } from '../../network/metrics.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import { durationSchema } from '../../network/duration.ts';
import type { Severity } from '../severity.ts';
import { ruleBaseSchema, type Decision, type Evaluation, type KindInput, type RuleKind, type ZoneView } from './kind.ts';
import { evaluateThreshold, initialThresholdState, thresholdSchema, type ThresholdRule, type ThresholdState } from './threshold.ts';

const metricSchema = metricNameSchema;
const ruleId = z.string().regex(ID_PATTERN, 'a rule id');

const conditionSchema = z
  .strictObject({
    metric: metricSchema.describe('Another metric of the site, canonical unit, e.g. color or iron'),
    above: z.number().finite().optional().describe('Met by a reading above this level'),
    below: z.number().finite().optional().describe('Met by a reading below this level'),
  })
  .describe('One corroborating condition; give `above` or `below`');

const withSchema = z
  .strictObject({
    match: z.enum(['any', 'all']).default('any').describe('"any" (default): one condition met corroborates; "all": every one must be'),
    within: durationSchema
      .default(600_000)
      .describe('A condition counts when met at most this long before the primary onset, or any time later while the event lasts; default 10m'),
    conditions: z.array(conditionSchema).min(1).describe('Conditions on other metrics of the same site'),
  })
  .describe('Corroboration by other metrics of the same site');

const afterSchema = z
  .strictObject({
    rules: z.array(ruleId).min(1).describe('Rules whose onsets in the same zone count (any site, this one included); they must be loaded'),
    within: durationSchema.describe('A signal counts when it began at most this long before the primary onset, and not after it'),
  })
  .describe('Corroboration by an earlier event in the zone, e.g. a pressure transient before a turbidity rise');

export const compoundSchema = ruleBaseSchema
  .extend({
    kind: z.literal('compound'),
    metric: metricSchema.describe('Primary metric, canonical unit; the ticket\'s metric'),
    direction: z.enum(['above', 'below']).describe('"above": values over a level are bad; "below": values under it are'),
    warning: z.number().finite().optional().describe('Primary warning level, canonical unit'),
    critical: z.number().finite().optional().describe('Primary critical level, canonical unit'),
    clear: z.number().finite().optional().describe('Hysteresis: once firing, the primary ends only when back past this level; default = the least severe level'),
    criticalClear: z
      .number()
      .finite()
      .optional()
      .describe('De-escalation: once critical, steps down to warning when back past this level (between warning and critical); absent = stays critical until resolved'),
    for: durationSchema.default(0).describe('How long (event time) the primary must hold before the ticket can open; default 0'),
    with: withSchema.optional(),
    after: afterSchema.optional(),
    corroborate: z.enum(['any', 'all']).default('any').describe('"any" (default): `with` or `after` corroborates; "all": both must'),
  })
  .superRefine((rule, ctx) => {
    for (const [path, message] of problems(rule)) ctx.addIssue({ code: 'custom', path, message });
  });

export type CompoundRule = z.infer<typeof compoundSchema>;
type Condition = z.infer<typeof conditionSchema>;

/** The primary condition as the threshold kind reads it. */
const primaryOf = (rule: CompoundRule): ThresholdRule => ({ ...rule, kind: 'threshold' });

function problems(rule: CompoundRule): [(string | number)[], string][] {
  const found: [(string | number)[], string][] = [];
  const { id, title, titleZh, source, metric, direction, warning, critical, clear, criticalClear } = rule;
  // The primary is a threshold: its levels are checked by the threshold schema itself.
  const primary = thresholdSchema.safeParse({ id, title, titleZh, source, kind: 'threshold', metric, direction, warning, critical, clear, criticalClear, for: rule.for });
  if (!primary.success) for (const issue of primary.error.issues) found.push([issue.path.map(String), issue.message]);
  if (rule.with === undefined && rule.after === undefined) found.push([[], 'give `with`, `after` or both: without corroboration use a threshold']);
  const metrics = new Set<MetricName>([metric]);
  rule.with?.conditions.forEach((condition, i) => {
    if ((condition.above === undefined) === (condition.below === undefined)) found.push([['with', 'conditions', i], 'give exactly one of `above` and `below`']);
    if (metrics.has(condition.metric)) found.push([['with', 'conditions', i, 'metric'], `${condition.metric} is the primary metric or appears twice`]);
    metrics.add(condition.metric);
  });
  if (rule.after !== undefined && rule.after.within <= 0) found.push([['after', 'within'], 'within must be longer than 0']);
  return found;
}

/** One `with` condition as last seen. */
interface Seen {
  /** Event time of the metric's last reading (its own out-of-order check). */
  readonly lastTs: number;
  /** Event time of the last reading that met the condition. */
  readonly metAt: number;
}

export interface CompoundState {
  readonly primary: ThresholdState;
  /** Event time the primary condition began, while it holds (pending or firing). */
  readonly onset: number | undefined;
  /** Latest value of the primary metric (the ticket's value on a context-only reading). */
  readonly last: number;
  /** Per `with` condition, in config order. */
  readonly seen: readonly Seen[];
  /** Corroborated during the current event. */
  readonly corroborated: boolean;
  /** Severity of the open ticket; undefined = no ticket open. */
  readonly opened: Severity | undefined;
}

const NEVER: Seen = { lastTs: Number.NEGATIVE_INFINITY, metAt: Number.NEGATIVE_INFINITY };
export const initialCompoundState: CompoundState = { primary: initialThresholdState, onset: undefined, last: Number.NaN, seen: [], corroborated: false, opened: undefined };

const met = (condition: Condition, value: number) => (condition.above !== undefined ? value > condition.above : condition.below !== undefined && value < condition.below);

/** The `with` conditions after this reading; `fresh` = some condition's metric was new. */
function observeWith(rule: CompoundRule, seen: readonly Seen[], input: KindInput): { seen: readonly Seen[]; fresh: boolean; late: boolean } {
  let fresh = false;
  let late = false;
  const next = (rule.with?.conditions ?? []).map((condition, i) => {
    const before = seen[i] ?? NEVER;
    const value = input.values.get(condition.metric);
    if (value === undefined || !Number.isFinite(value)) return before;
    if (!(input.ts > before.lastTs)) return (late = true), before;
    fresh = true;
    return { lastTs: input.ts, metAt: met(condition, value) ? input.ts : before.metAt };
  });
  return { seen: fresh ? next : seen, fresh, late };
}

/** Pure: do the configured parts corroborate an event that began at `onset`? */
export function corroborated(rule: CompoundRule, seen: readonly Seen[], zone: ZoneView | undefined, onset: number): boolean {
  const parts: boolean[] = [];
  if (rule.with !== undefined) {
    const since = onset - rule.with.within;
    const each = rule.with.conditions.map((_, i) => (seen[i] ?? NEVER).metAt >= since);
    parts.push(rule.with.match === 'all' ? each.every(Boolean) : each.some(Boolean));
  }
  if (rule.after !== undefined) {
    const { rules, within } = rule.after;
    parts.push(zone?.signals.some((signal) => rules.includes(signal.ruleId) && signal.at <= onset && signal.at >= onset - within) ?? false);
  }
  return rule.corroborate === 'all' ? parts.every(Boolean) : parts.some(Boolean);
}

/** Pure: the next state of one fingerprint and what to do about the reading. */
export function evaluateCompound(rule: CompoundRule, state: CompoundState, input: KindInput): Evaluation<CompoundState> {
  const observed = observeWith(rule, state.seen, input);
  const value = input.values.get(rule.metric);
  const step = value === undefined ? undefined : evaluateThreshold(primaryOf(rule), state.primary, { value, ts: input.ts });
  const primaryNew = step !== undefined && step.state !== state.primary;
  if (!primaryNew && !observed.fresh) {
    const late = observed.late || (step?.decision.type === 'none' && step.decision.ignored !== undefined);
    return { state, decision: late ? { type: 'none', ignored: 'out_of_order' } : NONE };
  }
  const primary = step?.state ?? state.primary;
  const last = primaryNew && value !== undefined ? value : state.last;
  if (primary.phase === 'quiet') {
    const next = { ...initialCompoundState, primary, last, seen: observed.seen };
    return state.opened === undefined ? { state: next, decision: NONE } : { state: next, decision: { type: 'resolve' }, value: last };
  }
  const onset = state.onset ?? input.ts;
  const isCorroborated = state.corroborated || corroborated(rule, observed.seen, input.zone, onset);
  const next: CompoundState = { primary, onset, last, seen: observed.seen, corroborated: isCorroborated, opened: state.opened };
  if (primary.phase !== 'firing') return { state: next, decision: NONE };
  if (state.opened !== undefined) {
    // Every primary reading goes on the ticket, at the primary's severity; a context-only reading changes nothing.
    const severity = primary.severity;
    return primaryNew ? { state: { ...next, opened: severity }, decision: { type: 'update', severity }, value: last } : { state: next, decision: NONE };
  }
  if (!isCorroborated) return { state: next, decision: NONE };
  return { state: { ...next, opened: primary.severity }, decision: { type: 'fire', severity: primary.severity }, value: last, onset };
}

const NONE: Decision = { type: 'none' };

export const compound: RuleKind<CompoundRule, CompoundState> = {
  schema: compoundSchema,
  metrics: (rule) => [rule.metric],
  contextMetrics: (rule) => rule.with?.conditions.map((condition) => condition.metric) ?? [],
  zoneSignals: (rule) => rule.after && { rules: rule.after.rules, withinMs: rule.after.within },
  worst: (rule) => (rule.direction === 'above' ? 'highest' : 'lowest'),
  initial: () => initialCompoundState,
  resume: (_rule, severity, ticket) => ({
    ...initialCompoundState,
    primary: { phase: 'firing', lastTs: Number.NEGATIVE_INFINITY, severity },
    onset: ticket?.openedAt ?? Number.NEGATIVE_INFINITY,
    last: ticket?.lastValue ?? Number.NaN,
    corroborated: true,
    opened: severity,
  }),
  evaluate: evaluateCompound,
};
