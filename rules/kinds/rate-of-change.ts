/**
 * `rate-of-change`: a metric moves by at least `amount` within `window` (a step, not a level),
 * e.g. pressure drops ≥ 50 kPa within 5 minutes → burst suspect. That test is a heuristic with
 * no official threshold (a practitioners' rule, not from a standard): packs cite it as such.
 *
 * - Onset: a reading `amount` or more past the opposite extreme of the window (for a drop: the
 *   highest value of the last `window`, which becomes the pre-event level `before`).
 * - `for`: the event must last that long (event time) before the ticket opens; it rides out pump
 *   trip transients (down to about -70 kPa for 40-50 s, as measured in the AwwaRF project
 *   "Field-Testing of Surge Modeling Predictions to Verify Occurrence of Distribution System
 *   Intrusion").
 * - Clear: `{ recovered: share }` — back by that share of the change, measured from the furthest
 *   level reached; or `{ within: x }` — back within x of `before`. While pending, meeting the clear
 *   condition drops the event; while firing, it resolves the ticket (actor system).
 * - Confirmation (optional): a second metric of the same site went `confirm.amount` past its own
 *   level before the event, e.g. a flow rise with a burst ("a step drop … that stays low, with a
 *   flow rise", the burst heuristic of rules/packs/bursts.yaml). The exact rule, with
 *   W = `confirm.window`: a reading of the confirming metric at time t with onset − W ≤ t ≤
 *   onset + W confirms when it is at least `amount` above (rise) / below (drop) the metric's
 *   pre-event level, the highest (rise) / lowest (drop) level it had in the W before min(t,
 *   onset). A reading after the onset is thus measured
 *   against the W before the onset; one before it (a flow that rose a reading before the drop was
 *   seen, or a flow logger stamped ahead of the pressure logger) against the W before itself. No
 *   reading in that W: the level is unknown and the reading does not confirm. The highest level,
 *   not the lowest, for a rise: a dip that comes back (a pump trip drops pressure and flow
 *   together, then both recover), even one seen a reading before the onset, never counts as a
 *   rise; the flow must go above where it was. A rise spread over several readings before the
 *   onset is measured reading by reading, each against the highest level of the W before it, so a
 *   slow ramp may not confirm.
 *   `required: true`: no ticket without it; an event the confirming metric has passed (its
 *   readings are later than onset + W) without confirming is dropped. `required: false`: the
 *   change alone opens at `severity`; confirmation escalates to `confirm.severity`. The kind lists
 *   the confirming metric in `contextMetrics`, so the router sends it readings of that metric too.
 *   With `subject: site` (default) they may come from another device of the site; with
 *   `subject: device`, only from the same device.
 *   The confirming metric is kept for 3 × W behind its newest reading (a reading W before the
 *   onset needs the W before it): if one stream runs further ahead of the other (a batch logger
 *   beside a streaming one), the confirmation is missed.
 * - Neighbour confirmation (optional, `confirm.neighbour`, with or without a confirming metric):
 *   a burst is a step drop seen by neighbouring loggers (the same heuristic). The event is
 *   confirmed once `neighbour.sites` other sites of the same zone reported an onset of one of
 *   `neighbour.rules` (default: this rule) within `neighbour.within` before or after this
 *   event's onset, in event time. Every event reports its own onset (`Evaluation.onset`); the
 *   engine keeps them as zone signals and passes them in `KindInput.zone` (zone-signals.ts). A
 *   neighbour's onset counts even if its event then cleared (a pump trip seen zone-wide): the
 *   event itself must still outlast `for`. A signal that arrives late confirms from this rule's
 *   next reading on. With `neighbour`, an unconfirmed event under `required: true` is never
 *   dropped early (a neighbour's batch may still come); it waits, without a ticket, until
 *   confirmed or cleared.
 * - Windows are kept per metric as at most 60 buckets (min, max) of span/60 each (span: `window`
 *   for the watched metric, 3 × `confirm.window` for the confirming one), so memory is bounded
 *   whatever the sampling rate (1-minute loggers, 100-250 Hz transient loggers); window edges are
 *   exact to one bucket. Each metric has its own out-of-order check (event time).
 * - Use `subject: device` where one site has several devices of the metric (booster suction and
 *   discharge): with `subject: site` their readings would share one window.
 * - After a restart the pre-event level is unknown; it is taken as the opening value ± `amount`
 *   (the least change that could have opened the ticket).
 *
 * The ticket's metric is `metric`; its value is the metric's latest value, its peak the furthest.
 */
import { z } from 'zod';
import { metricNameSchema, metrics, type MetricName } from '../../network/metrics.ts';
import { durationSchema } from '../../network/duration.ts';
import { severities, worseSeverity, type Severity } from '../severity.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import { ruleBaseSchema, type Decision, type Evaluation, type KindInput, type RuleKind, type ZoneView } from './kind.ts';

