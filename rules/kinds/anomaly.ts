/**
 * `anomaly`: the water at a site stops looking like its own recent past. Multivariate over the
 * site's indicators (a plant outlet's turbidity, chlorine, pH, ORP, conductivity), whether one
 * analyser panel sends them in one sample or each instrument is a device of its own, in the
 * manner of US EPA / Sandia CANARY (prediction residuals, outliers, binomial event discriminator,
 * event timeout; CANARY User's Manual, EPA 600/R-08/040A (v4.1, 2009) and 600/R-08/040B (v4.3.2,
 * 2012); source USEPA/CANARY, WorkflowImpl.java):
 *
 * 0. Panel: the latest value of each indicator with its event time, whichever device of the site
 *    sent it (`subject: site`, the default; `subject: device` keeps a panel per device). An
 *    indicator is fresh while its latest value is at most `maxAge` behind the panel's newest; a
 *    stale or never-heard one is missing: no residual, nothing learned. The panel is judged once
 *    per round, as CANARY judges a time step: at the reading that gives every fresh indicator a
 *    value newer than the last judged panel, as of the panel's newest value. (Judging at every
 *    reading would count one air bubble once per device and learn held values twice.) A sample
 *    carrying every indicator (GECCO) is a round by itself; a silent analyser holds the others
 *    up for `maxAge` at most.
 * 1. Prediction: each indicator's next value is the median of its baseline, the last `history`
 *    inlier values. The residual is scaled by the robust spread 1.4826 × MAD of that baseline,
 *    never below the indicator's `minSpread` (the sensor's resolution: rounded data has a MAD of
 *    0 most of the time). An indicator is scored once its baseline holds `minHistory` values.
 *    With `noise: residuals` the scale is instead that sensor's own recent prediction error
 *    (rules/kinds/anomaly-noise.ts), learned from its inlier panels over `noiseWindow`.
 * 2. Outlier: the scaled residuals combine into the panel's anomaly score (`combine`: root of the
 *    summed squares, so indicators moving together add up, or the largest); the panel is an
 *    outlier above `outlierThreshold`. An outlying panel stays out of every baseline, so an event
 *    is not learned as normal while it lasts.
 * 3. Event: binomial event discriminator (BED) over the last `bedWindow` judged panels. With k
 *    outliers among them, the event probability is P(X ≤ k − 1) for X ~ Binomial(bedWindow,
 *    `outlierProbability`): how sure we are that noise alone did not produce k outliers. The
 *    ticket opens when it reaches `eventProbability`. A single spike (an air bubble) never does.
 * 4. End: the ticket resolves after `clearAfter` inlier panels in a row. A condition outlasting
 *    `eventTimeout` is a new baseline (CANARY's event timeout): the baseline is replaced by the
 *    recent values and the ticket resolves.
 * 5. Prior normal: the baseline a timeout replaced (the water from before the condition) is kept
 *    for another `eventTimeout`. A panel that fits it is no outlier, so water coming back to what
 *    it was (the end of a long event, an analyser back from an outage the timeout had learned)
 *    opens no new ticket and is learned again. CANARY itself forgets the old history at a
 *    timeout; a panel far from both baselines is still an outlier.
 * 6. Gaps: a panel silence longer than `maxGap` restarts learning and resolves a firing ticket;
 *    `minHistory` panels are learned before anything is judged. An indicator silent longer than
 *    `maxGap` relearns its own baseline (step 1) while the panel goes on.
 * 7. New change (`newChange: new-ticket`): while the ticket is open the event's own level is
 *    learned; a panel far from both it and the baseline is a change flag, and when the flags pass
 *    the discriminator the open ticket resolves and the next outlying panel opens a new one
 *    (rules/kinds/anomaly-change.ts). With `ignore` an open ticket covers everything.
 *
 * Routing: `metrics()` is the first indicator (the ticket's metric), `contextMetrics()` the rest,
 * so the router sends every reading of the site carrying any indicator; a flow meter's never
 * reaches the rule. Late values: one counts when newer than its indicator's latest and than the
 * last judged panel; a reading with none such is dropped as out of order. Memory: one latest
 * value per indicator, `history` values per baseline and per recent list. The ticket's value is
 * the anomaly score in robust standard deviations (not the metric's unit), so "peak" is the worst
 * deviation seen. Limit: one device per indicator and site; two turbidimeters would interleave in
 * one series (`subject: device` there, which combines nothing across devices).
 */
