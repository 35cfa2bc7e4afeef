import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../network/catalog.ts';
import { HOUR_MS, LOCAL_MIDNIGHT_MS, MINUTE_MS, sampleCatalog } from '../fixtures.ts';
import { createNetworkModel } from '../network-model.ts';
import { scenarioConfigSchema } from './registry.ts';
import { yellowWaterConfigSchema, yellowWaterEnvelope } from './yellow-water.ts';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await sampleCatalog();
});

const START_AFTER = 2 * HOUR_MS;
const START = LOCAL_MIDNIGHT_MS + START_AFTER;

function model(overrides: Record<string, unknown> = {}, seed = 1) {
  const scenario = scenarioConfigSchema.parse({ kind: 'yellow-water', startsAfter: START_AFTER, ...overrides });
  return createNetworkModel(catalog, { seed, simStartMs: LOCAL_MIDNIGHT_MS, scenarios: [scenario] });
}

/** Samples a device every minute over [fromMs, toMs). */
function minutes(m: ReturnType<typeof model>, deviceId: string, fromMs: number, toMs: number) {
  const signal = m.signal(deviceId);
  const out: { tMs: number; readings: Record<string, number | undefined> }[] = [];
  for (let t = fromMs; t < toMs; t += MINUTE_MS) out.push({ tMs: t, readings: signal.sample(t) });
  return out;
}

describe('yellow water', () => {
  it('describes every config field', () => {
    for (const [name, field] of Object.entries(yellowWaterConfigSchema.shape)) {
      if (name !== 'kind') expect(field.description, name).toBeTruthy();
    }
  });

  it('exposes its ground truth', () => {
    const [truth] = model().groundTruth;
    expect(truth).toMatchObject({ kind: 'yellow-water', name: 'yellow-water@tongmen', village: 'tongmen', startMs: START, endMs: START + 6 * HOUR_MS });
    expect([...(truth?.affectedSites ?? [])].sort()).toEqual(['main-tongmen-dn300', 'tongmen-end-tap', 'tongmen-tap']);
    expect(truth?.affectedDevices).toContain('tongmen-end-tap-wq');
    const drop = truth?.details.pressureDropKpa;
    expect(typeof drop === 'number' && drop >= 60 && drop <= 80).toBe(true);
  });

  it('turns the Tongmen end tap above 3 NTU within 15 minutes and back below 0.5 NTU after its duration', () => {
    const m = model();
    const samples = minutes(m, 'tongmen-end-tap-wq', START - 30 * MINUTE_MS, START + 7 * HOUR_MS);
    const at = (from: number, to: number) => samples.filter((s) => s.tMs >= from && s.tMs < to).map((s) => s.readings.turbidity ?? NaN);
    expect(Math.max(...at(START - 30 * MINUTE_MS, START))).toBeLessThan(0.5);
    expect(Math.max(...at(START, START + 15 * MINUTE_MS))).toBeGreaterThan(3);
    expect(Math.max(...at(START + 6 * HOUR_MS, START + 7 * HOUR_MS))).toBeLessThan(0.5);
  });

  it.each([
    ['default peak', {}, 5, 7],
    ['configured peak', { peakNtu: 10 }, 8.5, 11.5],
  ])('peaks near the configured turbidity at the end tap (%s)', (_name, overrides, lo, hi) => {
    const turbidity = minutes(model(overrides), 'tongmen-end-tap-wq', START, START + HOUR_MS).map((s) => s.readings.turbidity ?? NaN);
    expect(Math.max(...turbidity)).toBeGreaterThan(lo);
    expect(Math.max(...turbidity)).toBeLessThan(hi);
  });

  it('is worse at the end tap than at the other tap and the main, and leaves other villages alone', () => {
    const m = model();
    const peak = (id: string) => Math.max(...minutes(m, id, START, START + HOUR_MS).map((s) => s.readings.turbidity ?? NaN));
    expect(peak('tongmen-tap-wq')).toBeLessThan(peak('tongmen-end-tap-wq'));
    expect(peak('tongmen-tap-wq')).toBeGreaterThan(2);
    expect(peak('main-tongmen-dn300-wq')).toBeGreaterThan(1.5);
    expect(peak('dongqiao-tap-wq')).toBeLessThan(0.5);
  });

  it('starts with a pressure step of 60-80 kPa at the village main that recovers within minutes', () => {
    const m = model({}, 5);
    const kpa = minutes(m, 'main-tongmen-dn300-pt', START - 10 * MINUTE_MS, START + 20 * MINUTE_MS).map((s) => s.readings.pressure ?? NaN);
    const before = kpa.slice(0, 10);
    const during = kpa.slice(10, 14);
    const after = kpa.slice(20);
    const drop = mean(before) - mean(during);
    expect(drop).toBeGreaterThan(50);
    expect(drop).toBeLessThan(90);
    expect(Math.abs(mean(after) - mean(before))).toBeLessThan(20);
  });

  it('raises colour and iron and lowers free chlorine with the turbidity', () => {
    const samples = minutes(model(), 'tongmen-end-tap-wq', START - HOUR_MS, START + HOUR_MS);
    const before = samples.slice(0, 50);
    const peak = samples.slice(80);
    const avg = (xs: typeof samples, metric: string) => mean(xs.map((s) => s.readings[metric] ?? NaN));
    expect(avg(peak, 'color')).toBeGreaterThan(15); // GB 5749-2022 limit
    expect(avg(peak, 'iron')).toBeGreaterThan(0.3); // GB 5749-2022 limit
    expect(avg(peak, 'free_chlorine')).toBeLessThan(0.7 * avg(before, 'free_chlorine'));
  });

  it.each([
    // since onset, peak→end, half-life → envelope
    [0, 6 * HOUR_MS, 2 * HOUR_MS, 0],
    [6 * MINUTE_MS, 6 * HOUR_MS, 2 * HOUR_MS, 1],
    [3 * MINUTE_MS, 6 * HOUR_MS, 2 * HOUR_MS, 0.5],
    [6 * MINUTE_MS + 6 * HOUR_MS, 6 * HOUR_MS, 2 * HOUR_MS, 0],
    [6 * MINUTE_MS + 7 * HOUR_MS, 6 * HOUR_MS, 2 * HOUR_MS, 0],
  ])('envelope(%s, %s, %s) = %s', (since, peakToEnd, halfLife, expected) => {
    expect(yellowWaterEnvelope(since, peakToEnd, halfLife)).toBeCloseTo(expected, 9);
  });

  it('halves about every half-life early in the decay', () => {
    const first = yellowWaterEnvelope(6 * MINUTE_MS + 2 * HOUR_MS, 12 * HOUR_MS, 2 * HOUR_MS);
    expect(first).toBeGreaterThan(0.45);
    expect(first).toBeLessThan(0.5);
  });

  it.each([
    [{ village: 'atlantis' }, /unknown village "atlantis"/],
    [{ village: 'tongmen', peakNtu: 0 }, /peakNtu/],
    [{ village: 'tongmen', peak: 8 }, /peak/],
  ])('refuses %j', (overrides, problem) => {
    expect(() => model(overrides)).toThrow(problem);
  });
});

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
