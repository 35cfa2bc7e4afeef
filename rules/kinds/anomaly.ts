/**
 * `anomaly`: the water at a site stops looking like its own recent past. Multivariate over the
 * indicators of one device (a plant-outlet analyser panel sends turbidity, chlorine, pH, ORP and
 * conductivity in one sample), in the manner of US EPA / Sandia CANARY (prediction residuals,
 * outliers, binomial event discriminator, event timeout; CANARY User's Manual, EPA 600/R-08/040A
 * (v4.1, 2009) and 600/R-08/040B (v4.3.2, 2012); source USEPA/CANARY, WorkflowImpl.java):
 *
 * 1. Prediction: each indicator's next value is predicted as the median of its baseline, the
 *    last `history` inlier readings. The residual is scaled by the robust spread
 *    1.4826 × MAD of that baseline, never below the indicator's `minSpread` (the sensor's
 *    resolution: rounded data has a MAD of 0 most of the time).
 * 2. Outlier: the scaled residuals combine into the sample's anomaly score (`combine`: root of
 *    the summed squares, so indicators moving together add up, or the largest); the sample is
 *    an outlier when the score exceeds `outlierThreshold`. An outlying sample stays out of every
 *    baseline, so an event is not learned as normal while it lasts.
 * 3. Event: binomial event discriminator (BED) over the last `bedWindow` readings. With k
 *    outliers among them, the event probability is P(X ≤ k − 1) for X ~ Binomial(bedWindow,
 *    `outlierProbability`): how sure we are that noise alone did not produce k outliers. The
 *    ticket opens when it reaches `eventProbability`. A single spike (an air bubble) never does.
 * 4. End: the ticket resolves after `clearAfter` inlier readings in a row. A condition that
 *    outlasts `eventTimeout` is a new baseline (CANARY's event timeout): the baseline is
 *    replaced by the recent readings and the ticket resolves.
 * 5. Prior normal: the baseline a timeout replaced (inliers only, so the water from before the
 *    condition) is remembered for another `eventTimeout`. A sample that fits it is no outlier, so
 *    water coming back to what it was before (the end of a long event, an analyser back from an
 *    outage the timeout had learned) opens no new ticket and is learned again. CANARY itself
 *    forgets the old history at a timeout; a sample far from both baselines is still an outlier.
 * 6. Gaps: a silence longer than `maxGap` (maintenance, outage) restarts learning and resolves
 *    a firing ticket; `minHistory` readings are learned before anything is judged.
 *
 * The kind needs the whole sample: `metrics()` lists every indicator, so the engine evaluates
 * only readings that carry all of them (a dead sensor is a sensor-health rule's business). The
 * ticket's metric is the first indicator; its value is the anomaly score in robust standard
 * deviations (dimensionless, not the metric's unit), so "peak" is the worst deviation seen.
 * Event time only; out-of-order readings are dropped as in `threshold`.
 */
import { z } from 'zod';
import { metricNames, type MetricName } from '../../network/metrics.ts';
import { durationSchema } from '../duration.ts';
import { severities } from '../severity.ts';
import { ruleBaseSchema, type Evaluation, type KindInput, type RuleKind } from './kind.ts';

/** 1 / Φ⁻¹(3/4): turns a median absolute deviation into a normal standard deviation. */
const MAD_TO_SIGMA = 1.4826;

const indicatorSchema = z.strictObject({
  metric: z.enum(metricNames as [MetricName, ...MetricName[]]).describe('Indicator metric, canonical unit'),
  minSpread: z
    .number()
    .positive()
    .finite()
    .describe('Floor of the robust spread, canonical unit: the sensor resolution or noise floor (e.g. pH 0.01, ORP 1 mV)'),
});

