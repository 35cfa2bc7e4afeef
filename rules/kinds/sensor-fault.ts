/**
 * `sensor-fault`: readings that show a faulty instrument rather than the water. Two modes
 * (`fault`), both common failure modes of online water-quality sensors (operational practice, not
 * a standard; rules/packs/sensor-health.yaml). Tickets are maintenance work (default severity
 * maintenance); with `inhibit: true` the device's readings of the metric are kept from the
 * process rules while the ticket is open (kind.ts `inhibit`).
 *
 * `fault: spikes` — air-bubble spikes, short false highs in turbidity:
 * - A spike: at most `maxSpikeSamples` readings that stand `height` (absolute) and/or `ratio`
 *   (relative) above the reading before them, followed by a reading they also stand that far
 *   above ("back"). Every given criterion must hold. A rise that is still up after
 *   `maxSpikeSamples` readings is not a spike: yellow water steps up and stays up for minutes to
 *   hours (rules/packs/yellow-water.yaml), so it never counts. `ratio` keeps the wobble of a
 *   real event (3 → 5 → 3 NTU) from counting; give `height` with it for metrics that read 0.
 * - One spike never fires: a bubble is a symptom, not a ticket. `spikes` spikes within `window`
 *   (by the spikes' event times) open the ticket; each later spike updates it (value = the
 *   spike's peak). Other readings write nothing.
 * - The ticket resolves at the first reading `quiet` (default `window`) after the last spike.
 * - Memory: the newest `spikes` spike times and one pending candidate, whatever the rate. The
 *   spike length is counted in samples, so set `maxSpikeSamples` for the device's sampling rate.
 *
 * `fault: range` — outside the instrument's measuring range, or pinned at one of its ends:
 * - Ingest already rejects values outside the metric's physical range (network/metrics.ts); this
 *   mode catches values inside it but at or beyond the instrument's `range`: saturation at the
 *   range top (online turbidimeters have ranges up to 0-4000 NTU, a typical instrument range), or
 *   a reading stuck at a range end.
 * - Readings at or above `range.max` (or at or below `range.min`) for `for` (event time) open the
 *   ticket; every such reading updates it; the first reading strictly inside resolves it. A
 *   reading inside while pending starts the wait over.
 *
 * Both modes: a reading stamped at or before the last one is ignored (`out_of_order`); after a
 * restart an open ticket resumes as firing (spikes: the quiet wait counts from the first reading
 * after the restart; range: the first reading inside resolves).
 */
import { z } from 'zod';
import { metricNameSchema, metrics } from '../../network/metrics.ts';
import { durationSchema } from '../../network/duration.ts';
import { severities, type Severity } from '../severity.ts';
import { ruleBaseSchema, type Decision, type Evaluation, type KindInput, type RuleKind } from './kind.ts';

type Issue = [path: string[], message: string];

const commonSchema = ruleBaseSchema.extend({
  kind: z.literal('sensor-fault'),
  metric: metricNameSchema.describe('Metric watched, in its canonical unit'),
  severity: z.enum(severities).default('maintenance').describe('Severity of the ticket; default maintenance (low priority)'),
});

export const spikeFaultSchema = commonSchema
  .extend({
    fault: z.literal('spikes').describe('Short false highs (air bubbles in a turbidimeter)'),
    height: z.number().positive().finite().optional().describe('A spike stands at least this far above its neighbours, canonical unit'),
    ratio: z.number().gt(1).finite().optional().describe('A spike is at least this many times its neighbours (3 = three times); for metrics that are never negative'),
    maxSpikeSamples: z.number().int().min(1).max(100).default(1).describe('Longest spike, in readings; default 1 (1-minute data)'),
    spikes: z.number().int().min(2).max(100).default(3).describe('Spikes within `window` that open the ticket; at least 2 (one spike never fires); default 3'),
    window: durationSchema.default(3_600_000).describe('Span the spikes must fall in, event time; default 1h'),
    quiet: durationSchema.optional().describe('Resolve at the first reading this long after the last spike; default `window`'),
  })
  .superRefine((rule, ctx) => {
    const issues: Issue[] = [];
    if (rule.height === undefined && rule.ratio === undefined) issues.push([['height'], 'give a height or a ratio (or both)']);
    const { min, max, unit } = metrics[rule.metric];
    if (rule.height !== undefined && rule.height > max - min) issues.push([['height'], `height exceeds the physical range of ${rule.metric} (${min}..${max} ${unit})`]);
    if (rule.window <= 0) issues.push([['window'], 'window must be longer than 0']);
    if (rule.quiet !== undefined && rule.quiet <= 0) issues.push([['quiet'], 'quiet must be longer than 0']);
    for (const [path, message] of issues) ctx.addIssue({ code: 'custom', path, message });
  });

