/**
 * Detection limits of a pack: the smallest single-channel step it catches in real background
 * (`clearwater evaluate --detection-limits`). For each channel and step size the seeded windows
 * of inject.ts are replayed through the real engine (replay.ts), one replay per size, and scored
 * like any labelled data: an injected step is caught when a ticket opens between its first
 * minute and 10 minutes after its last.
 *
 * Sizes are multiples of the channel's `minSpread` in the pack's anomaly rule (its sensor
 * resolution or noise floor), so each channel gets a ladder in its own unit. The limit is the
 * smallest size from which every larger size on the ladder reaches `minRecall`.
 */
import type { MetricName } from '../../network/metrics.ts';
import type { WatchedDevice } from '../engine.ts';
import type { Rule } from '../kinds/index.ts';
import { defaultPlan, drawPositions, injectedSeries, quietStarts, type InjectionPlan } from './inject.ts';
import { replay, type ReplaySample } from './replay.ts';

/** The channels measured: turbidity, free chlorine, pH, ORP, conductivity, the second chlorine analyser (GECCO Cl_2). */
export const limitChannels: readonly MetricName[] = ['turbidity', 'free_chlorine', 'ph', 'orp', 'conductivity', 'total_chlorine'];
export const defaultMultiples: readonly number[] = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64];

export interface LimitOptions {
  readonly positions: number;
  readonly seed: number;
  readonly plan?: InjectionPlan;
  readonly multiples?: readonly number[];
  /** Default 0.9. */
  readonly minRecall?: number;
}

export interface SizeResult {
  readonly size: number;
  readonly detected: number;
  readonly recall: number | null;
  /** Tickets that matched no injected step (background). */
  readonly falseTickets: number;
}

export interface ChannelLimit {
  readonly metric: MetricName;
  readonly minSpread: number;
  readonly sizes: readonly SizeResult[];
  /** Smallest size from which every larger one reaches minRecall; undefined when even the largest does not. */
  readonly limit: number | undefined;
}

export interface DetectionLimits {
  /** Windows actually drawn (fewer than asked when the background runs out). */
  readonly positions: number;
  /** The same windows without a step: a ticket in the step slot by chance. */
  readonly chance: SizeResult;
  readonly channels: readonly ChannelLimit[];
}

/** The smallest size from which all larger sizes reach `minRecall`. Pure. */
export function limitOf(sizes: readonly SizeResult[], minRecall: number): number | undefined {
  let limit: number | undefined;
  for (const { size, recall } of [...sizes].sort((a, b) => b.size - a.size)) {
    if ((recall ?? 0) < minRecall) break;
    limit = size;
  }
  return limit;
}

async function sizeResult(rules: readonly Rule[], device: WatchedDevice, series: readonly ReplaySample[], size: number): Promise<SizeResult> {
  const { score } = await replay(rules, device, series);
  return { size, detected: score.detected, recall: score.recall, falseTickets: score.falseTickets };
}

/** Runs the ladder for every channel the pack's anomaly rule watches. Samples: every file, in time order. */
export async function detectionLimits(rules: readonly Rule[], device: WatchedDevice, samples: readonly ReplaySample[], options: LimitOptions): Promise<DetectionLimits> {
  const plan = options.plan ?? defaultPlan;
  const anomaly = rules.find((rule) => rule.kind === 'anomaly');
  if (anomaly === undefined || anomaly.kind !== 'anomaly') throw new Error('detection limits: the packs hold no anomaly rule');
  const channels = limitChannels.flatMap((metric) => {
    const indicator = anomaly.indicators.find((own) => own.metric === metric);
    return indicator === undefined ? [] : [indicator];
  });
  const starts = quietStarts(samples, channels.map(({ metric }) => metric), plan);
  const positions = drawPositions(samples, starts, options.positions, options.seed, plan);
  if (positions.length === 0) throw new Error('detection limits: no quiet background window found');
  const first = channels[0]?.metric ?? 'turbidity';
  const chance = await sizeResult(rules, device, injectedSeries(samples, positions, first, 0, plan), 0);
  const results: ChannelLimit[] = [];
  for (const { metric, minSpread } of channels) {
    const sizes: SizeResult[] = [];
    for (const multiple of options.multiples ?? defaultMultiples) {
      const size = Number((multiple * minSpread).toPrecision(12));
      sizes.push(await sizeResult(rules, device, injectedSeries(samples, positions, metric, size, plan), size));
    }
    results.push({ metric, minSpread, sizes, limit: limitOf(sizes, options.minRecall ?? 0.9) });
  }
  return { positions: positions.length, chance, channels: results };
}