export const anomalySchema = ruleBaseSchema
  .extend({
    kind: z.literal('anomaly'),
    indicators: z
      .array(indicatorSchema)
      .min(1)
      .describe('Event indicators of one device; the first is the ticket metric. Operational data (temperature, flow) do not belong here'),
    history: z
      .number()
      .int()
      .min(5)
      .max(10_000)
      .default(15)
      .describe('Baseline window: the last N inlier readings per indicator; short enough to follow slow drift (pH over a day); default 15'),
    minHistory: z.number().int().min(3).default(10).describe('Readings learned before anything is judged (also after a gap); default 10'),
    combine: z
      .enum(['max', 'rss'])
      .default('rss')
      .describe('Anomaly score of a sample: "rss" = root of the summed squared scaled residuals (several indicators moving together add up), "max" = the largest one; default rss'),
    outlierThreshold: z.number().positive().default(8).describe('A sample is an outlier when its anomaly score exceeds this many spreads; default 8'),
    bedWindow: z.number().int().min(1).max(1000).default(10).describe('Binomial event discriminator window, readings; default 10'),
    outlierProbability: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.05)
      .describe('Chance that a normal reading is an outlier, the null hypothesis of the discriminator; default 0.05'),
    eventProbability: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.99)
      .describe('The ticket opens when the event probability P(X < k) reaches this; default 0.99'),
    clearAfter: z.number().int().min(1).default(3).describe('Inlier readings in a row that resolve a firing ticket; default 3'),
    eventTimeout: durationSchema.prefault('2h').describe('A condition lasting longer is a new baseline: relearn and resolve (event time); the old baseline is remembered as long again, so a return to it opens no ticket; default 2h'),
    maxGap: durationSchema.prefault('30m').describe('A silence longer than this restarts learning and resolves a firing ticket; default 30m'),
    severity: z.enum(severities).default('warning').describe('Severity of the ticket; default warning'),
  })
  .superRefine((rule, ctx) => {
    const seen = new Set<MetricName>();
    for (const [i, { metric }] of rule.indicators.entries()) {
      if (seen.has(metric)) ctx.addIssue({ code: 'custom', path: ['indicators', i, 'metric'], message: `indicator ${metric} appears twice` });
      seen.add(metric);
    }
    if (rule.minHistory > rule.history) {
      ctx.addIssue({ code: 'custom', path: ['minHistory'], message: `minHistory (${rule.minHistory}) must not exceed history (${rule.history})` });
    }
  });

export type AnomalyRule = z.infer<typeof anomalySchema>;

/**
 * One indicator's memory. `baseline` holds inliers only, oldest first, and `sorted` the same
 * values in order (median and MAD without sorting on every reading); `recent` holds every
 * value, for an event timeout.
 */
interface IndicatorMemory {
  readonly baseline: readonly number[];
  readonly sorted: readonly number[];
  readonly recent: readonly number[];
}

export interface AnomalyState {
  readonly lastTs: number;
  /** Aligned with `rule.indicators`. */
  readonly memory: readonly IndicatorMemory[];
  /** Readings judged since learning (re)started; judging starts at `minHistory`. */
  readonly learned: number;
  /** Outlier flags of the last `bedWindow` judged readings, oldest first. */
  readonly flags: readonly boolean[];
  readonly inlierRun: number;
  /** Set while the ticket is open: since when (event time); −∞ for a resumed ticket whose opening time is unknown. */
  readonly firingSince: number | undefined;
  /** Set after an event timeout: the normal from before the timed-out condition (step 5 above). */
  readonly priorNormal: PriorNormal | undefined;
}

/** The baselines an event timeout replaced and until when they count. */
export interface PriorNormal {
  /** Sorted baseline values, aligned with `rule.indicators`. */
  readonly sorted: readonly (readonly number[])[];
  /** Event time (epoch ms) after which the prior normal is forgotten: the timeout + `eventTimeout`. */
  readonly until: number;
}

const EMPTY: IndicatorMemory = { baseline: [], sorted: [], recent: [] };

function freshMemory(rule: AnomalyRule): IndicatorMemory[] {
  return rule.indicators.map(() => EMPTY);
}

export function initialAnomalyState(rule: AnomalyRule): AnomalyState {
  return { lastTs: Number.NEGATIVE_INFINITY, memory: freshMemory(rule), learned: 0, flags: [], inlierRun: 0, firingSince: undefined, priorNormal: undefined };
}

