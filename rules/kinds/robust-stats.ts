/**
 * Robust statistics for the anomaly kind: median and MAD of sorted lists (no sort per sample),
 * the binomial CDF of the event discriminator, and the small sorted-list edits that keep a
 * baseline sorted as it slides. Pure; table-tested through anomaly.test.ts.
 */

/** MAD × 1.4826 estimates σ for normal data (the consistency constant). */
export const MAD_TO_SIGMA = 1.4826;

/** Median of a sorted, non-empty list. Pure. */
export function sortedMedian(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}

/**
 * Median absolute deviation from `center` of a sorted list, in O(n) without sorting: the
 * deviations grow outwards from the center on both sides, so merging the two sides yields them
 * in order. Pure.
 */
export function sortedMad(sorted: readonly number[], center: number): number {
  const n = sorted.length;
  let right = lowerBound(sorted, center);
  let left = right - 1;
  let previous = Number.NaN;
  let current = Number.NaN;
  // Hot path (every panel × indicator): a plain loop, no closures.
  for (let taken = 0; taken <= n >> 1; taken++) {
    const down = left >= 0 ? center - (sorted[left] ?? 0) : Number.POSITIVE_INFINITY;
    const up = right < n ? (sorted[right] ?? 0) - center : Number.POSITIVE_INFINITY;
    previous = current;
    if (down <= up) {
      current = down;
      left--;
    } else {
      current = up;
      right++;
    }
  }
  return n % 2 === 1 ? current : (previous + current) / 2;
}

/** Prediction (median) and robust spread (1.4826 × MAD, at least `minSpread`) of a sorted baseline. Pure. */
export function baselineOf(sorted: readonly number[], minSpread: number): { center: number; spread: number } {
  const center = sortedMedian(sorted);
  return { center, spread: Math.max(MAD_TO_SIGMA * sortedMad(sorted, center), minSpread) };
}

/** P(X ≤ k) for X ~ Binomial(n, p). Pure; n is small (the BED window). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  let term = (1 - p) ** n; // P(X = 0)
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term *= ((n - i + 1) / i) * (p / (1 - p));
    sum += term;
  }
  return Math.min(1, sum);
}

/** `list` with `value` appended, keeping at most `max` values (oldest dropped). */
export function pushed(list: readonly number[], value: number, max: number): number[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  next.push(value);
  return next;
}

/** Position of the first element ≥ value in a sorted list. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((sorted[mid] ?? 0) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The sorted list with `removed` (if any) taken out and `added` put in its place. */
export function resorted(sorted: readonly number[], added: number, removed: number | undefined): number[] {
  const next = sorted.slice();
  if (removed !== undefined) next.splice(lowerBound(next, removed), 1);
  next.splice(lowerBound(next, added), 0, added);
  return next;
}
