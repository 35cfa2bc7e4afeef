/**
 * `flatline`: a metric that stops moving. Real analysers always jitter (noise, resolution steps);
 * a turbidity or chlorine reading that stays exactly the same for hours is a stuck sensor, a
 * frozen transmitter or a gateway repeating its last value. Flatline is one of the common failure
 * modes of online sensors (operational practice, not a standard). The ticket is maintenance work
 * (clean, calibrate, replace), not a process alarm; with `inhibit: true` it also keeps the stuck
 * value away from the process rules of the device (kind.ts `inhibit`).
 *
 * - Run: the latest readings whose spread (highest − lowest) is at most `tolerance`. A reading
 *   that widens the spread past `tolerance` ends the run; the next run starts at the reading
 *   before it when the two are within `tolerance` (else at the new reading). With `tolerance`
 *   above 0 a run may therefore be counted shorter than it is: the rule fires later, never
 *   earlier. Memory is one run (five numbers) whatever the sampling rate.
 * - Fire: the run has lasted `for` (event time, first to latest reading) and holds at least
 *   `minSamples` readings, so a device reporting twice in `for` is not called stuck on two
 *   equal values. Gaps do not end a run: a stuck sensor that also drops readings is still stuck
 *   (missing data is `stale`'s business).
 * - While firing every reading of the run updates the ticket (value = the stuck value); the first
 *   reading outside the tolerance resolves it (actor system).
 * - Defaults (operational choices, not a standard): `tolerance` 0 (exactly the same value) and
 *   `for` 6h, `minSamples` 30. On the GECCO Industrial Challenge 2017/2018 plant data (Thüringer
 *   Fernwasserversorgung, Zenodo records 3884465 and 3884398; 1-minute samples rounded to each
 *   sensor's resolution) the longest exactly-constant runs of working sensors are 85-155 min for
 *   turbidity (0.001 NTU), about 4.5 h for free chlorine (0.01 mg/L) and 4 h for pH (0.01), and
 *   20 h for conductivity (1 µS/cm): coarse instruments need a longer `for` or a metric-specific
 *   pack rule.
 * - Out-of-order: a reading stamped at or before the last one is ignored (`out_of_order`).
 * - Restart: an open ticket resumes as firing with the run pinned at the ticket's last value, so
 *   the first reading that moves beyond `tolerance` from it resolves the ticket.
 */
import { z } from 'zod';
import { metricNameSchema, metrics } from '../../network/metrics.ts';
import { durationSchema } from '../../network/duration.ts';
import { severities, type Severity } from '../severity.ts';
import { ruleBaseSchema, type Evaluation, type KindInput, type RuleKind } from './kind.ts';

export const flatlineSchema = ruleBaseSchema
  .extend({
    kind: z.literal('flatline'),
    metric: metricNameSchema.describe('Metric watched, in its canonical unit'),
    tolerance: z
      .number()
      .nonnegative()
      .finite()
      .default(0)
      .describe('Largest spread (highest − lowest) of a stuck run, canonical unit; default 0 = exactly the same value'),
    for: durationSchema
      .default(21_600_000)
      .describe('How long (event time) the value must stay within `tolerance` before the ticket opens; default 6h'),
    minSamples: z
      .number()
      .int()
      .min(2)
      .max(1_000_000)
      .default(30)
      .describe('Fewest readings in the run before the ticket opens (sparse reports prove little); default 30'),
    severity: z.enum(severities).default('maintenance').describe('Severity of the ticket; default maintenance (low priority)'),
  })
  .superRefine((rule, ctx) => {
    const { min, max, unit } = metrics[rule.metric];
    if (rule.for <= 0) ctx.addIssue({ code: 'custom', path: ['for'], message: 'for must be longer than 0' });
    if (rule.tolerance >= max - min) {
      ctx.addIssue({ code: 'custom', path: ['tolerance'], message: `tolerance ${rule.tolerance} spans the whole physical range of ${rule.metric} (${min}..${max} ${unit})` });
    }
  });

export type FlatlineRule = z.infer<typeof flatlineSchema>;

/** The latest readings within tolerance. */
interface Run {
  /** Event time of the run's first reading. */
  readonly start: number;
  readonly low: number;
  readonly high: number;
  readonly count: number;
}

export interface FlatlineState {
  readonly lastTs: number;
  /** The latest reading's value (NaN before any): where the next run may start. */
  readonly last: number;
  readonly run: Run | undefined;
  /** Set while the ticket is open. */
  readonly severity: Severity | undefined;
}

export const initialFlatlineState: FlatlineState = { lastTs: Number.NEGATIVE_INFINITY, last: Number.NaN, run: undefined, severity: undefined };

/** The run extended by the reading, or undefined when the reading breaks it. */
function extended(rule: FlatlineRule, run: Run | undefined, value: number): Run | undefined {
  if (run === undefined) return undefined;
  const low = Math.min(run.low, value);
  const high = Math.max(run.high, value);
  return high - low <= rule.tolerance ? { start: run.start, low, high, count: run.count + 1 } : undefined;
}

/** A new run after a break: from the previous reading when it is close enough, else from this one. */
function restarted(rule: FlatlineRule, state: FlatlineState, ts: number, value: number): Run {
  if (Math.abs(value - state.last) <= rule.tolerance) {
    return { start: state.lastTs, low: Math.min(value, state.last), high: Math.max(value, state.last), count: 2 };
  }
  return { start: ts, low: value, high: value, count: 1 };
}

/** Pure: the next state of one fingerprint and what to do about the reading. */
export function evaluateFlatline(rule: FlatlineRule, state: FlatlineState, input: KindInput): Evaluation<FlatlineState> {
  const value = input.values.get(rule.metric);
  const { ts } = input;
  if (value === undefined || !Number.isFinite(value)) return { state, decision: { type: 'none' } };
  if (!(ts > state.lastTs)) return { state, decision: { type: 'none', ignored: 'out_of_order' } };
  const { severity } = state;
  const run = extended(rule, state.run, value);
  if (run === undefined) {
    const next = { lastTs: ts, last: value, run: restarted(rule, state, ts, value), severity: undefined };
    if (severity === undefined) return { state: next, decision: { type: 'none' } };
    // Resumed without a run (no ticket values): the first reading pins it, still firing.
    if (state.run === undefined) return { state: { ...next, run: { start: ts, low: value, high: value, count: 1 }, severity }, decision: { type: 'update', severity }, value };
    return { state: next, decision: { type: 'resolve' }, value };
  }
  const next: FlatlineState = { lastTs: ts, last: value, run, severity };
  if (severity !== undefined) return { state: next, decision: { type: 'update', severity }, value };
  if (run.count < rule.minSamples || ts - run.start < rule.for) return { state: next, decision: { type: 'none' } };
  return { state: { ...next, severity: rule.severity }, decision: { type: 'fire', severity: rule.severity }, value };
}

export const flatline: RuleKind<FlatlineRule, FlatlineState> = {
  schema: flatlineSchema,
  metrics: (rule) => [rule.metric],
  // A stuck value has no worse end; the peak is simply the highest value seen on the ticket.
  worst: () => 'highest',
  initial: () => initialFlatlineState,
  resume(rule, severity, ticket) {
    const stuck = ticket?.lastValue;
    const run = stuck !== undefined && Number.isFinite(stuck) ? { start: ticket?.openedAt ?? 0, low: stuck, high: stuck, count: rule.minSamples } : undefined;
    return { ...initialFlatlineState, run, severity };
  },
  evaluate: evaluateFlatline,
};
