/**
 * `rate-of-change`: a metric moves by at least `amount` within `window` (a step, not a level),
 * e.g. pressure drops ≥ 50 kPa within 5 minutes → burst suspect. That test is a heuristic with
 * no official threshold (shared/DOMAIN.md, "Pressure"): packs cite it as such.
 *
 * - Onset: a reading `amount` or more past the opposite extreme of the window (for a drop: the
 *   highest value of the last `window`, which becomes the pre-event level `before`).
 * - `for`: the event must last that long (event time) before the ticket opens; it rides out pump
 *   trip transients (down to about -70 kPa for 40-50 s, shared/DOMAIN.md).
 * - Clear: `{ recovered: share }` — back by that share of the change, measured from the furthest
 *   level reached; or `{ within: x }` — back within x of `before`. While pending, meeting the clear
 *   condition drops the event; while firing, it resolves the ticket (actor system).
 * - Confirmation (optional): a second metric of the same site moved in its direction by
 *   `confirm.amount` within `confirm.window` of the onset (before or after it), e.g. a flow rise
 *   with a burst. `required: true`: no ticket without it; an event the confirming metric has
 *   passed (its readings are later than onset + window) without confirming is dropped.
 *   `required: false`: the change alone opens at `severity`; confirmation escalates to
 *   `confirm.severity`. The kind lists the confirming metric in `contextMetrics`, so the router
 *   sends it readings of that metric too. With `subject: site` (default) they may come from another
 *   device of the site; with `subject: device`, only from the same device.
 *   The confirming metric is kept for 2 × `confirm.window` behind its newest reading: if one
 *   stream runs further ahead of the other (a batch logger beside a streaming one), the
 *   confirmation is missed.
 *   Not yet: confirmation by a drop at another site of the same zone (needs zone-wide state).
 * - Windows are kept per metric as at most 60 buckets (min, max) of window/60 each, so memory is
 *   bounded whatever the sampling rate (1-minute loggers, 100-250 Hz transient loggers); window
 *   edges are exact to one bucket. Each metric has its own out-of-order check (event time).
 * - Use `subject: device` where one site has several devices of the metric (booster suction and
 *   discharge): with `subject: site` their readings would share one window.
 * - After a restart the pre-event level is unknown; it is taken as the opening value ± `amount`
 *   (the least change that could have opened the ticket).
 *
 * The ticket's metric is `metric`; its value is the metric's latest value, its peak the furthest.
 */
import { z } from 'zod';
import { metricNames, metrics, type MetricName } from '../../network/metrics.ts';
import { durationSchema } from '../duration.ts';
import { severities, worseSeverity, type Severity } from '../severity.ts';
import { ruleBaseSchema, type Decision, type Evaluation, type KindInput, type RuleKind } from './kind.ts';

const metricSchema = z.enum(metricNames as [MetricName, ...MetricName[]]);
const directionSchema = z.enum(['drop', 'rise']);
type Direction = z.infer<typeof directionSchema>;

const clearSchema = z.union([
  z.strictObject({
    recovered: z.number().gt(0).max(1).describe('Resolve once back by this share of the change, from the furthest level reached (0.8 = 80 %)'),
  }),
  z.strictObject({
    within: z.number().positive().finite().describe('Resolve once back within this distance of the pre-event level, canonical unit; less than `amount`'),
  }),
]);

const confirmSchema = z
  .strictObject({
    metric: metricSchema.describe('Second metric of the same site, e.g. flow'),
    direction: directionSchema.describe('Direction that confirms: "rise" (flow with a burst) or "drop"'),
    amount: z.number().positive().finite().describe('Smallest confirming change, canonical unit of the second metric'),
    window: durationSchema.describe('The confirming change must happen within this span before or after the onset (event time)'),
    required: z.boolean().default(true).describe('true (default): no ticket without confirmation; false: the change alone opens at `severity`, confirmation escalates'),
    severity: z.enum(severities).default('critical').describe('Severity once confirmed; default critical'),
  })
  .describe('Optional confirmation by a second signal at the same site');

export const rateOfChangeSchema = ruleBaseSchema
  .extend({
    kind: z.literal('rate-of-change'),
    metric: metricSchema.describe('Metric watched, in its canonical unit'),
    direction: directionSchema.describe('"drop": a fall is bad (pressure at a burst); "rise": a climb is'),
    amount: z.number().positive().finite().describe('Smallest change that counts, canonical unit (e.g. 50 kPa)'),
    window: durationSchema.describe('The change must happen within this span (event time), e.g. "5m"'),
    for: durationSchema.default(0).describe('How long the event must last (not cleared) before the ticket opens; default 0'),
    clear: clearSchema.default({ recovered: 0.8 }).describe('When the event is over; default { recovered: 0.8 }'),
    severity: z.enum(severities).default('warning').describe('Severity of an unconfirmed change (no `confirm`, or `confirm.required: false`); default warning'),
    confirm: confirmSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    for (const [path, message] of problems(rule)) ctx.addIssue({ code: 'custom', path, message });
  });