import { z } from 'zod';
import { metricNameSchema, type MetricName } from '../../network/metrics.ts';
import { durationSchema } from '../../network/duration.ts';
import { severities } from '../severity.ts';
import { emptyWatch, newChangeModes, watched, type ChangeWatch } from './anomaly-change.ts';
import { EMPTY_NOISE, filedResidual, noiseModels, residualScale, type NoiseMemory } from './anomaly-noise.ts';
import { baselineOf, binomialCdf, pushed, resorted, sortedMedian } from './robust-stats.ts';
import { ruleBaseSchema, type Evaluation, type KindInput, type MetricSample, type RuleKind } from './kind.ts';

/** 1 / Φ⁻¹(3/4): turns a median absolute deviation into a normal standard deviation. */

const indicatorSchema = z.strictObject({
  metric: metricNameSchema.describe('Indicator metric, canonical unit'),
  minSpread: z.number().positive().finite().describe('Floor of the robust spread, canonical unit: the sensor resolution or noise floor (e.g. pH 0.01, ORP 1 mV)'),
});

export const anomalySchema = ruleBaseSchema
  .extend({
    kind: z.literal('anomaly'),
    indicators: z
      .array(indicatorSchema)
      .min(1)
      .describe('Event indicators of the site, from one device or several; the first is the ticket metric. Operational data (temperature, flow) do not belong here'),
    history: z.number().int().min(5).max(10_000).default(15).describe('Baseline window: the last N inlier values per indicator; short enough to follow slow drift (pH over a day); default 15'),
    minHistory: z.number().int().min(3).default(10).describe('Panels learned before anything is judged (also after a gap), and values an indicator\'s baseline needs before it is scored; default 10'),
    combine: z
      .enum(['max', 'rss'])
      .default('rss')
      .describe('Anomaly score of a panel: "rss" = root of the summed squared scaled residuals (several indicators moving together add up), "max" = the largest one, so any single indicator can raise an event on its own; default rss'),
    noise: z
      .enum(noiseModels)
      .default('baseline')
      .describe('Noise scale of each indicator (rules/kinds/anomaly-noise.ts): "baseline" = 1.4826 × MAD of its baseline values, "residuals" = 1.4826 × median absolute prediction residual over its last noiseWindow inlier panels (that sensor\'s own noise); both floored at minSpread; default baseline'),
    noiseWindow: z.number().int().min(10).max(10_000).default(240).describe('Inlier panels whose residuals make the "residuals" noise scale (1-minute panels: 240 = 4 h); default 240'),
    outlierThreshold: z.number().positive().default(8).describe('A panel is an outlier when its anomaly score exceeds this many spreads; default 8'),
    bedWindow: z.number().int().min(1).max(1000).default(10).describe('Binomial event discriminator window, judged panels; default 10'),
    outlierProbability: z.number().gt(0).lt(1).default(0.05).describe('Chance that a normal panel is an outlier, the null hypothesis of the discriminator; default 0.05'),
    eventProbability: z.number().gt(0).lt(1).default(0.99).describe('The ticket opens when the event probability P(X < k) reaches this; default 0.99'),
    clearAfter: z.number().int().min(1).default(3).describe('Inlier panels in a row that resolve a firing ticket; default 3'),
    eventTimeout: durationSchema.prefault('2h').describe('A condition lasting longer is a new baseline: relearn and resolve (event time); the old baseline is remembered as long again, so a return to it opens no ticket; default 2h'),
    maxGap: durationSchema.prefault('30m').describe('A panel silence longer than this restarts learning and resolves a firing ticket (an indicator silent this long relearns alone); default 30m'),
    maxAge: durationSchema
      .prefault('2m')
      .describe('An indicator whose latest value is older than this behind the panel\'s newest is missing; a silent analyser holds the others up this long at most. At least the longest reporting interval of the site\'s analysers; default 2m'),
    newChange: z
      .enum(newChangeModes)
      .default('ignore')
      .describe('A new change while the ticket is open (rules/kinds/anomaly-change.ts): "new-ticket" = learn the event\'s own level and, when the water moves away from both it and the baseline, resolve the open ticket so the next outlying panel opens a new one; "ignore" = the open ticket covers everything until it clears or times out; default ignore'),
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
    if (rule.maxAge <= 0 || rule.maxAge > rule.maxGap) {
      ctx.addIssue({ code: 'custom', path: ['maxAge'], message: `maxAge must be longer than 0 and at most maxGap (${rule.maxGap} ms)` });
    }
  });

