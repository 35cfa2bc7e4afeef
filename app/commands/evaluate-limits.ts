/**
 * `clearwater evaluate --detection-limits --positions N`: the detection-limit table of the packs
 * (rules/evaluate/detection-limits.ts) over the background of the given files. Thin: a report.
 */
import type { DetectionLimits, SizeResult } from '../../rules/evaluate/detection-limits.ts';

const cell = ({ size, recall }: SizeResult) => `${size}: ${recall === null ? '—' : recall.toFixed(2)}`;

/** The human report. Pure. */
export function limitsReport(limits: DetectionLimits, files: readonly string[], seed: number, minRecall: number): string {
  return [
    `detection limits: ${limits.positions} windows of real background from ${files.join(', ')} (seed ${seed}), one upward step of 20 minutes per window, one channel at a time\n`,
    `no step (chance): ${limits.chance.detected}/${limits.positions} windows with a ticket in the step slot, ${limits.chance.falseTickets} other tickets\n`,
    `${'channel'.padEnd(16)} ${'minSpread'.padStart(9)} ${'limit'.padStart(8)}  recall by step size (canonical unit)\n`,
    ...limits.channels.map(
      ({ metric, minSpread, limit, sizes }) => `${metric.padEnd(16)} ${String(minSpread).padStart(9)} ${(limit === undefined ? '> max' : String(limit)).padStart(8)}  ${sizes.map(cell).join('  ')}\n`,
    ),
    `(limit: the smallest step from which every larger step is caught in ≥ ${minRecall} of the windows)\n`,
  ].join('');
}

/** The JSON form. Pure. */
export function limitsJson(limits: DetectionLimits) {
  return { positions: limits.positions, chance: limits.chance, channels: limits.channels.map(({ metric, minSpread, limit, sizes }) => ({ metric, min_spread: minSpread, limit: limit ?? null, sizes })) };
}
