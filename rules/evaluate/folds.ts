/**
 * Contiguous time folds over labelled readings, and scores over any set of them, for time-split
 * cross-validation (cross-validate.ts). Pure.
 *
 * - The readings (several files one after another, in time order) split into `k` folds of about
 *   equal reading count; each fold is a contiguous stretch of time.
 * - A ticket belongs to the fold in which it opened: from the fold's first reading up to the next
 *   fold's first reading.
 * - A fold's span (for the weekly rate) is the sum of the steps between its consecutive readings,
 *   a step longer than `MAX_STEP_MS` (the months between two data sets) counting nothing.
 * - Scores over several folds pool the counts (events, detections, tickets, false tickets,
 *   flagged and labelled readings, span) rather than averaging figures. An event cut by a fold
 *   boundary counts in each fold it has readings in (rare: folds hold thousands of readings, events
 *   about 20). A ticket opened in an earlier fold and still open flags nothing here.
 */
import { DEFAULT_GRACE_MS, eventRuns, flaggedReadings, matchTickets, medianOf, pointCounts, type LabelledReading, type Score, type TicketSpan } from './score.ts';

const WEEK_MS = 7 * 24 * 3_600_000;
/** A step between readings longer than this is a break between data sets, not observed time. */
export const MAX_STEP_MS = 24 * 3_600_000;

export interface Fold {
  /** 0-based. */
  readonly index: number;
  /** Positions in the readings: [from, to). */
  readonly from: number;
  readonly to: number;
  /** First reading's time, epoch ms. */
  readonly start: number;
  /** The next fold's first reading's time (tickets before it belong here); +∞ for the last fold. */
  readonly until: number;
}

/** Splits time-ordered readings into `k` contiguous folds of about equal count. Pure. */
export function timeFolds(readings: readonly LabelledReading[], k: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new Error(`folds: k must be an integer of at least 2, got ${k}`);
  if (readings.length < k) throw new Error(`folds: ${readings.length} readings cannot make ${k} folds`);
  const bounds = Array.from({ length: k + 1 }, (_, i) => Math.round((i * readings.length) / k));
  return bounds.slice(0, k).map((from, index) => {
    const to = bounds[index + 1] ?? readings.length;
    const next = readings[to];
    return { index, from, to, start: readings[from]?.ts ?? 0, until: next === undefined ? Number.POSITIVE_INFINITY : next.ts };
  });
}

/** The counts of one fold that pool across folds. */
export interface FoldTally {
  readonly events: number;
  readonly detected: number;
  readonly tickets: number;
  readonly falseTickets: number;
  readonly delaysMin: readonly number[];
  readonly truePositive: number;
  readonly falsePositive: number;
  readonly falseNegative: number;
  readonly spanMs: number;
}

/** Observed time of consecutive readings, breaks between data sets left out. Pure. */
export function observedSpanMs(readings: readonly LabelledReading[]): number {
  let span = 0;
  for (let i = 1; i < readings.length; i++) {
    const step = (readings[i]?.ts ?? 0) - (readings[i - 1]?.ts ?? 0);
    if (step > 0 && step <= MAX_STEP_MS) span += step;
  }
  return span;
}

/** Counts of one fold: its readings, the tickets opened in it. Pure. */
export function foldTally(readings: readonly LabelledReading[], tickets: readonly TicketSpan[], fold: Fold, graceMs = DEFAULT_GRACE_MS): FoldTally {
  const own = readings.slice(fold.from, fold.to);
  const opened = tickets.filter(({ openedAt }) => openedAt >= fold.start && openedAt < fold.until);
  const { detected, falseTickets, delaysMin } = matchTickets(eventRuns(own), opened, graceMs);
  const { truePositive, falsePositive, falseNegative } = pointCounts(own, flaggedReadings(own, opened));
  return { events: eventRuns(own).length, detected, tickets: opened.length, falseTickets, delaysMin, truePositive, falsePositive, falseNegative, spanMs: observedSpanMs(own) };
}

/** The pooled score of several folds' tallies (score.ts's figures). Pure. */
export function pooledScore(tallies: readonly FoldTally[]): Score {
  const sum = (pick: (tally: FoldTally) => number) => tallies.reduce((total, tally) => total + pick(tally), 0);
  const [events, detected, tickets, falseTickets, spanMs] = [sum((t) => t.events), sum((t) => t.detected), sum((t) => t.tickets), sum((t) => t.falseTickets), sum((t) => t.spanMs)];
  const [tp, fp, fn] = [sum((t) => t.truePositive), sum((t) => t.falsePositive), sum((t) => t.falseNegative)];
  return {
    events,
    detected,
    recall: events === 0 ? null : detected / events,
    tickets,
    falseTickets,
    precision: tickets === 0 ? null : (tickets - falseTickets) / tickets,
    falsePerWeek: spanMs > 0 ? falseTickets / (spanMs / WEEK_MS) : null,
    f1: 2 * tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn),
    medianDelayMin: medianOf(tallies.flatMap((t) => t.delaysMin)),
  };
}