export type AnomalyRule = z.infer<typeof anomalySchema>;

/**
 * One indicator's memory. `baseline` holds inliers only, oldest first, and `sorted` the same
 * values in order (median and MAD without sorting on every panel); `recent` holds every
 * value, for an event timeout.
 */
interface IndicatorMemory {
  readonly baseline: readonly number[];
  readonly sorted: readonly number[];
  readonly recent: readonly number[];
  /** Recent absolute prediction residuals of inlier panels (noise `residuals`). */
  readonly noise: NoiseMemory;
}

export interface AnomalyState {
  /** Latest value of each indicator with its event time, aligned with `rule.indicators`; undefined = not heard. */
  readonly latest: readonly (MetricSample | undefined)[];
  /** Event time of the last judged panel (its newest value); −∞ before the first. */
  readonly judgedTs: number;
  /** Aligned with `rule.indicators`. */
  readonly memory: readonly IndicatorMemory[];
  /** Panels judged since learning (re)started; judging starts at `minHistory`. */
  readonly learned: number;
  /** Outlier flags of the last `bedWindow` judged panels, oldest first. */
  readonly flags: readonly boolean[];
  readonly inlierRun: number;
  /** Set while the ticket is open: since when (event time); −∞ for a resumed ticket whose opening time is unknown. */
  readonly firingSince: number | undefined;
  /** Set after an event timeout: the normal from before the timed-out condition (step 5 above). */
  readonly priorNormal: PriorNormal | undefined;
  /** Set while the ticket is open with `newChange: new-ticket`: the event's own level (step 7 above). */
  readonly change?: ChangeWatch;
}

/** The baselines an event timeout replaced and until when they count. */
export interface PriorNormal {
  /** Sorted baseline values, aligned with `rule.indicators`. */
  readonly sorted: readonly (readonly number[])[];
  /** Event time (epoch ms) after which the prior normal is forgotten: the timeout + `eventTimeout`. */
  readonly until: number;
}

const EMPTY: IndicatorMemory = { baseline: [], sorted: [], recent: [], noise: EMPTY_NOISE };

export function initialAnomalyState(rule: AnomalyRule): AnomalyState {
  const [latest, memory] = [rule.indicators.map(() => undefined), rule.indicators.map(() => EMPTY)];
  return { latest, judgedTs: Number.NEGATIVE_INFINITY, memory, learned: 0, flags: [], inlierRun: 0, firingSince: undefined, priorNormal: undefined };
}

/** Event probability of the BED: how unlikely `outliers` among `window` judged panels are under the null. */
export function eventProbability(rule: Pick<AnomalyRule, 'outlierProbability'>, outliers: number, window: number): number {
  return outliers === 0 ? 0 : binomialCdf(outliers - 1, window, rule.outlierProbability);
}