/** Median of a sorted, non-empty list. Pure. */
export function sortedMedian(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * Median absolute deviation from `center` of a sorted list, in O(n) without sorting: the
 * deviations grow outwards from the center on both sides, so merging the two sides yields them
 * in order. Pure.
 */
export function sortedMad(sorted: readonly number[], center: number): number {
  const n = sorted.length;
  let right = lowerBound(sorted, center);
  let left = right - 1;
  let previous = Number.NaN;
  let current = Number.NaN;
  // Hot path (every reading × indicator): a plain loop, no closures.
  for (let taken = 0; taken <= n >> 1; taken++) {
    const down = left >= 0 ? center - (sorted[left] ?? 0) : Number.POSITIVE_INFINITY;
    const up = right < n ? (sorted[right] ?? 0) - center : Number.POSITIVE_INFINITY;
    previous = current;
    if (down <= up) {
      current = down;
      left--;
    } else {
      current = up;
      right++;
    }
  }
  return n % 2 === 1 ? current : (previous + current) / 2;
}

/** Prediction (median) and robust spread (1.4826 × MAD, at least `minSpread`) of a sorted baseline. Pure. */
export function baselineOf(sorted: readonly number[], minSpread: number): { center: number; spread: number } {
  const center = sortedMedian(sorted);
  return { center, spread: Math.max(MAD_TO_SIGMA * sortedMad(sorted, center), minSpread) };
}

/** P(X ≤ k) for X ~ Binomial(n, p). Pure; n is small (the BED window). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let term = (1 - p) ** n; // P(X = 0)
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= ((n - i + 1) / i) * (p / (1 - p));
    sum += term;
  }
  return Math.min(1, sum);
}

/** Event probability of the BED: how unlikely `outliers` among `window` readings are under the null. */
export function eventProbability(rule: Pick<AnomalyRule, 'outlierProbability'>, outliers: number, window: number): number {
  return outliers === 0 ? 0 : binomialCdf(outliers - 1, window, rule.outlierProbability);
}

/** `list` with `value` appended, keeping at most `max` values (oldest dropped). */
function pushed(list: readonly number[], value: number, max: number): number[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  next.push(value);
  return next;
}

/** Position of the first element ≥ value in a sorted list. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((sorted[mid] ?? 0) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The sorted list with `removed` (if any) taken out and `added` put in its place. */
function resorted(sorted: readonly number[], added: number, removed: number | undefined): number[] {
  const next = sorted.slice();
  if (removed !== undefined) next.splice(lowerBound(next, removed), 1);
  next.splice(lowerBound(next, added), 0, added);
  return next;
}

/** Files an inlier into the baseline (both orders) and the value into `recent`. */
function remembered(own: IndicatorMemory, value: number, inlier: boolean, max: number): IndicatorMemory {
  const recent = pushed(own.recent, value, max);
  if (!inlier) return { ...own, recent };
  const removed = own.baseline.length >= max ? own.baseline[own.baseline.length - max] : undefined;
  return { baseline: pushed(own.baseline, value, max), sorted: resorted(own.sorted, value, removed), recent };
}

interface Judgement {
  readonly outlier: boolean;
  /** Anomaly score of the sample (0 while learning). */
  readonly score: number;
  readonly memory: IndicatorMemory[];
}

/** Residual of each indicator against its baseline (sorted values, aligned with `rule.indicators`), in spreads. Pure. */
export function scaledResiduals(rule: AnomalyRule, baselines: readonly (readonly number[])[], values: readonly number[]): number[] {
  return rule.indicators.map((indicator, i) => {
    const sorted = baselines[i] ?? [];
    if (sorted.length === 0) return 0;
    const { center, spread } = baselineOf(sorted, indicator.minSpread);
    return Math.abs((values[i] ?? Number.NaN) - center) / spread;
  });
}

/** Combines scaled residuals into the sample's anomaly score. Pure. */
export function anomalyScore(combine: AnomalyRule['combine'], residuals: readonly number[]): number {
  if (combine === 'max') return Math.max(0, ...residuals);
  return Math.sqrt(residuals.reduce((sum, r) => sum + r * r, 0));
}

/**
 * Scores one sample and files its values into memory. An outlying sample stays out of every
 * baseline (CANARY judges the time step, not the sensor), so an event is not learned while it
 * lasts. Pure.
 */
function judge(rule: AnomalyRule, state: AnomalyState, values: readonly number[], judging: boolean): Judgement {
  const score = judging ? sampleScore(rule, state, values) : 0;
  const outlier = score > rule.outlierThreshold;
  const memory = rule.indicators.map((_, i) => remembered(state.memory[i] ?? EMPTY, values[i] ?? Number.NaN, !outlier, rule.history));
  return { outlier, score, memory };
}

/**
 * Anomaly score of a sample: against its baseline, or against the prior normal (step 5) when that
 * is lower, i.e. water back to what it was before a timed-out condition. Pure.
 */
export function sampleScore(rule: AnomalyRule, state: AnomalyState, values: readonly number[]): number {
  const score = anomalyScore(rule.combine, scaledResiduals(rule, state.memory.map(({ sorted }) => sorted), values));
  if (score <= rule.outlierThreshold || state.priorNormal === undefined) return score;
  return Math.min(score, anomalyScore(rule.combine, scaledResiduals(rule, state.priorNormal.sorted, values)));
}

/** Pure: the next state of one fingerprint and what to do about the sample. */
export function evaluateAnomaly(rule: AnomalyRule, state: AnomalyState, input: KindInput): Evaluation<AnomalyState> {
  const { ts } = input;
  if (!(ts > state.lastTs)) return { state, decision: { type: 'none', ignored: 'out_of_order' } };
  const values = rule.indicators.map(({ metric }) => input.values.get(metric) ?? Number.NaN);
  if (!values.every(Number.isFinite)) return { state, decision: { type: 'none' } };

  const gap = Number.isFinite(state.lastTs) && ts - state.lastTs > rule.maxGap;
  const priorNormal = state.priorNormal !== undefined && ts <= state.priorNormal.until ? state.priorNormal : undefined;
  const start = gap ? { ...initialAnomalyState(rule), lastTs: state.lastTs } : { ...state, priorNormal };
  const judging = start.learned >= rule.minHistory;
  const judged = judge(rule, start, values, judging);
  const flags = judging ? [...start.flags, judged.outlier].slice(-rule.bedWindow) : start.flags;
  // Only judged readings count towards clearing: a relearning baseline proves nothing.
  const inlierRun = judging && !judged.outlier ? start.inlierRun + 1 : 0;
  // A resumed ticket whose opening time is unknown: its timeout runs from its first reading.
  const firingSince = state.firingSince === Number.NEGATIVE_INFINITY ? ts : state.firingSince;
  const next: AnomalyState = { ...start, lastTs: ts, memory: judged.memory, learned: start.learned + 1, flags, inlierRun, firingSince };
  const value = judged.score;

  if (firingSince !== undefined) {
    if (gap || inlierRun >= rule.clearAfter) return { state: { ...next, flags: [], firingSince: undefined }, decision: { type: 'resolve' }, value };
    if (ts - firingSince > rule.eventTimeout) return { state: rebaselined(rule, next, ts), decision: { type: 'resolve' }, value };
    return { state: next, decision: { type: 'update', severity: rule.severity }, value };
  }
  const outliers = flags.filter(Boolean).length;
  if (!judged.outlier || eventProbability(rule, outliers, rule.bedWindow) < rule.eventProbability) {
    return { state: next, decision: { type: 'none' } };
  }
  return { state: { ...next, firingSince: ts }, decision: { type: 'fire', severity: rule.severity }, value };
}

/**
 * CANARY event timeout: the recent readings become the baseline; the discriminator starts clean.
 * The replaced baseline is kept as the prior normal for another `eventTimeout` (step 5).
 */
function rebaselined(rule: AnomalyRule, state: AnomalyState, ts: number): AnomalyState {
  const memory = state.memory.map(({ recent }) => ({ baseline: recent, sorted: recent.slice().sort((a, b) => a - b), recent }));
  const priorNormal = { sorted: state.memory.map(({ sorted }) => sorted), until: ts + rule.eventTimeout };
  return { ...state, memory, priorNormal, flags: [], inlierRun: 0, firingSince: undefined };
}

export const anomaly: RuleKind<AnomalyRule, AnomalyState> = {
  schema: anomalySchema,
  metrics: (rule) => {
    const [first, ...rest] = rule.indicators.map((indicator) => indicator.metric);
    // The schema guarantees at least one indicator.
    return [first ?? 'turbidity', ...rest];
  },
  worst: () => 'highest',
  initial: (rule) => initialAnomalyState(rule),
  // After a restart the baseline is gone: relearn it; the open ticket resolves once the
  // relearned baseline has seen `clearAfter` inliers in a row, or at its timeout.
  resume: (rule, _severity, ticket) => ({ ...initialAnomalyState(rule), firingSince: ticket?.openedAt ?? Number.NEGATIVE_INFINITY }),
  evaluate: evaluateAnomaly,
};