export const rangeFaultSchema = commonSchema
  .extend({
    fault: z.literal('range').describe("Outside the instrument's measuring range, or pinned at one of its ends"),
    range: z
      .strictObject({
        min: z.number().finite().optional().describe('Bottom of the measuring range: readings at or below it count'),
        max: z.number().finite().optional().describe('Top of the measuring range (saturation): readings at or above it count'),
      })
      .describe('The instrument measuring range, canonical unit; give min, max or both'),
    for: durationSchema.default(300_000).describe('How long (event time) readings must stay at or past a range end; default 5m'),
  })
  .superRefine((rule, ctx) => {
    const issues: Issue[] = [];
    const { min, max } = rule.range;
    const spec = metrics[rule.metric];
    if (min === undefined && max === undefined) issues.push([['range'], 'give range.min, range.max or both']);
    if (min !== undefined && max !== undefined && !(min < max)) issues.push([['range', 'min'], `range.min (${min}) must be below range.max (${max})`]);
    for (const [end, level] of [['min', min], ['max', max]] as const) {
      if (level !== undefined && (level < spec.min || level > spec.max)) {
        issues.push([['range', end], `range.${end} ${level} is outside the physical range of ${rule.metric} (${spec.min}..${spec.max} ${spec.unit})`]);
      }
    }
    for (const [path, message] of issues) ctx.addIssue({ code: 'custom', path, message });
  });

/** Any sensor-fault rule, told apart by `fault`. */
export const sensorFaultSchema = z.discriminatedUnion('fault', [spikeFaultSchema, rangeFaultSchema]);

export type SpikeFaultRule = z.infer<typeof spikeFaultSchema>;
export type RangeFaultRule = z.infer<typeof rangeFaultSchema>;
export type SensorFaultRule = z.infer<typeof sensorFaultSchema>;

// ---- Spikes -------------------------------------------------------------------------------

interface SpikeCandidate {
  /** Event time of its first reading. */
  readonly ts: number;
  readonly samples: number;
  /** Lowest and highest of its readings. */
  readonly low: number;
  readonly peak: number;
}

export interface SpikeState {
  readonly mode: 'spikes';
  readonly lastTs: number;
  /** The last reading not inside a candidate spike: the level before a spike. */
  readonly before: number | undefined;
  readonly candidate: SpikeCandidate | undefined;
  /** Event times of the newest spikes, oldest first; at most `spikes` of them. */
  readonly recent: readonly number[];
  /** Event time of the last spike; undefined after a restart until the first reading. */
  readonly lastSpike: number | undefined;
  /** Set while the ticket is open. */
  readonly severity: Severity | undefined;
}

const initialSpikeState: SpikeState = { mode: 'spikes', lastTs: Number.NEGATIVE_INFINITY, before: undefined, candidate: undefined, recent: [], lastSpike: undefined, severity: undefined };

/** Does `high` stand far enough above `level` to be (part of) a spike? */
function standsAbove(rule: SpikeFaultRule, high: number, level: number): boolean {
  if (rule.height !== undefined && !(high - level >= rule.height)) return false;
  if (rule.ratio !== undefined && !(high >= rule.ratio * level && high > level)) return false;
  return true;
}

/** Spike detection for one reading: the next state, and the spike the reading completed, if any. */
function detect(rule: SpikeFaultRule, state: SpikeState, ts: number, value: number): { state: SpikeState; spike?: SpikeCandidate } {
  const { candidate, before } = state;
  const settled = { ...state, lastTs: ts, before: value, candidate: undefined };
  if (candidate === undefined) {
    if (before !== undefined && standsAbove(rule, value, before)) {
      return { state: { ...state, lastTs: ts, candidate: { ts, samples: 1, low: value, peak: value } } };
    }
    return { state: settled };
  }
  if (standsAbove(rule, candidate.low, value)) return { state: settled, spike: candidate }; // back: a spike
  if (before !== undefined && standsAbove(rule, value, before) && candidate.samples < rule.maxSpikeSamples) {
    const longer = { ts: candidate.ts, samples: candidate.samples + 1, low: Math.min(candidate.low, value), peak: Math.max(candidate.peak, value) };
    return { state: { ...state, lastTs: ts, candidate: longer } };
  }
  return { state: settled }; // stayed up (a real rise) or came half-way back: not a spike
}

