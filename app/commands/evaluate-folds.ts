/**
 * `clearwater evaluate --folds K`: time-split cross-validation over one or more labelled files
 * (rules/evaluate/cross-validate.ts). Every grid setting is replayed once per file through the real
 * engine (replay.ts); the folds are scored from those tickets. Thin: the decisions are pure and
 * tested in rules/evaluate/.
 */
import { candidateScores, crossValidate, cvFigures, cvSummary, type Candidate, type FoldResult, type TuningGoal } from '../../rules/evaluate/cross-validate.ts';
import { overridesLabel, withOverrides, type Overrides } from '../../rules/evaluate/grid.ts';
import { replay, type ReplaySample } from '../../rules/evaluate/replay.ts';
import type { Score } from '../../rules/evaluate/score.ts';
import type { WatchedDevice } from '../../rules/engine.ts';
import type { Rule } from '../../rules/kinds/index.ts';

export interface LabelledFile {
  readonly file: string;
  readonly samples: readonly ReplaySample[];
}

export interface FoldsRun {
  readonly results: FoldResult<Overrides>[];
  /** Each setting over all the data (in-sample). */
  readonly candidates: { params: Overrides; score: Score }[];
  readonly readings: number;
  readonly events: number;
}

/** Replays every setting over every file (files in time order), then cross-validates. */
export async function runFolds(rules: readonly Rule[], device: WatchedDevice, files: readonly LabelledFile[], k: number, grid: readonly Overrides[], goal: TuningGoal, progress: (line: string) => void): Promise<FoldsRun> {
  const ordered = [...files].sort((a, b) => (a.samples[0]?.ts ?? 0) - (b.samples[0]?.ts ?? 0));
  const readings = ordered.flatMap(({ samples }) => samples.filter((sample) => sample.values.size > 0));
  const candidates: Candidate<Overrides>[] = [];
  for (const overrides of grid) {
    const tuned = withOverrides(rules, overrides);
    const tickets = [];
    for (const { file, samples } of ordered) {
      const result = await replay(tuned, device, samples);
      progress(`${overridesLabel(overrides)}: ${file}: ${result.tickets.length} tickets`);
      tickets.push(...result.tickets);
    }
    candidates.push({ params: overrides, tickets });
  }
  const results = crossValidate(readings, candidates, k, goal);
  const events = results.reduce((sum, r) => sum + r.heldTally.events, 0);
  return { results, candidates: candidateScores(readings, candidates, k), readings: readings.length, events };
}

const f = (value: number | null, digits = 3) => (value === null ? '—' : value.toFixed(digits));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

function row(label: string, s: Pick<Score, (typeof cvFigures)[number]>, extra = ''): string {
  return `${label.padEnd(36)} ${f(s.recall).padStart(6)} ${f(s.precision).padStart(9)} ${f(s.falsePerWeek, 2).padStart(8)} ${f(s.f1).padStart(6)} ${f(s.medianDelayMin, 1).padStart(6)}  ${extra}\n`;
}

/** The human report. Pure. */
export function foldsReport(run: FoldsRun, files: readonly string[], gridSpecs: readonly string[], goal: TuningGoal): string {
  const { spread, pooled } = cvSummary(run.results);
  const pick = (which: 'mean' | 'min' | 'max') => Object.fromEntries(cvFigures.map((figure) => [figure, spread[figure][which]])) as Pick<Score, (typeof cvFigures)[number]>;
  const lines = [
    `cross-validation: ${run.results.length} contiguous time folds over ${files.join(', ')} (${run.readings} readings, ${run.events} events)\n`,
    `each fold held out; settings chosen on the other folds: most events with ≤ ${goal.maxFalsePerWeek} false ticket(s)/week, then F1; grid ${gridSpecs.length === 0 ? '(pack as is)' : gridSpecs.join(' × ')}\n`,
    `${'fold (UTC)'.padEnd(36)} ${'recall'.padStart(6)} ${'precision'.padStart(9)} ${'false/wk'.padStart(8)} ${'F1'.padStart(6)} ${'delay'.padStart(6)}  events, chosen\n`,
    ...run.results.map(({ fold, held, chosen }, i) => {
      const last = run.results[i + 1]?.fold.start;
      return row(`${fold.index + 1}  ${day(fold.start)} → ${last === undefined ? 'end' : day(last)}`, held, `${held.detected}/${held.events}, ${held.falseTickets} false; ${overridesLabel(chosen)}`);
    }),
    row('mean', pick('mean')),
    row('min', pick('min')),
    row('max', pick('max')),
    row('pooled held-out', pooled, `${pooled.detected}/${pooled.events}, ${pooled.falseTickets} false of ${pooled.tickets} tickets`),
    '(delay: median minutes from an event\'s start to its ticket)\n',
    'every setting over all the data (in-sample: for comparing settings, not a held-out figure):\n',
    ...run.candidates.map(({ params, score }) => row(overridesLabel(params), score, `${score.detected}/${score.events}, ${score.falseTickets} false`)),
  ];
  return lines.join('');
}

const round = (value: number | null, digits = 4) => (value === null ? null : Number(value.toFixed(digits)));

/** The JSON summary. Pure. */
export function foldsJson(run: FoldsRun) {
  const json = (s: Score) => ({ events: s.events, detected: s.detected, recall: round(s.recall), precision: round(s.precision), false_per_week: round(s.falsePerWeek), f1: round(s.f1), median_delay_min: round(s.medianDelayMin, 1) });
  const { spread, pooled } = cvSummary(run.results);
  return {
    folds: run.results.map(({ fold, held, chosen }) => ({ fold: fold.index + 1, start: new Date(fold.start).toISOString(), chosen, ...json(held) })),
    spread: Object.fromEntries(cvFigures.map((figure) => [figure, { mean: round(spread[figure].mean), min: round(spread[figure].min), max: round(spread[figure].max) }])),
    pooled: json(pooled),
    candidates: run.candidates.map(({ params, score }) => ({ params, ...json(score) })),
  };
}
