import { describe, expect, it } from 'vitest';
import { pruneCutoff, type LetterSize } from './dead-letter-caps.ts';

const rows = (...bytes: number[]): LetterSize[] => bytes.map((b, i) => ({ id: i + 1, bytes: b }));
const sum = (letters: LetterSize[]) => ({ letters: letters.length, bytes: letters.reduce((a, l) => a + l.bytes, 0) });

describe('pruneCutoff', () => {
  it.each([
    ['within both caps', rows(10, 10, 10), { maxEntries: 3, maxBytes: 30 }, undefined],
    ['one letter too many', rows(10, 10, 10), { maxEntries: 2, maxBytes: 1000 }, 1],
    ['bytes over: the oldest go until the rest fits', rows(40, 5, 5, 30), { maxEntries: 100, maxBytes: 39 }, 2],
    ['bytes over by the newest only: still the oldest go', rows(1, 1, 1, 50), { maxEntries: 100, maxBytes: 51 }, 2],
    ['both caps: the stricter one decides', rows(1, 1, 1, 1, 100), { maxEntries: 4, maxBytes: 101 }, 3],
    ['a letter larger than the byte cap: everything goes', rows(1, 200), { maxEntries: 100, maxBytes: 100 }, 2],
    ['an empty store', rows(), { maxEntries: 1, maxBytes: 1 }, undefined],
  ])('%s', (_, letters, caps, cutoff) => {
    expect(pruneCutoff(sum(letters), caps, letters)).toBe(cutoff);
  });

  it('reads the oldest rows only as far as it needs', () => {
    let read = 0;
    function* oldestFirst() {
      for (const letter of rows(10, 10, 10, 10, 10)) {
        read += 1;
        yield letter;
      }
    }
    expect(pruneCutoff({ letters: 5, bytes: 50 }, { maxEntries: 10, maxBytes: 35 }, oldestFirst())).toBe(2);
    expect(read).toBe(2);
  });
});