/** Files an inlier into the baseline (both orders) and the value into `recent`. */
function remembered(rule: AnomalyRule, own: IndicatorMemory, value: number, inlier: boolean): IndicatorMemory {
  const max = rule.history;
  const recent = pushed(own.recent, value, max);
  if (!inlier) return { ...own, recent };
  const removed = own.baseline.length >= max ? own.baseline[own.baseline.length - max] : undefined;
  // The prediction error of this inlier, for the noise model (only once the prediction is scored).
  const noise = rule.noise === 'residuals' && own.sorted.length >= rule.minHistory ? filedResidual(own.noise, value - sortedMedian(own.sorted), rule.noiseWindow) : own.noise;
  return { baseline: pushed(own.baseline, value, max), sorted: resorted(own.sorted, value, removed), recent, noise };
}

interface Judgement {
  readonly outlier: boolean;
  /** Anomaly score of the panel (0 while learning). */
  readonly score: number;
  readonly memory: IndicatorMemory[];
}

/**
 * Each indicator's own noise scale from its memory (noise `residuals`), aligned with
 * `rule.indicators`; undefined where the baseline spread stands (noise `baseline`, or too few
 * residuals yet). Pure.
 */
export function noiseScales(rule: AnomalyRule, memory: readonly IndicatorMemory[]): (number | undefined)[] {
  if (rule.noise !== 'residuals') return rule.indicators.map(() => undefined);
  return rule.indicators.map((indicator, i) => residualScale(memory[i]?.noise ?? EMPTY_NOISE, indicator.minSpread, rule.minHistory));
}

/**
 * Residual of each indicator against its baseline (sorted values, aligned with `rule.indicators`),
 * in spreads: the indicator's noise scale where given (`scales`), else the baseline's robust
 * spread; 0 for a missing value (NaN) and for a baseline shorter than `minHistory`. Pure.
 */
export function scaledResiduals(rule: AnomalyRule, baselines: readonly (readonly number[])[], values: readonly number[], scales: readonly (number | undefined)[] = []): number[] {
  return rule.indicators.map((indicator, i) => {
    const sorted = baselines[i] ?? [];
    const value = values[i] ?? Number.NaN;
    if (sorted.length < rule.minHistory || !Number.isFinite(value)) return 0;
    const { center, spread } = baselineOf(sorted, indicator.minSpread);
    return Math.abs(value - center) / (scales[i] ?? spread);
  });
}

/** Combines scaled residuals into the panel's anomaly score. Pure. */
export function anomalyScore(combine: AnomalyRule['combine'], residuals: readonly number[]): number {
  if (combine === 'max') return Math.max(0, ...residuals);
  return Math.sqrt(residuals.reduce((sum, r) => sum + r * r, 0));
}

/**
 * Scores one panel and files its values into memory; a missing one (NaN) leaves its indicator's
 * memory as it was. An outlying panel stays out of every baseline (CANARY judges the time step,
 * not the sensor), so an event is not learned while it lasts. Pure.
 */
function judge(rule: AnomalyRule, state: AnomalyState, values: readonly number[], judging: boolean): Judgement {
  const score = judging ? sampleScore(rule, state, values) : 0;
  const outlier = score > rule.outlierThreshold;
  const memory = rule.indicators.map((_, i) => {
    const own = state.memory[i] ?? EMPTY;
    const value = values[i] ?? Number.NaN;
    return Number.isFinite(value) ? remembered(rule, own, value, !outlier) : own;
  });
  return { outlier, score, memory };
}

/**
 * Anomaly score of a panel (values aligned with `rule.indicators`, NaN = missing): against its
 * baseline, or against the prior normal (step 5) when that is lower, i.e. water back to what it
 * was before a timed-out condition. Pure.
 */
export function sampleScore(rule: AnomalyRule, state: AnomalyState, values: readonly number[]): number {
  const scales = noiseScales(rule, state.memory);
  const score = anomalyScore(rule.combine, scaledResiduals(rule, state.memory.map(({ sorted }) => sorted), values, scales));
  if (score <= rule.outlierThreshold || state.priorNormal === undefined) return score;
  return Math.min(score, anomalyScore(rule.combine, scaledResiduals(rule, state.priorNormal.sorted, values, scales)));
}

