import { describe, expect, it } from 'vitest';
import type { MetricName } from '../../network/metrics.ts';
import { createRandom } from '../../simulators/random.ts';
import { packRules } from '../engine.fixtures.ts';
import { detectionLimits, limitOf } from './detection-limits.ts';
import { geccoMetrics } from './gecco.ts';
import { defaultPlan, drawPositions, injectedSeries, quietStarts } from './inject.ts';
import { replay, replayDevice, type ReplaySample } from './replay.ts';

const MIN = 60_000;
const T0 = Date.UTC(2016, 7, 3);

/** A quiet plant outlet, one reading a minute, seeded noise at each sensor's resolution (GECCO's rounding). */
function background(minutes: number, seed = 14): ReplaySample[] {
  const random = createRandom(seed);
  const round = (value: number, step: number) => Math.round(value / step) * step;
  return Array.from({ length: minutes }, (_, m) => ({
    ts: T0 + m * MIN,
    event: false,
    values: new Map<MetricName, number>([
      ['turbidity', round(0.015 + random.normal(0, 0.0005), 0.001)],
      ['free_chlorine', round(0.17 + random.normal(0, 0.002), 0.01)],
      ['ph', round(8.35 + random.normal(0, 0.003), 0.01)],
      ['orp', round(750 + random.normal(0, 0.4), 1)],
      ['conductivity', round(211 + random.normal(0, 0.4), 1)],
      ['total_chlorine', round(0.11 + random.normal(0, 0.0004), 0.001)],
      ['temperature', 6.5],
      ['flow', 1500],
    ]),
  }));
}

const plan = { ...defaultPlan, warmup: 60 };

describe('injection windows', () => {
  it('background excludes events, gaps and missing channels, with the whole window', () => {
    const samples = background(200);
    samples[150] = { ...(samples[150] as ReplaySample), event: true };
    samples[30] = { ...(samples[30] as ReplaySample), values: new Map() };
    const starts = quietStarts(samples, ['ph'], { ...plan, warmup: 20, stepLength: 5, tail: 5 });
    // A window [at − 20, at + 10) must avoid reading 30 (gap) except as its first reading, and 150 (event).
    expect(starts.some((at) => at - 20 < 150 && at + 10 > 150)).toBe(false);
    expect(starts.some((at) => at - 20 + 1 <= 30 && at + 10 > 30)).toBe(false);
    expect(starts).toContain(50);
    expect(starts).toContain(140);
  });

  it('draws the same positions for the same seed, windows apart', () => {
    const samples = background(3 * 1440);
    const starts = quietStarts(samples, ['ph'], plan);
    const a = drawPositions(samples, starts, 8, 7, plan);
    expect(drawPositions(samples, starts, 8, 7, plan)).toEqual(a);
    expect(drawPositions(samples, starts, 8, 8, plan)).not.toEqual(a);
    a.slice(1).forEach((at, i) => expect(at - (a[i] ?? 0)).toBeGreaterThanOrEqual(plan.warmup + plan.stepLength + plan.tail + plan.separationMs / MIN));
  });

  it('a step adds its size to one metric over the step readings, which alone are labelled', () => {
    const samples = background(400);
    const series = injectedSeries(samples, [200], 'ph', 0.1, plan);
    expect(series).toHaveLength(plan.warmup + plan.stepLength + plan.tail);
    expect(series.filter((s) => s.event)).toHaveLength(plan.stepLength);
    const at = series[plan.warmup];
    expect(at?.values.get('ph')).toBeCloseTo((samples[200]?.values.get('ph') ?? 0) + 0.1, 12);
    expect(at?.values.get('orp')).toBe(samples[200]?.values.get('orp'));
    expect(series[plan.warmup - 1]?.values.get('ph')).toBe(samples[199]?.values.get('ph'));
  });
});

describe('detection-limit floor on a quiet synthetic background (the shipped pack)', () => {
  const samples = background(4 * 1440);
  const options = { positions: 6, seed: 3, plan, multiples: [0.5, 64] };

  it('no step: no ticket at all; a step of 64 spreads: caught at every position, in every channel', async () => {
    const rules = await packRules('plant-outlet-anomaly');
    const limits = await detectionLimits(rules, replayDevice(geccoMetrics), samples, options);
    expect(limits.positions).toBe(6);
    expect(limits.chance).toMatchObject({ detected: 0, falseTickets: 0 });
    for (const channel of limits.channels) expect(channel.sizes.at(-1)).toMatchObject({ recall: 1, falseTickets: 0 });
    expect(limits.channels.map((c) => c.metric)).toEqual(['turbidity', 'free_chlorine', 'ph', 'orp', 'conductivity', 'total_chlorine']);
    const quiet = await replay(rules, replayDevice(geccoMetrics), samples);
    expect(quiet.tickets).toEqual([]);
  });

  it('the limit is the smallest size from which every larger one reaches the recall', () => {
    const sized = (size: number, recall: number) => ({ size, recall, detected: 0, falseTickets: 0 });
    expect(limitOf([sized(1, 0.95), sized(2, 0.5), sized(4, 0.9), sized(8, 1)], 0.9)).toBe(4);
    expect(limitOf([sized(1, 0.2), sized(2, 0.5)], 0.9)).toBeUndefined();
  });
});
