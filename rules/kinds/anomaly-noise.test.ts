import { describe, expect, it } from 'vitest';
import type { MetricName } from '../../network/metrics.ts';
import { EMPTY_NOISE, filedResidual, residualScale, type NoiseMemory } from './anomaly-noise.ts';
import { anomalySchema, evaluateAnomaly, initialAnomalyState, noiseScales, type AnomalyRule, type AnomalyState } from './anomaly.ts';
import { anomalyBase } from './anomaly.fixtures.ts';

const MIN = 60_000;

function filed(residuals: readonly number[], window: number): NoiseMemory {
  return residuals.reduce((noise, r) => filedResidual(noise, r, window), EMPTY_NOISE);
}

describe('anomaly noise model: residual scale', () => {
  it('is 1.4826 × the median absolute residual, floored at minSpread', () => {
    expect(residualScale(filed([0.1, -0.1, 0.3, -0.2, 0], 10), 0.01, 3)).toBeCloseTo(1.4826 * 0.1, 12);
    expect(residualScale(filed([0, 0, 0, 0.01], 10), 0.005, 3)).toBe(0.005);
  });

  it('is unknown until minCount residuals are filed', () => {
    expect(residualScale(filed([1, 1], 10), 0.01, 3)).toBeUndefined();
    expect(residualScale(EMPTY_NOISE, 0.01, 0)).toBeUndefined();
  });

  it('slides: only the last `window` residuals count, kept sorted', () => {
    const noise = filed([5, 5, 5, 0.1, -0.2, 0.1], 3);
    expect(noise.residuals).toEqual([0.1, 0.2, 0.1]);
    expect(noise.sorted).toEqual([0.1, 0.1, 0.2]);
  });
});

/** Two indicators: pH jitters by ±0.05 (a noisy electrode), ORP is quiet at the resolution. */
const base = { ...anomalyBase, eventTimeout: '1h' };

function decisions(rule: AnomalyRule, rows: readonly (readonly [ph: number, orp: number])[]): { words: string[]; state: AnomalyState } {
  let state = initialAnomalyState(rule);
  const words = rows.map(([ph, orp], minute) => {
    const evaluation = evaluateAnomaly(rule, state, { ts: minute * MIN, values: new Map<MetricName, number>([['ph', ph], ['orp', orp]]) });
    state = evaluation.state;
    return evaluation.decision.type;
  });
  return { words, state };
}

/** 40 quiet minutes: pH alternates 8.00 / 8.10 / 8.05, ORP 750 / 751. */
const quiet = Array.from({ length: 40 }, (_, m) => [8 + 0.05 * (m % 3), 750 + (m % 2)] as const);

describe('anomaly with noise: residuals', () => {
  const residuals = anomalySchema.parse({ ...base, noise: 'residuals', noiseWindow: 30, combine: 'max' });

  it('defaults keep the original behaviour: noise from the baseline, window 240', () => {
    expect(anomalySchema.parse(base)).toMatchObject({ noise: 'baseline', noiseWindow: 240, combine: 'rss' });
  });

  it('learns each sensor its own scale: the noisy pH electrode wide, the quiet ORP at its floor', () => {
    const { state } = decisions(residuals, quiet);
    const [ph, orp] = noiseScales(residuals, state.memory);
    expect(ph).toBeGreaterThan(0.04);
    expect(orp).toBeLessThan(1.5);
  });

  it('a step in the quiet indicator alone opens a ticket; the same size of pH wobble does not', () => {
    const orpStep = decisions(residuals, [...quiet, ...Array.from({ length: 4 }, () => [8.05, 758] as const)]).words.slice(40);
    expect(orpStep).toEqual(['none', 'fire', 'update', 'update']);
    const phWobble = decisions(residuals, [...quiet, [8.1, 750], [8.0, 751], [8.1, 750], [8.0, 751]]).words.slice(40);
    expect(phWobble).toEqual(['none', 'none', 'none', 'none']);
  });
});