const metricSchema = metricNameSchema;
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

const neighbourSchema = z
  .strictObject({
    within: durationSchema.describe('A neighbour\'s onset counts when at most this long before or after this event\'s onset (event time), e.g. "5m"'),
    sites: z.number().int().min(1).default(1).describe('How many other sites of the zone must have seen an onset; default 1'),
    rules: z
      .array(z.string().regex(ID_PATTERN))
      .min(1)
      .optional()
      .describe('Rules whose onsets count, e.g. [main-pressure-drop, tap-pressure-drop]; they must be loaded; absent = this rule only'),
  })
  .describe('Confirmation by neighbouring loggers: an onset of `rules` at other sites of the same zone');

const confirmSchema = z
  .strictObject({
    metric: metricSchema.optional().describe('Second metric of the same site, e.g. flow; absent = neighbours only'),
    direction: directionSchema.optional().describe('Direction that confirms: "rise" (flow with a burst) or "drop"; with `metric`'),
    amount: z.number().positive().finite().optional().describe('Smallest confirming change, canonical unit of the second metric; with `metric`'),
    window: durationSchema.optional().describe('The confirming change must happen within this span before or after the onset (event time); with `metric`'),
    neighbour: neighbourSchema.optional(),
    required: z.boolean().default(true).describe('true (default): no ticket without confirmation; false: the change alone opens at `severity`, confirmation escalates'),
    severity: z.enum(severities).default('critical').describe('Severity once confirmed; default critical'),
  })
  .describe('Optional confirmation by a second metric at the same site and/or by neighbouring sites of the zone');

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
/** Confirmation by a second metric of the site, when `confirm` names one. */
interface Confirm {
  readonly metric: MetricName;
  readonly direction: Direction;
  readonly amount: number;
  readonly window: number;
}

/** The confirming metric of the rule, if any (the schema makes its four fields go together). */
function metricConfirm(rule: RateOfChangeRule): Confirm | undefined {
  const { metric, direction, amount, window } = rule.confirm ?? {};
  if (metric === undefined || direction === undefined || amount === undefined || window === undefined) return undefined;
  return { metric, direction, amount, window };
}

const span = (metric: MetricName) => metrics[metric].max - metrics[metric].min;

function problems(rule: RateOfChangeRule): [string[], string][] {
  const found: [string[], string][] = [];
  if (rule.window <= 0) found.push([['window'], 'window must be longer than 0']);
  if (rule.amount > span(rule.metric)) found.push([['amount'], `amount ${rule.amount} exceeds the physical range of ${rule.metric}`]);
  if ('within' in rule.clear && rule.clear.within >= rule.amount) {
    found.push([['clear', 'within'], `within (${rule.clear.within}) must be less than amount (${rule.amount}), or the event clears as it starts`]);
  }
  if (rule.confirm) found.push(...confirmProblems(rule, rule.confirm));
  return found;
}