/** A panel to judge: the values of the fresh indicators (NaN = missing), as of its newest value. */
export interface Panel {
  readonly ts: number;
  readonly values: readonly number[];
}

/**
 * The panel as of the newest latest value (step 0), or undefined while some fresh indicator has
 * no value newer than the last judged panel (the round is not complete). Pure.
 */
export function panelOf(rule: AnomalyRule, latest: readonly (MetricSample | undefined)[], judgedTs: number): Panel | undefined {
  const ts = latest.reduce((newest, sample) => Math.max(newest, sample?.ts ?? Number.NEGATIVE_INFINITY), Number.NEGATIVE_INFINITY);
  const values: number[] = [];
  for (const sample of latest) {
    const fresh = sample !== undefined && ts - sample.ts <= rule.maxAge;
    if (fresh && sample.ts <= judgedTs) return undefined;
    values.push(fresh ? sample.value : Number.NaN);
  }
  return { ts, values };
}

/**
 * Files the reading's indicator values as their latest: each only when newer than its own latest
 * and than the last judged panel. An indicator back after more than `maxGap` relearns (step 6).
 * 'late': the reading carried indicators, none new; undefined: it carried none. Pure.
 */
function observe(rule: AnomalyRule, state: AnomalyState, input: KindInput): AnomalyState | 'late' | undefined {
  let carried = false;
  let news = false;
  const memory = state.memory.slice();
  const latest = rule.indicators.map(({ metric }, i) => {
    const before = state.latest[i];
    const value = input.values.get(metric);
    if (value === undefined || !Number.isFinite(value)) return before;
    carried = true;
    if (input.ts <= state.judgedTs || (before !== undefined && input.ts <= before.ts)) return before;
    news = true;
    if (before !== undefined && input.ts - before.ts > rule.maxGap) memory[i] = EMPTY;
    return { value, ts: input.ts };
  });
  if (!news) return carried ? 'late' : undefined;
  return { ...state, latest, memory };
}

/** Pure: the next state of one fingerprint and what to do about the reading. */
export function evaluateAnomaly(rule: AnomalyRule, state: AnomalyState, input: KindInput): Evaluation<AnomalyState> {
  const observed = observe(rule, state, input);
  if (observed === 'late') return { state, decision: { type: 'none', ignored: 'out_of_order' } };
  if (observed === undefined) return { state, decision: { type: 'none' } };
  const panel = panelOf(rule, observed.latest, observed.judgedTs);
  return panel === undefined ? { state: observed, decision: { type: 'none' } } : judgePanel(rule, observed, panel);
}

/** Steps 1-6 for one complete panel. Pure. */
function judgePanel(rule: AnomalyRule, state: AnomalyState, { ts, values }: Panel): Evaluation<AnomalyState> {
  const gap = Number.isFinite(state.judgedTs) && ts - state.judgedTs > rule.maxGap;
  const priorNormal = state.priorNormal !== undefined && ts <= state.priorNormal.until ? state.priorNormal : undefined;
  const start = gap ? { ...initialAnomalyState(rule), latest: state.latest } : { ...state, priorNormal };
  const judging = start.learned >= rule.minHistory;
  const judged = judge(rule, start, values, judging);
  const flags = judging ? [...start.flags, judged.outlier].slice(-rule.bedWindow) : start.flags;
  // Only judged panels count towards clearing: a relearning baseline proves nothing.
  const inlierRun = judging && !judged.outlier ? start.inlierRun + 1 : 0;
  // A resumed ticket whose opening time is unknown: its timeout runs from its first panel.
  const firingSince = state.firingSince === Number.NEGATIVE_INFINITY ? ts : state.firingSince;
  const next: AnomalyState = { ...start, judgedTs: ts, memory: judged.memory, learned: start.learned + 1, flags, inlierRun, firingSince };
  const value = judged.score;

  if (firingSince !== undefined) {
    const { change: _, ...cleared } = next;
    if (gap || inlierRun >= rule.clearAfter) return { state: { ...cleared, flags: [], firingSince: undefined }, decision: { type: 'resolve' }, value };
    if (ts - firingSince > rule.eventTimeout) return { state: rebaselined(rule, cleared, ts), decision: { type: 'resolve' }, value };
    const change = judging ? watchedChange(rule, next, values, judged.outlier) : next.change;
    // A new change (step 7): resolve now; the outliers stay in the window, so the next outlying panel opens.
    if (change !== undefined && isNewChange(rule, change)) return { state: { ...cleared, firingSince: undefined }, decision: { type: 'resolve' }, value };
    return { state: change === undefined ? next : { ...next, change }, decision: { type: 'update', severity: rule.severity }, value };
  }
  const outliers = flags.filter(Boolean).length;
  if (!judged.outlier || eventProbability(rule, outliers, rule.bedWindow) < rule.eventProbability) {
    return { state: next, decision: { type: 'none' } };
  }
  const opened: AnomalyState = { ...next, firingSince: ts, ...(rule.newChange === 'new-ticket' && { change: watched(emptyWatch(rule.indicators.length), values, false, rule.history, rule.bedWindow) }) };
  return { state: opened, decision: { type: 'fire', severity: rule.severity }, value };
}