function evaluateSpikes(rule: SpikeFaultRule, previous: SpikeState, ts: number, value: number): Evaluation<SpikeState> {
  const { state, spike } = detect(rule, previous, ts, value);
  const quiet = rule.quiet ?? rule.window;
  if (spike === undefined) {
    if (state.severity === undefined) return none(state);
    if (state.lastSpike === undefined) return none({ ...state, lastSpike: ts }); // resumed: the quiet wait starts now
    if (ts - state.lastSpike < quiet) return none(state);
    return { state: { ...state, recent: [], severity: undefined }, decision: { type: 'resolve' }, value };
  }
  const recent = [...state.recent, spike.ts].filter((at) => at > spike.ts - rule.window).slice(-rule.spikes);
  const next = { ...state, recent, lastSpike: spike.ts };
  if (state.severity !== undefined) return { state: next, decision: { type: 'update', severity: state.severity }, value: spike.peak };
  if (recent.length < rule.spikes) return none(next);
  return { state: { ...next, severity: rule.severity }, decision: { type: 'fire', severity: rule.severity }, value: spike.peak };
}

// ---- Range --------------------------------------------------------------------------------

export interface RangeState {
  readonly mode: 'range';
  readonly lastTs: number;
  /** Event time the readings reached a range end; undefined while inside. */
  readonly since: number | undefined;
  readonly severity: Severity | undefined;
}

const initialRangeState: RangeState = { mode: 'range', lastTs: Number.NEGATIVE_INFINITY, since: undefined, severity: undefined };

/** At or past an end of the instrument's range? */
export function atRangeEnd(rule: RangeFaultRule, value: number): boolean {
  const { min, max } = rule.range;
  return (max !== undefined && value >= max) || (min !== undefined && value <= min);
}

function evaluateRange(rule: RangeFaultRule, state: RangeState, ts: number, value: number): Evaluation<RangeState> {
  const pinned = atRangeEnd(rule, value);
  if (state.severity !== undefined) {
    if (pinned) return { state: { ...state, lastTs: ts }, decision: { type: 'update', severity: state.severity }, value };
    return { state: { ...initialRangeState, lastTs: ts }, decision: { type: 'resolve' }, value };
  }
  if (!pinned) return none({ ...initialRangeState, lastTs: ts });
  const since = state.since ?? ts;
  if (ts - since < rule.for) return none({ ...state, lastTs: ts, since });
  return { state: { ...state, lastTs: ts, since, severity: rule.severity }, decision: { type: 'fire', severity: rule.severity }, value };
}

// ---- The kind -----------------------------------------------------------------------------

export type SensorFaultState = SpikeState | RangeState;

const NONE: Decision = { type: 'none' };
const none = <State>(state: State): Evaluation<State> => ({ state, decision: NONE });

/** Pure: the next state of one fingerprint and what to do about the reading. */
export function evaluateSensorFault(rule: SensorFaultRule, state: SensorFaultState, input: KindInput): Evaluation<SensorFaultState> {
  const value = input.values.get(rule.metric);
  if (value === undefined || !Number.isFinite(value)) return none(state);
  if (!(input.ts > state.lastTs)) return { state, decision: { type: 'none', ignored: 'out_of_order' } };
  if (rule.fault === 'spikes') return evaluateSpikes(rule, state.mode === 'spikes' ? state : initialSpikeState, input.ts, value);
  return evaluateRange(rule, state.mode === 'range' ? state : initialRangeState, input.ts, value);
}

export const initialSensorFaultState = (rule: SensorFaultRule): SensorFaultState => (rule.fault === 'spikes' ? initialSpikeState : initialRangeState);

export const sensorFault: RuleKind<SensorFaultRule, SensorFaultState> = {
  schema: sensorFaultSchema,
  metrics: (rule) => [rule.metric],
  // Spikes and saturation are false highs; a range with only a bottom end is about lows.
  worst: (rule) => (rule.fault === 'range' && rule.range.max === undefined ? 'lowest' : 'highest'),
  initial: initialSensorFaultState,
  resume: (rule, severity) => ({ ...initialSensorFaultState(rule), severity }),
  evaluate: evaluateSensorFault,
};
