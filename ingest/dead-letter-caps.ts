/**
 * How far the dead-letter store prunes: the oldest letters go until what is left fits both caps,
 * `maxEntries` letters and `maxBytes` bytes (payload as kept plus the text of each letter). Pure;
 * the store feeds it its totals and its rows oldest first, and deletes up to the id it returns.
 */

export interface StoreTotals {
  readonly letters: number;
  readonly bytes: number;
}

export interface StoreCaps {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export interface LetterSize {
  readonly id: number;
  readonly bytes: number;
}

export const fitsCaps = (totals: StoreTotals, caps: StoreCaps): boolean => totals.letters <= caps.maxEntries && totals.bytes <= caps.maxBytes;

/**
 * The id of the newest letter to prune, walking `oldestFirst` only as far as needed; undefined
 * when the store fits already. A single letter larger than `maxBytes` is pruned as well.
 */
export function pruneCutoff(totals: StoreTotals, caps: StoreCaps, oldestFirst: Iterable<LetterSize>): number | undefined {
  let left = totals;
  let cutoff: number | undefined;
  if (fitsCaps(left, caps)) return undefined;
  for (const letter of oldestFirst) {
    left = { letters: left.letters - 1, bytes: left.bytes - letter.bytes };
    cutoff = letter.id;
    if (fitsCaps(left, caps)) break;
  }
  return cutoff;
}