function confirmProblems(rule: RateOfChangeRule, confirm: NonNullable<RateOfChangeRule['confirm']>): [string[], string][] {
  const found: [string[], string][] = [];
  const given = [confirm.metric, confirm.direction, confirm.amount, confirm.window].filter((field) => field !== undefined).length;
  if (given > 0 && given < 4) found.push([['confirm'], 'a confirming metric needs `metric`, `direction`, `amount` and `window` together']);
  if (given === 0 && confirm.neighbour === undefined) found.push([['confirm'], 'confirm by a second metric (`metric`, `direction`, `amount`, `window`), by `neighbour`, or both']);
  if (confirm.metric === rule.metric) found.push([['confirm', 'metric'], 'the confirming metric must differ from `metric`']);
  if (confirm.window !== undefined && confirm.window <= 0) found.push([['confirm', 'window'], 'window must be longer than 0']);
  if (confirm.metric !== undefined && confirm.amount !== undefined && confirm.amount > span(confirm.metric)) {
    found.push([['confirm', 'amount'], `amount exceeds the physical range of ${confirm.metric}`]);
  }
  if (confirm.neighbour !== undefined && confirm.neighbour.within <= 0) found.push([['confirm', 'neighbour', 'within'], 'within must be longer than 0']);
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

/** Did `neighbour.sites` other sites of the zone report an onset of the listed rules within `neighbour.within` of this onset? */
function confirmedByNeighbours(rule: RateOfChangeRule, zone: ZoneView | undefined, onset: number): boolean {
  const neighbour = rule.confirm?.neighbour;
  if (neighbour === undefined || zone === undefined) return false;
  const rules = neighbour.rules ?? [rule.id];
  const sites = new Set<string>();
  for (const signal of zone.signals) {
    if (signal.site !== zone.site && rules.includes(signal.ruleId) && Math.abs(signal.at - onset) <= neighbour.within) sites.add(signal.site);
  }
  return sites.size >= neighbour.sites;
}

/** How far back the confirming metric is kept, in `confirm.window`s: W before the onset, and the W before that as its pre-event level. */
const CONFIRM_SPANS = 3;

/**
 * Did the confirming metric go `amount` past its pre-event level within `window` of the onset?
 * Each bucket overlapping [onset − window, onset + window] is a candidate, measured against the
 * furthest level (highest for a rise) of the buckets that end within `window` before the earlier
 * of its start and the onset (the file comment states the rule).
 */
function confirmedAround(confirm: Confirm, series: Series, onset: number): boolean {
  const { direction, amount, window } = confirm;
  const width = bucketWidth(CONFIRM_SPANS * window);
  return series.buckets.some((candidate) => {
    if (candidate.start + width <= onset - window || candidate.start > onset + window) return false;
    const level = preEventLevel(direction, series.buckets, Math.min(candidate.start, onset), window, width);
    return level !== undefined && moved(direction, level, endLevel(direction, candidate)) >= amount;
  });
}

/** The furthest level in `direction` (highest for a rise) of the buckets ending within `window` before `end`; undefined: none. */
function preEventLevel(direction: Direction, buckets: readonly Bucket[], end: number, window: number, width: number): number | undefined {
  let level: number | undefined;
  for (const bucket of buckets) {
    const bucketEnd = bucket.start + width;
    if (bucketEnd > end) break; // oldest first: the rest are later
    if (bucketEnd > end - window) level = level === undefined ? endLevel(direction, bucket) : furthest(direction, level, endLevel(direction, bucket));
  }
  return level;
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
  const byMetric = metricConfirm(rule);
  const value = finite(input.values.get(rule.metric));
  const other = byMetric ? finite(input.values.get(byMetric.metric)) : undefined;
  const mainNew = value !== undefined && ts > state.main.lastTs;
  const otherNew = other !== undefined && ts > state.confirm.lastTs;
  if (!mainNew && !otherNew) {
    const late = (value !== undefined && ts <= state.main.lastTs) || (other !== undefined && ts <= state.confirm.lastTs);
    return { state, decision: late ? { type: 'none', ignored: 'out_of_order' } : { type: 'none' } };
  }
  const main = mainNew ? addSample(state.main, ts, value, rule.window) : state.main;
  const confirm = otherNew && byMetric ? addSample(state.confirm, ts, other, CONFIRM_SPANS * byMetric.window) : state.confirm;
  const event = nextEvent(rule, state.event, main, mainNew ? value : undefined);
  if (event === 'cleared') {
    const next = { main, confirm, event: undefined };
    return state.event?.severity === undefined ? quiet(next) : { state: next, decision: { type: 'resolve' }, value: main.last };
  }
  if (event === undefined) return quiet({ main, confirm, event });
  const evaluation = decide(rule, { main, confirm, event }, event, { ts, mainNew, zone: input.zone, byMetric });
  // A new event tells the zone (neighbour confirmation, compound `after`), whatever was decided.
  return state.event === undefined ? { ...evaluation, onset: event.onset } : evaluation;
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

/** What `decide` needs to know about the reading besides the state. */
interface Seen {
  readonly ts: number;
  /** The reading carried a new value of the watched metric. */
  readonly mainNew: boolean;
  readonly zone: ZoneView | undefined;
  readonly byMetric: Confirm | undefined;
}

/** Confirmation, `for`, firing and escalation of a live event. */
function decide(rule: RateOfChangeRule, state: RateOfChangeState, event: RateEvent, seen: Seen): Evaluation<RateOfChangeState> {
  const { ts, mainNew, byMetric } = seen;
  const confirmed =
    event.confirmed || (byMetric !== undefined && confirmedAround(byMetric, state.confirm, event.onset)) || confirmedByNeighbours(rule, seen.zone, event.onset);
  const value = Number.isFinite(state.main.last) ? state.main.last : event.extreme;
  if (event.severity !== undefined) {
    const severity = worseSeverity(event.severity, severityOf(rule, confirmed));
    const next = { ...state, event: { ...event, confirmed, severity } };
    // Every reading of the metric goes on the ticket; a confirming reading only when it escalates.
    if (!mainNew && severity === event.severity) return quiet(next);
    return { state: next, decision: { type: 'update', severity }, value };
  }
  const required = rule.confirm?.required === true;
  const passed = byMetric !== undefined && rule.confirm?.neighbour === undefined && state.confirm.lastTs > event.onset + byMetric.window;
  if (required && !confirmed && passed) return quiet({ ...state, event: undefined }); // the confirming metric went past the window without moving
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
  contextMetrics: (rule) => (rule.confirm?.metric ? [rule.confirm.metric] : []),
  zoneSignals(rule) {
    const neighbour = rule.confirm?.neighbour;
    return neighbour && { rules: neighbour.rules ?? [rule.id], withinMs: neighbour.within };
  },
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