export type RateOfChangeRule = z.infer<typeof rateOfChangeSchema>;
type Confirm = NonNullable<RateOfChangeRule['confirm']>;

function problems(rule: RateOfChangeRule): [string[], string][] {
  const found: [string[], string][] = [];
  const span = (metric: MetricName) => metrics[metric].max - metrics[metric].min;
  if (rule.window <= 0) found.push([['window'], 'window must be longer than 0']);
  if (rule.amount > span(rule.metric)) found.push([['amount'], `amount ${rule.amount} exceeds the physical range of ${rule.metric}`]);
  if ('within' in rule.clear && rule.clear.within >= rule.amount) {
    found.push([['clear', 'within'], `within (${rule.clear.within}) must be less than amount (${rule.amount}), or the event clears as it starts`]);
  }
  if (rule.confirm) {
    if (rule.confirm.metric === rule.metric) found.push([['confirm', 'metric'], 'the confirming metric must differ from `metric`']);
    if (rule.confirm.window <= 0) found.push([['confirm', 'window'], 'window must be longer than 0']);
    if (rule.confirm.amount > span(rule.confirm.metric)) found.push([['confirm', 'amount'], `amount exceeds the physical range of ${rule.confirm.metric}`]);
  }
  return found;
}

// ---- Bounded windows ----------------------------------------------------------------------

/** Buckets per window: the resolution of window edges is window / BUCKETS. */
const BUCKETS = 60;

interface Bucket {
  readonly start: number;
  readonly min: number;
  readonly max: number;
}

/** Recent samples of one metric, as buckets (oldest first) covering at least `span` ms. */
export interface Series {
  readonly lastTs: number;
  readonly last: number;
  readonly buckets: readonly Bucket[];
}

const emptySeries: Series = { lastTs: Number.NEGATIVE_INFINITY, last: Number.NaN, buckets: [] };
const bucketWidth = (spanMs: number) => Math.max(1, Math.ceil(spanMs / BUCKETS));

/** Adds a sample newer than `lastTs` and forgets buckets wholly older than `spanMs` before it. */
function addSample(series: Series, ts: number, value: number, spanMs: number): Series {
  const width = bucketWidth(spanMs);
  const start = Math.floor(ts / width) * width;
  const buckets = series.buckets.filter((bucket) => bucket.start + width > ts - spanMs);
  const newest = buckets.at(-1);
  if (newest?.start === start) buckets[buckets.length - 1] = { start, min: Math.min(newest.min, value), max: Math.max(newest.max, value) };
  else buckets.push({ start, min: value, max: value });
  return { lastTs: ts, last: value, buckets };
}

/** Signed change from `from` to `to`: positive when it goes the rule's way. */
const moved = (direction: Direction, from: number, to: number) => (direction === 'drop' ? from - to : to - from);
/** The extreme a change is measured from: the highest level for a drop, the lowest for a rise. */
const startLevel = (direction: Direction, bucket: Bucket) => (direction === 'drop' ? bucket.max : bucket.min);
const endLevel = (direction: Direction, bucket: Bucket) => (direction === 'drop' ? bucket.min : bucket.max);
const furthest = (direction: Direction, a: number, b: number) => (direction === 'drop' ? Math.min(a, b) : Math.max(a, b));
const earliest = (direction: Direction, a: number, b: number) => (direction === 'drop' ? Math.max(a, b) : Math.min(a, b));

/** Did the confirming metric move by `amount` within `window` of the onset (earlier bucket → later bucket)? */
function confirmedAround(confirm: Confirm, series: Series, onset: number): boolean {
  const width = bucketWidth(2 * confirm.window);
  let from: number | undefined;
  for (const bucket of series.buckets) {
    if (bucket.start + width <= onset - confirm.window || bucket.start > onset + confirm.window) continue;
    if (from !== undefined && moved(confirm.direction, from, endLevel(confirm.direction, bucket)) >= confirm.amount) return true;
    from = from === undefined ? startLevel(confirm.direction, bucket) : earliest(confirm.direction, from, startLevel(confirm.direction, bucket));
  }
  return false;
}

// ---- Evaluation ---------------------------------------------------------------------------

interface RateEvent {
  /** Event time of the reading that showed the change. */
  readonly onset: number;
  /** Pre-event level. */
  readonly before: number;
  /** Furthest level since the onset (lowest for a drop). */
  readonly extreme: number;
  readonly confirmed: boolean;
  /** Set once the ticket is open. */
  readonly severity: Severity | undefined;
}

export interface RateOfChangeState {
  readonly main: Series;
  readonly confirm: Series;
  readonly event: RateEvent | undefined;
}

export const initialRateOfChangeState: RateOfChangeState = { main: emptySeries, confirm: emptySeries, event: undefined };

function cleared(rule: RateOfChangeRule, event: RateEvent, value: number): boolean {
  const back = moved(rule.direction, value, event.extreme); // how far it came back from the furthest level
  if ('within' in rule.clear) return moved(rule.direction, event.before, value) <= rule.clear.within;
  return back >= rule.clear.recovered * moved(rule.direction, event.before, event.extreme);
}

