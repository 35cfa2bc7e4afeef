/**
 * Time-split cross-validation of detector settings (`clearwater evaluate --folds K`). Pure: the
 * replays are done by the caller, one per candidate over all the data (the detector is causal, so
 * one replay scored fold by fold is the replay of each fold with the state its past left; the
 * only leak is the baseline learned just before a fold starts, from the fold before).
 *
 * For each fold: the candidate with the best pooled score on the other folds is chosen
 * (`chooseCandidate`), and its score on the held-out fold is reported. Held-out figures are
 * therefore never computed with settings chosen on the same minutes.
 */
import { foldTally, pooledScore, timeFolds, type Fold, type FoldTally } from './folds.ts';
import { DEFAULT_GRACE_MS, type LabelledReading, type Score, type TicketSpan } from './score.ts';

/** One setting of the detector and the tickets its replay opened over all the readings. */
export interface Candidate<P> {
  readonly params: P;
  readonly tickets: readonly TicketSpan[];
}

/** What tuning aims at: the most events caught within a false-ticket budget. */
export interface TuningGoal {
  /** False tickets per week allowed on the tuning folds; the detection goal is 1. */
  readonly maxFalsePerWeek: number;
}

export interface FoldResult<P> {
  readonly fold: Fold;
  readonly chosen: P;
  /** The chosen candidate's pooled score on the other folds (what it was chosen by). */
  readonly tuned: Score;
  /** Its score on the held-out fold. */
  readonly held: Score;
  /** The held-out fold's counts, to pool over all folds. */
  readonly heldTally: FoldTally;
}

const orZero = (value: number | null) => value ?? 0;

/**
 * The candidate to keep: within the false-ticket budget, the highest recall, then the highest F1,
 * then the fewest false tickets; when none keeps the budget, the fewest false tickets, then the
 * highest recall. Ties go to the earlier candidate. Pure.
 */
export function chooseCandidate(scores: readonly Score[], goal: TuningGoal): number {
  const within = (s: Score) => (s.falsePerWeek ?? 0) <= goal.maxFalsePerWeek;
  const better = (a: Score, b: Score): boolean => {
    if (within(a) !== within(b)) return within(a);
    const [fa, fb] = [orZero(a.falsePerWeek), orZero(b.falsePerWeek)];
    if (!within(a) && fa !== fb) return fa < fb;
    if (orZero(a.recall) !== orZero(b.recall)) return orZero(a.recall) > orZero(b.recall);
    if (orZero(a.f1) !== orZero(b.f1)) return orZero(a.f1) > orZero(b.f1);
    return fa < fb;
  };
  let best = 0;
  scores.forEach((s, i) => {
    const current = scores[best];
    if (current !== undefined && better(s, current)) best = i;
  });
  return best;
}

/** Every candidate's score over all folds pooled: in-sample, for comparing settings, never a held-out figure. Pure. */
export function candidateScores<P>(readings: readonly LabelledReading[], candidates: readonly Candidate<P>[], k: number, graceMs = DEFAULT_GRACE_MS): { params: P; score: Score }[] {
  const folds = timeFolds(readings, k);
  return candidates.map(({ params, tickets }) => ({ params, score: pooledScore(folds.map((fold) => foldTally(readings, tickets, fold, graceMs))) }));
}

/** K-fold time-split cross-validation over time-ordered readings. Pure. */
export function crossValidate<P>(readings: readonly LabelledReading[], candidates: readonly Candidate<P>[], k: number, goal: TuningGoal, graceMs = DEFAULT_GRACE_MS): FoldResult<P>[] {
  if (candidates.length === 0) throw new Error('cross-validate: no candidate');
  const folds = timeFolds(readings, k);
  const tallies: FoldTally[][] = candidates.map(({ tickets }) => folds.map((fold) => foldTally(readings, tickets, fold, graceMs)));
  return folds.map((fold) => {
    const tuning = tallies.map((perFold) => pooledScore(perFold.filter((_, i) => i !== fold.index)));
    const best = chooseCandidate(tuning, goal);
    const chosen = candidates[best];
    const held = tallies[best]?.[fold.index];
    const tuned = tuning[best];
    if (chosen === undefined || held === undefined || tuned === undefined) throw new Error('cross-validate: candidate out of range');
    return { fold, chosen: chosen.params, tuned, held: pooledScore([held]), heldTally: held };
  });
}

export interface Spread {
  readonly mean: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** Mean and min–max of the figures that exist (nulls left out). Pure. */
export function spreadOf(values: readonly (number | null)[]): Spread {
  const known = values.filter((v): v is number => v !== null);
  if (known.length === 0) return { mean: null, min: null, max: null };
  return { mean: known.reduce((a, b) => a + b, 0) / known.length, min: Math.min(...known), max: Math.max(...known) };
}

export const cvFigures = ['recall', 'precision', 'falsePerWeek', 'f1', 'medianDelayMin'] as const;
export type CvFigure = (typeof cvFigures)[number];

/**
 * Mean and min–max over the held-out folds of each figure, and `pooled`: every held-out fold's
 * counts together (each minute scored once, by settings not chosen on it). Pure.
 */
export function cvSummary(results: readonly FoldResult<unknown>[]): { spread: Record<CvFigure, Spread>; pooled: Score } {
  const spread = Object.fromEntries(cvFigures.map((figure) => [figure, spreadOf(results.map((r) => r.held[figure]))])) as Record<CvFigure, Spread>;
  return { spread, pooled: pooledScore(results.map((r) => r.heldTally)) };
}
