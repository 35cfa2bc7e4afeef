/**
 * Seeded pseudo-random numbers. Every random draw of the simulators goes through a `Random`, so a
 * seed reproduces a run exactly. Generator: mulberry32 (Tommy Ettinger, public domain): 32 bits
 * of state, period 2^32, plenty for signal noise; not for cryptography.
 *
 * Streams are forked by label (`fork('device:tongmen-tap-wq')`), so what one device draws does
 * not depend on which other devices run or in which order their timers fire.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Normal (Gaussian) by the Box-Muller transform. */
  normal(mean?: number, sd?: number): number;
  /** Integer uniform in [min, max], both included. */
  int(min: number, max: number): number;
  /** An independent stream derived from this stream's seed and `label`; does not advance this one. */
  fork(label: string): Random;
  /** The 32-bit seed this stream started from. */
  readonly seed: number;
}

/** FNV-1a over the UTF-16 code units, then a murmur3 finaliser: spreads similar labels apart. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function createRandom(seed: number | string): Random {
  const start = typeof seed === 'string' ? hashSeed(seed) : seed >>> 0;
  let state = start;
  let spareNormal: number | undefined;

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const standardNormal = (): number => {
    if (spareNormal !== undefined) {
      const z = spareNormal;
      spareNormal = undefined;
      return z;
    }
    const u1 = 1 - next(); // (0, 1]: log(0) would be -Infinity
    const u2 = next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    spareNormal = radius * Math.sin(2 * Math.PI * u2);
    return radius * Math.cos(2 * Math.PI * u2);
  };

  return {
    seed: start,
    next,
    uniform: (min, max) => min + (max - min) * next(),
    normal: (mean = 0, sd = 1) => mean + sd * standardNormal(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    fork: (label) => createRandom(hashSeed(`${start}/${label}`)),
  };
}