const severityOf = (rule: RateOfChangeRule, confirmed: boolean): Severity => (confirmed && rule.confirm ? rule.confirm.severity : rule.severity);

/** Pure: the next state of one fingerprint and what to do about the reading. */
export function evaluateRateOfChange(rule: RateOfChangeRule, state: RateOfChangeState, input: KindInput): Evaluation<RateOfChangeState> {
  const { ts } = input;
  const value = finite(input.values.get(rule.metric));
  const other = rule.confirm ? finite(input.values.get(rule.confirm.metric)) : undefined;
  const mainNew = value !== undefined && ts > state.main.lastTs;
  const otherNew = other !== undefined && rule.confirm !== undefined && ts > state.confirm.lastTs;
  if (!mainNew && !otherNew) {
    const late = (value !== undefined && ts <= state.main.lastTs) || (other !== undefined && ts <= state.confirm.lastTs);
    return { state, decision: late ? { type: 'none', ignored: 'out_of_order' } : { type: 'none' } };
  }
  const main = mainNew ? addSample(state.main, ts, value, rule.window) : state.main;
  const confirm = otherNew && rule.confirm ? addSample(state.confirm, ts, other, 2 * rule.confirm.window) : state.confirm;
  const event = nextEvent(rule, state.event, main, mainNew ? value : undefined);
  if (event === 'cleared') {
    const next = { main, confirm, event: undefined };
    return state.event?.severity === undefined ? quiet(next) : { state: next, decision: { type: 'resolve' }, value: main.last };
  }
  if (event === undefined) return quiet({ main, confirm, event });
  return decide(rule, { main, confirm, event }, event, ts, mainNew);
}

/** Onset, furthest level and clearing, from a new reading of the watched metric (if any). */
function nextEvent(rule: RateOfChangeRule, event: RateEvent | undefined, main: Series, value: number | undefined): RateEvent | 'cleared' | undefined {
  if (value === undefined) return event;
  if (event === undefined) {
    const before = main.buckets.reduce((level, bucket) => earliest(rule.direction, level, startLevel(rule.direction, bucket)), value);
    if (moved(rule.direction, before, value) < rule.amount) return undefined;
    return { onset: main.lastTs, before, extreme: value, confirmed: false, severity: undefined };
  }
  const updated = { ...event, extreme: furthest(rule.direction, event.extreme, value) };
  return cleared(rule, updated, value) ? 'cleared' : updated;
}

/** Confirmation, `for`, firing and escalation of a live event. */
function decide(rule: RateOfChangeRule, state: RateOfChangeState, event: RateEvent, ts: number, mainNew: boolean): Evaluation<RateOfChangeState> {
  const confirmed = event.confirmed || (rule.confirm !== undefined && confirmedAround(rule.confirm, state.confirm, event.onset));
  const value = Number.isFinite(state.main.last) ? state.main.last : event.extreme;
  if (event.severity !== undefined) {
    const severity = worseSeverity(event.severity, severityOf(rule, confirmed));
    const next = { ...state, event: { ...event, confirmed, severity } };
    // Every reading of the metric goes on the ticket; a confirming reading only when it escalates.
    if (!mainNew && severity === event.severity) return quiet(next);
    return { state: next, decision: { type: 'update', severity }, value };
  }
  const required = rule.confirm?.required === true;
  if (required && !confirmed && state.confirm.lastTs > event.onset + (rule.confirm?.window ?? 0)) {
    return quiet({ ...state, event: undefined }); // the confirming metric went past the window without moving
  }
  if (ts - event.onset < rule.for || (required && !confirmed)) return quiet({ ...state, event: { ...event, confirmed } });
  const severity = severityOf(rule, confirmed);
  return { state: { ...state, event: { ...event, confirmed, severity } }, decision: { type: 'fire', severity }, value };
}

const NONE: Decision = { type: 'none' };
const quiet = (state: RateOfChangeState): Evaluation<RateOfChangeState> => ({ state, decision: NONE });
const finite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : undefined);

export const rateOfChange: RuleKind<RateOfChangeRule, RateOfChangeState> = {
  schema: rateOfChangeSchema,
  metrics: (rule) => [rule.metric],
  contextMetrics: (rule) => (rule.confirm ? [rule.confirm.metric] : []),
  worst: (rule) => (rule.direction === 'drop' ? 'lowest' : 'highest'),
  initial: () => initialRateOfChangeState,
  resume(rule, severity, ticket) {
    const opened = ticket?.firstValue ?? Number.NaN; // NaN: never clears by itself; a person resolves it
    const before = rule.direction === 'drop' ? opened + rule.amount : opened - rule.amount;
    const confirmed = rule.confirm === undefined || severity === rule.confirm.severity;
    const event = { onset: ticket?.openedAt ?? Number.NEGATIVE_INFINITY, before, extreme: ticket?.peakValue ?? opened, confirmed, severity };
    return { ...initialRateOfChangeState, event };
  },
  evaluate: evaluateRateOfChange,
};
