/**
 * Synthetic steps in real background, for detection limits (`clearwater evaluate
 * --detection-limits`). Pure and seeded: the same data, seed and plan give the same windows.
 *
 * - Background: stretches of consecutive one-minute readings (no gap row, no step over
 *   `maxStepMs`) that carry every metric of the step channels and hold no labelled event.
 * - Windows: `positions` of them, drawn with mulberry32 (simulators/random.ts) among the quiet
 *   stretches, each `warmup` readings of learning, the step (`stepLength` readings), `tail`
 *   readings after; never overlapping, and at least `separationMs` apart, so that with a
 *   separation above the pack's `maxGap` every window starts learning afresh.
 * - A step adds `size` (canonical unit; upward) to one metric over the step readings, which are
 *   labelled as the event; every other reading of the window is labelled normal. A size of 0
 *   labels the same readings but changes nothing: the chance of a ticket there from background
 *   alone.
 */
import type { MetricName } from '../../network/metrics.ts';
import { createRandom } from '../../simulators/random.ts';
import type { ReplaySample } from './replay.ts';

export interface InjectionPlan {
  /** Readings before the step: the detector learns on them. */
  readonly warmup: number;
  /** Readings of the step (GECCO's labelled events last 17-23 minutes). */
  readonly stepLength: number;
  /** Readings after the step (the scoring grace is 10 minutes). */
  readonly tail: number;
  /** Least time between two windows, ms. */
  readonly separationMs: number;
  /** A longer step between consecutive readings breaks the background, ms. */
  readonly maxStepMs: number;
}

export const defaultPlan: InjectionPlan = { warmup: 240, stepLength: 20, tail: 20, separationMs: 2 * 3_600_000, maxStepMs: 2 * 60_000 };

const windowLength = (plan: InjectionPlan) => plan.warmup + plan.stepLength + plan.tail;

/** Step starts whose whole window lies in quiet background (see above), in order. Pure. */
export function quietStarts(samples: readonly ReplaySample[], metrics: readonly MetricName[], plan: InjectionPlan = defaultPlan): number[] {
  // bad[i]: reading i cannot be background (a gap, an event, a missing metric, or a break before it).
  const badBefore = [0];
  samples.forEach((sample, i) => {
    const previous = samples[i - 1];
    const broken = previous !== undefined && sample.ts - previous.ts > plan.maxStepMs;
    const bad = sample.event || metrics.some((metric) => !Number.isFinite(sample.values.get(metric))) || broken;
    badBefore.push((badBefore[i] ?? 0) + (bad ? 1 : 0));
  });
  const starts: number[] = [];
  for (let at = plan.warmup; at + plan.stepLength + plan.tail <= samples.length; at++) {
    const from = at - plan.warmup;
    const to = at + plan.stepLength + plan.tail;
    // The first reading's own break does not matter; nothing else may be bad, nor may it be an event.
    const bad = (badBefore[to] ?? 0) - (badBefore[from + 1] ?? 0);
    if (bad === 0 && samples[from]?.event === false) starts.push(at);
  }
  return starts;
}

/** `positions` step starts drawn from `starts` (seeded), windows apart by the plan; in order. Fewer when the background runs out. Pure. */
export function drawPositions(samples: readonly ReplaySample[], starts: readonly number[], positions: number, seed: number, plan: InjectionPlan = defaultPlan): number[] {
  const random = createRandom(seed);
  const chosen: number[] = [];
  const span = (at: number) => [samples[at - plan.warmup]?.ts ?? 0, samples[at + plan.stepLength + plan.tail - 1]?.ts ?? 0] as const;
  for (let attempt = 0; attempt < 100 * positions && chosen.length < positions && starts.length > 0; attempt++) {
    const at = starts[random.int(0, starts.length - 1)] ?? 0;
    const [from, to] = span(at);
    const clear = chosen.every((other) => {
      const [otherFrom, otherTo] = span(other);
      return to + plan.separationMs <= otherFrom || otherTo + plan.separationMs <= from;
    });
    if (clear) chosen.push(at);
  }
  return chosen.sort((a, b) => a - b);
}

/** The windows at `positions`, one after another, with a step of `size` in `metric`, relabelled. Pure. */
export function injectedSeries(samples: readonly ReplaySample[], positions: readonly number[], metric: MetricName, size: number, plan: InjectionPlan = defaultPlan): ReplaySample[] {
  return positions.flatMap((at) =>
    samples.slice(at - plan.warmup, at - plan.warmup + windowLength(plan)).map((sample, i): ReplaySample => {
      const inStep = i >= plan.warmup && i < plan.warmup + plan.stepLength;
      const value = sample.values.get(metric);
      if (!inStep || value === undefined || size === 0) return { ...sample, event: inStep };
      return { ...sample, event: true, values: new Map(sample.values).set(metric, value + size) };
    }),
  );
}
