import { describe, expect, it } from 'vitest';
import type { MetricName } from '../../network/metrics.ts';
import { replayPlan, timeShiftMs, withinWindow, type RecordedSample } from './plan.ts';

const T0 = Date.parse('2018-03-01T00:00:00Z');
const MIN = 60_000;
const row = (minute: number, values: Partial<Record<MetricName, number>>): RecordedSample => ({
  ts: T0 + minute * MIN,
  values: new Map(Object.entries(values) as [MetricName, number][]),
});
const chlorine = new Set<MetricName>(['free_chlorine', 'total_chlorine']);

describe('replayPlan', () => {
  const rows = [
    row(0, { free_chlorine: 0.41, total_chlorine: 0.12, ph: 8.3 }),
    row(1, { free_chlorine: 0.42, ph: 8.3 }),
    row(2, { ph: 8.4 }), // nothing the device declares: a gap
    row(2, { free_chlorine: 9 }), // same instant again: out of order
    row(1, { free_chlorine: 9 }), // a step back: out of order
    row(3, {}), // a gap row of the file
    row(4, { free_chlorine: 0.44 }),
  ];

  it('sends one telemetry message a row, with its own timestamp and increasing seq, only declared metrics', () => {
    const plan = replayPlan(rows, { metrics: chlorine, shiftMs: 0, batch: 1 });
    expect(plan.messages.map((m) => JSON.parse(m.payload))).toEqual([
      { ts: T0, seq: 0, readings: { free_chlorine: 0.41, total_chlorine: 0.12 } },
      { ts: T0 + MIN, seq: 1, readings: { free_chlorine: 0.42 } },
      { ts: T0 + 4 * MIN, seq: 2, readings: { free_chlorine: 0.44 } },
    ]);
    expect(plan.messages.map((m) => m.dueMs)).toEqual([T0, T0 + MIN, T0 + 4 * MIN]);
    expect(plan).toMatchObject({ readings: 3, gaps: 2, outOfOrder: 2, undeclared: { ph: 3 }, firstMs: T0, lastMs: T0 + 4 * MIN });
  });

  it('batches rows into `samples` messages due at their last row', () => {
    const plan = replayPlan(rows, { metrics: chlorine, shiftMs: 0, batch: 2 });
    expect(plan.messages.map((m) => [m.samples, m.dueMs])).toEqual([
      [2, T0 + MIN],
      [1, T0 + 4 * MIN],
    ]);
    expect(JSON.parse(plan.messages[0]!.payload)).toEqual({
      samples: [
        { ts: T0, readings: { free_chlorine: 0.41, total_chlorine: 0.12 } },
        { ts: T0 + MIN, readings: { free_chlorine: 0.42 } },
      ],
    });
  });

  it('shifts every timestamp by the same amount, spacing kept', () => {
    const plan = replayPlan(rows, { metrics: chlorine, shiftMs: 1000, batch: 1 });
    expect(plan.messages.map((m) => (JSON.parse(m.payload) as { ts: number }).ts - T0)).toEqual([1000, MIN + 1000, 4 * MIN + 1000]);
  });

  it('keeps only the from/to window of the data\'s own time line (to excluded)', () => {
    const plan = replayPlan(rows, { metrics: chlorine, shiftMs: 0, batch: 1, fromMs: T0 + MIN, toMs: T0 + 4 * MIN });
    expect(plan.readings).toBe(1);
    expect(withinWindow(rows, T0 + MIN, T0 + 4 * MIN).map((r) => (r.ts - T0) / MIN)).toEqual([1, 2, 2, 1, 3]);
  });
});

describe('timeShiftMs', () => {
  const now = Date.parse('2026-12-03T06:00:00Z');
  it.each([
    ['keep the data\'s times', { keepTime: true } as const, 0],
    ['first row at a chosen start', { keepTime: false, startMs: now - 3_600_000 }, now - 3_600_000 - T0],
    ['by default the last row lands now', { keepTime: false }, now - 10 * MIN - T0],
  ])('%s', (_name, shift, expected) => {
    expect(timeShiftMs(T0, T0 + 10 * MIN, shift, now)).toBe(expected);
  });
});
