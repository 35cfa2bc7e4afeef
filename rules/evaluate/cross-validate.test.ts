import { describe, expect, it } from 'vitest';
import { candidateScores, chooseCandidate, crossValidate, cvSummary, spreadOf, type Candidate } from './cross-validate.ts';
import type { LabelledReading, Score, TicketSpan } from './score.ts';

const MIN = 60_000;

const s = (recall: number, falsePerWeek: number, f1 = 0.5): Score => ({ events: 10, detected: recall * 10, recall, tickets: 10, falseTickets: 0, precision: 1, falsePerWeek, f1, medianDelayMin: 3 });

describe('choosing a candidate', () => {
  it.each([
    ['the highest recall within the budget', [s(0.8, 0.5), s(0.95, 0.9), s(1, 3)], 1],
    ['F1 breaks a recall tie', [s(0.9, 0.5, 0.4), s(0.9, 0.5, 0.6)], 1],
    ['none within the budget: the fewest false tickets', [s(1, 5), s(0.5, 2), s(0.9, 3)], 1],
    ['a full tie: the earlier candidate', [s(0.9, 0.5), s(0.9, 0.5)], 0],
  ] as const)('%s', (_name, scores, expected) => {
    expect(chooseCandidate(scores, { maxFalsePerWeek: 1 })).toBe(expected);
  });
});

/**
 * Four days of minutes, one 20-minute event a day at 06:00, and two candidate detectors: "eager"
 * catches every event but also raises a false ticket every day; "strict" catches only the events
 * of days 0-2 and is never false. With a budget of 1 false ticket a week, strict is the choice
 * for every fold (eager's rate is 7 a week); day 3's event is its miss.
 */
const DAY = 1440;
const readings: LabelledReading[] = Array.from({ length: 4 * DAY }, (_, m) => ({ ts: m * MIN, event: m % DAY >= 360 && m % DAY < 380 }));
const ticket = (minute: number): TicketSpan => ({ openedAt: minute * MIN, resolvedAt: (minute + 18) * MIN });
const days = [0, 1, 2, 3];
const eager: Candidate<string> = { params: 'eager', tickets: days.flatMap((d) => [ticket(d * DAY + 362), ticket(d * DAY + 900)]) };
const strict: Candidate<string> = { params: 'strict', tickets: [0, 1, 2].map((d) => ticket(d * DAY + 365)) };

describe('time-split cross-validation', () => {
  const results = crossValidate(readings, [eager, strict], 4, { maxFalsePerWeek: 1 });

  it('tunes each fold on the others and reports the held-out day', () => {
    expect(results.map((r) => r.chosen)).toEqual(['strict', 'strict', 'strict', 'strict']);
    expect(results.map((r) => r.held.recall)).toEqual([1, 1, 1, 0]);
    expect(results.map((r) => r.held.falseTickets)).toEqual([0, 0, 0, 0]);
    expect(results.map((r) => r.held.medianDelayMin)).toEqual([5, 5, 5, null]);
    expect(results[3]?.tuned).toMatchObject({ events: 3, detected: 3, falsePerWeek: 0 });
  });

  it('with a budget eager keeps, eager wins where strict misses a tuning event; F1 picks strict where both catch all', () => {
    const lax = crossValidate(readings, [strict, eager], 4, { maxFalsePerWeek: 10 });
    expect(lax.map((r) => r.chosen)).toEqual(['eager', 'eager', 'eager', 'strict']);
    expect(lax.map((r) => r.held.falseTickets)).toEqual([1, 1, 1, 0]);
  });

  it('summarises the held-out folds: mean and min–max, and every fold pooled', () => {
    const { spread, pooled } = cvSummary(results);
    expect(spread.recall).toEqual({ mean: 0.75, min: 0, max: 1 });
    expect(spread.medianDelayMin).toEqual({ mean: 5, min: 5, max: 5 });
    expect(pooled).toMatchObject({ events: 4, detected: 3, recall: 0.75, falseTickets: 0, precision: 1 });
  });

  it('scores every candidate over all the folds (in-sample)', () => {
    expect(candidateScores(readings, [eager, strict], 4).map(({ params, score }) => [params, score.detected, score.falseTickets])).toEqual([
      ['eager', 4, 4],
      ['strict', 3, 0],
    ]);
  });

  it('spread of nothing known is null', () => {
    expect(spreadOf([null, null])).toEqual({ mean: null, min: null, max: null });
  });
});
