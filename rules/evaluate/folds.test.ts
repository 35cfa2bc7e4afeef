import { describe, expect, it } from 'vitest';
import { foldTally, MAX_STEP_MS, observedSpanMs, pooledScore, timeFolds } from './folds.ts';
import { score, type LabelledReading } from './score.ts';

const MIN = 60_000;
const WEEK = 7 * 24 * 60 * MIN;

/** `n` one-minute readings from minute `from`, labelled in the given [start, end) minute ranges. */
function series(n: number, events: readonly (readonly [number, number])[] = [], from = 0): LabelledReading[] {
  return Array.from({ length: n }, (_, i) => ({ ts: (from + i) * MIN, event: events.some(([s, e]) => from + i >= s && from + i < e) }));
}

describe('time folds', () => {
  it('splits into k contiguous folds of about equal count, each up to the next one', () => {
    const folds = timeFolds(series(10), 3);
    expect(folds.map(({ from, to }) => [from, to])).toEqual([[0, 3], [3, 7], [7, 10]]);
    expect(folds.map(({ start, until }) => [start / MIN, until / MIN])).toEqual([[0, 3], [3, 7], [7, Number.POSITIVE_INFINITY]]);
  });

  it.each([
    [1, 'at least 2'],
    [2.5, 'at least 2'],
    [20, 'cannot make 20 folds'],
  ])('refuses k = %s', (k, message) => {
    expect(() => timeFolds(series(10), k)).toThrow(message);
  });

  it('a break between data sets is no observed time', () => {
    const two = [...series(3), ...series(3, [], 3 + MAX_STEP_MS / MIN + 10)];
    expect(observedSpanMs(two)).toBe(4 * MIN);
  });
});

describe('fold tallies', () => {
  // Two folds of 100 minutes; an event at 20-30 in the first, 150-160 in the second.
  const readings = series(200, [[20, 30], [150, 160]]);
  const [first, second] = timeFolds(readings, 2);
  // A ticket at 22 (detects the first event), one at 60 (false), one at 151 (detects the second).
  const tickets = [
    { openedAt: 22 * MIN, resolvedAt: 30 * MIN },
    { openedAt: 60 * MIN, resolvedAt: 61 * MIN },
    { openedAt: 151 * MIN, resolvedAt: 160 * MIN },
  ];

  it('counts the fold’s own events and the tickets opened in it', () => {
    if (first === undefined || second === undefined) throw new Error('two folds');
    expect(foldTally(readings, tickets, first)).toMatchObject({ events: 1, detected: 1, tickets: 2, falseTickets: 1, delaysMin: [2], truePositive: 8, falsePositive: 1, falseNegative: 2, spanMs: 99 * MIN });
    expect(foldTally(readings, tickets, second)).toMatchObject({ events: 1, detected: 1, tickets: 1, falseTickets: 0, delaysMin: [1] });
  });

  it('pooled over every fold, the figures are those of the whole series', () => {
    if (first === undefined || second === undefined) throw new Error('two folds');
    const pooled = pooledScore([foldTally(readings, tickets, first), foldTally(readings, tickets, second)]);
    const whole = score({ readings, tickets, spanMs: 199 * MIN });
    // The span differs by the one step between the folds; everything else is the same.
    expect({ ...pooled, falsePerWeek: null }).toEqual({ ...whole, falsePerWeek: null });
    expect(pooled.falsePerWeek).toBeCloseTo(1 / ((198 * MIN) / WEEK), 9);
  });

  it('a fold without events or tickets has no recall, precision or F1', () => {
    const quiet = series(50);
    const [fold] = timeFolds(quiet, 2);
    if (fold === undefined) throw new Error('a fold');
    expect(pooledScore([foldTally(quiet, [], fold)])).toMatchObject({ events: 0, recall: null, precision: null, f1: null, falsePerWeek: 0, medianDelayMin: null });
  });
});
