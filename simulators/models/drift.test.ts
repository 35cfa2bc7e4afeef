import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.ts';
import { driftStep, initialModelState, type ModelState } from './drift.ts';

function walk(stepMs: number, steps: number, sd: number, tauMs: number, seed = 1): number[] {
  const rng = createRandom(seed);
  let state: ModelState = initialModelState;
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const step = driftStep(state, i * stepMs, rng);
    out.push(step.drift('x', sd, tauMs));
    state = step.state();
  }
  return out;
}

const sdOf = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
};

describe('drift', () => {
  it.each([
    // sampling step, correlation time: the spread is the same however often it is sampled
    [60_000, 600_000],
    [300_000, 600_000],
    [60_000, 60_000],
  ])('keeps its standard deviation when sampled every %s ms with τ = %s ms', (stepMs, tauMs) => {
    expect(sdOf(walk(stepMs, 20_000, 2, tauMs))).toBeCloseTo(2, 0);
  });

  it('moves little between samples much shorter than its correlation time', () => {
    const xs = walk(60_000, 1000, 1, 24 * 3_600_000);
    const steps = xs.slice(1).map((x, i) => Math.abs(x - (xs[i] ?? 0)));
    expect(Math.max(...steps)).toBeLessThan(0.3);
  });

  it('returns the same value when asked twice in one step', () => {
    const step = driftStep(initialModelState, 0, createRandom(1));
    expect(step.drift('x', 1, 1000)).toBe(step.drift('x', 1, 1000));
    expect(Object.keys(step.state().drifts)).toEqual(['x']);
  });
});
