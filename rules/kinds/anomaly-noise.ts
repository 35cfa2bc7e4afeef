/**
 * Per-indicator noise model of the anomaly kind (rules/kinds/anomaly.ts, step 1): how far one
 * indicator's prediction is usually off, learned from that sensor alone, so that a quiet channel
 * and a noisy one are each judged on their own scale and a step in one indicator is not drowned
 * by the others.
 *
 * - `baseline` (the original behaviour): the spread is 1.4826 × MAD of the baseline values
 *   themselves (the last `history` inliers, 15 by default). A short window: drift inside it widens
 *   the spread, and a quiet stretch of rounded data gives a MAD of 0 (the `minSpread` floor).
 * - `residuals`: the spread is 1.4826 × the median absolute prediction residual (value − baseline
 *   median) of the indicator's last `noiseWindow` inlier panels: the error the predictor actually
 *   makes on that sensor, over hours rather than minutes, robust to the few outliers that still
 *   pass as inliers (MAD about zero: residuals of an unbiased predictor centre on 0; Rousseeuw &
 *   Croux, "Alternatives to the median absolute deviation", JASA 88, 1993, for the 1.4826
 *   consistency constant). Until the window holds `minCount` residuals the baseline spread stands
 *   in. Never below the indicator's `minSpread`.
 *
 * Pure; memory is one sliding window of absolute residuals per indicator, kept sorted as it slides.
 */
import { MAD_TO_SIGMA, pushed, resorted, sortedMedian } from './robust-stats.ts';

export const noiseModels = ['baseline', 'residuals'] as const;
export type NoiseModel = (typeof noiseModels)[number];

/** One indicator's recent absolute prediction residuals, oldest first, and the same sorted. */
export interface NoiseMemory {
  readonly residuals: readonly number[];
  readonly sorted: readonly number[];
}

export const EMPTY_NOISE: NoiseMemory = { residuals: [], sorted: [] };

/** Files the absolute residual of an inlier panel, keeping the last `window` of them. Pure. */
export function filedResidual(noise: NoiseMemory, residual: number, window: number): NoiseMemory {
  const magnitude = Math.abs(residual);
  const removed = noise.residuals.length >= window ? noise.residuals[noise.residuals.length - window] : undefined;
  return { residuals: pushed(noise.residuals, magnitude, window), sorted: resorted(noise.sorted, magnitude, removed) };
}

/**
 * The indicator's noise scale from its residuals: 1.4826 × median |residual|, at least
 * `minSpread`; undefined while fewer than `minCount` residuals are known. Pure.
 */
export function residualScale(noise: NoiseMemory, minSpread: number, minCount: number): number | undefined {
  if (noise.sorted.length < minCount || noise.sorted.length === 0) return undefined;
  return Math.max(MAD_TO_SIGMA * sortedMedian(noise.sorted), minSpread);
}
