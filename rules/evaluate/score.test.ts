import { describe, expect, it } from 'vitest';
import { eventRuns, flaggedReadings, isSensorHealthRule, matchTickets, medianOf, pointwiseF1, score, type LabelledReading, type TicketSpan } from './score.ts';

const MIN = 60_000;
const WEEK = 7 * 24 * 60 * MIN;

/** Readings at minutes 0..n-1 from a label string: "." quiet, "E" event. */
function labelled(labels: string): LabelledReading[] {
  return [...labels].map((c, minute) => ({ ts: minute * MIN, event: c === 'E' }));
}

/** A ticket open from minute `from` until minute `to` (null = still open). */
const ticket = (from: number, to: number | null): TicketSpan => ({ openedAt: from * MIN, resolvedAt: to === null ? null : to * MIN });

describe('event runs', () => {
  it.each([
    ['none', '.....', []],
    ['one in the middle', '..EEE..', [[2, 4, 3]]],
    ['touching both ends', 'EE..EEE', [[0, 1, 2], [4, 6, 3]]],
    ['a single labelled minute', '.E.', [[1, 1, 1]]],
  ])('%s', (_name, labels, expected) => {
    expect(eventRuns(labelled(labels)).map((r) => [r.start / MIN, r.end / MIN, r.readings])).toEqual(expected);
  });
});

describe('matching tickets to events (grace 10 minutes)', () => {
  const runs = eventRuns(labelled(`${'.'.repeat(10)}EEEEE${'.'.repeat(40)}EEEEE`)); // events 10-14 and 55-59
  it.each([
    ['opened at the start', [ticket(10, 20)], 1, 0, [0]],
    ['opened before the start is false (and no detection)', [ticket(9, 20)], 0, 1, []],
    ['opened 10 minutes after the end still counts', [ticket(24, 30)], 1, 0, [14]],
    ['opened 11 minutes after the end is false', [ticket(25, 30)], 0, 1, []],
    ['two tickets in one event: both match, the first sets the delay', [ticket(13, 14), ticket(12, 13)], 1, 0, [2]],
    ['one ticket per event', [ticket(11, 16), ticket(57, 60)], 2, 0, [1, 2]],
  ])('%s', (_name, tickets, detected, falseTickets, delays) => {
    const match = matchTickets(runs, tickets, 10 * MIN);
    expect({ detected: match.detected, falseTickets: match.falseTickets, delays: match.delaysMin }).toEqual({ detected, falseTickets, delays });
  });
});

describe('point-wise flags and F1', () => {
  it.each([
    ['open from its minute, resolved at its minute', '......', [ticket(1, 3)], '.FF...'],
    ['still open runs to the end', '......', [ticket(4, null)], '....FF'],
    ['overlapping tickets', '......', [ticket(0, 2), ticket(1, 4)], 'FFFF..'],
    ['a ticket nested in a longer one does not cut it short', '......', [ticket(0, 5), ticket(1, 2)], 'FFFFF.'],
  ])('%s', (_name, labels, tickets, expected) => {
    const flags = flaggedReadings(labelled(labels), tickets);
    expect(flags.map((f) => (f ? 'F' : '.')).join('')).toBe(expected);
  });

  it('a detector flagging every minute scores F1 = 2s / (1 + s), s the event share', () => {
    const labels = `${'.'.repeat(960)}${'E'.repeat(20)}${'.'.repeat(1000)}${'E'.repeat(20)}`;
    const readings = labelled(labels);
    const share = 40 / readings.length;
    expect(pointwiseF1(readings, flaggedReadings(readings, [ticket(0, null)]))).toBeCloseTo((2 * share) / (1 + share), 12);
  });

  it.each([
    ['perfect', '..EE..', [ticket(2, 4)], 1],
    ['half the event', '..EE..', [ticket(2, 3)], 2 / 3],
    ['all wrong', '..EE..', [ticket(4, 6)], 0],
    ['nothing to score', '......', [], null],
  ])('%s', (_name, labels, tickets, expected) => {
    const readings = labelled(labels);
    expect(pointwiseF1(readings, flaggedReadings(readings, tickets))).toBe(expected);
  });
});

describe('score', () => {
  it('puts the figures together', () => {
    // Events at 100-119 and 500-519; a quick catch, a late one within grace, two false alarms.
    const labels = `${'.'.repeat(100)}${'E'.repeat(20)}${'.'.repeat(380)}${'E'.repeat(20)}${'.'.repeat(480)}`;
    const tickets = [ticket(102, 121), ticket(525, 530), ticket(300, 305), ticket(700, 701)];
    const result = score({ readings: labelled(labels), tickets, spanMs: 2 * WEEK });
    expect(result).toMatchObject({ events: 2, detected: 2, recall: 1, tickets: 4, falseTickets: 2, precision: 0.5, falsePerWeek: 1, medianDelayMin: 13.5 });
    // flagged: 102-120 (18 in event, 1 after), 525-529, 300-304, 700 → TP 18, FP 12, FN 22.
    expect(result.f1).toBeCloseTo(36 / (36 + 12 + 22), 12);
  });

  it('says null where a figure has no denominator', () => {
    expect(score({ readings: labelled('....'), tickets: [], spanMs: 0 })).toEqual({
      events: 0,
      detected: 0,
      recall: null,
      tickets: 0,
      falseTickets: 0,
      precision: null,
      falsePerWeek: null,
      f1: null,
      medianDelayMin: null,
    });
  });

  it.each([
    [[], null],
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('median of %j is %s', (values, expected) => {
    expect(medianOf(values)).toBe(expected);
  });
});

describe('sensor-health rules', () => {
  it.each([
    [{ id: 'outlet-stale', kind: 'stale' }, true],
    [{ id: 'devices-silent-together', kind: 'flood' }, true],
    [{ id: 'ph-flatline', kind: 'rate-of-change' }, true],
    [{ id: 'chlorine-sensor-fault', kind: 'threshold' }, true],
    [{ id: 'plant-outlet-quality-anomaly', kind: 'anomaly' }, false],
    [{ id: 'stalemate-pressure', kind: 'threshold' }, false],
  ])('%j → %s', (rule, expected) => {
    expect(isSensorHealthRule(rule)).toBe(expected);
  });
});