/**
 * The change watch after a judged panel of an open ticket (step 7): a change flag when the panel
 * is an outlier against the baseline and against the event's level. Undefined without a watch
 * (`newChange: ignore`, or a resumed ticket: its event level is unknown). Pure.
 */
function watchedChange(rule: AnomalyRule, state: AnomalyState, values: readonly number[], outlier: boolean): ChangeWatch | undefined {
  const watch = state.change;
  if (watch === undefined) return undefined;
  const score = anomalyScore(rule.combine, scaledResiduals(rule, watch.sorted, values, noiseScales(rule, state.memory)));
  return watched(watch, values, outlier && score > rule.outlierThreshold, rule.history, rule.bedWindow);
}

/** The change flags pass the discriminator, the last panel among them. Pure. */
function isNewChange(rule: AnomalyRule, watch: ChangeWatch): boolean {
  const flags = watch.flags.filter(Boolean).length;
  return watch.flags.at(-1) === true && eventProbability(rule, flags, rule.bedWindow) >= rule.eventProbability;
}

/**
 * CANARY event timeout: the recent values become the baseline; the discriminator starts clean.
 * The replaced baseline is kept as the prior normal for another `eventTimeout` (step 5).
 */
function rebaselined(rule: AnomalyRule, state: AnomalyState, ts: number): AnomalyState {
  // The sensors' noise is theirs, not the condition's: the noise memory carries on.
  const memory = state.memory.map(({ recent, noise }) => ({ baseline: recent, sorted: recent.slice().sort((a, b) => a - b), recent, noise }));
  const priorNormal = { sorted: state.memory.map(({ sorted }) => sorted), until: ts + rule.eventTimeout };
  return { ...state, memory, priorNormal, flags: [], inlierRun: 0, firingSince: undefined };
}

export const anomaly: RuleKind<AnomalyRule, AnomalyState> = {
  schema: anomalySchema,
  // A sensor-health hold leaves the baseline alone: the withheld indicator just goes stale.
  restartOnHold: false,
  // The first indicator is the ticket's metric; the others route the site's other analysers'
  // readings to the rule (step 0), so no reading needs to carry them all.
  // The schema guarantees at least one indicator.
  metrics: (rule) => [rule.indicators[0]?.metric ?? 'turbidity'],
  contextMetrics: (rule) => rule.indicators.slice(1).map((indicator) => indicator.metric),
  worst: () => 'highest',
  initial: (rule) => initialAnomalyState(rule),
  // After a restart the baseline is gone: relearn it; the open ticket resolves once the
  // relearned baseline has seen `clearAfter` inliers in a row, or at its timeout.
  resume: (rule, _severity, ticket) => ({ ...initialAnomalyState(rule), firingSince: ticket?.openedAt ?? Number.NEGATIVE_INFINITY }),
  evaluate: evaluateAnomaly,
};
