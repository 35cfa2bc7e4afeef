import { describe, expect, it } from 'vitest';
import { createRandom, hashSeed } from './random.ts';

const draws = (seed: number | string, n = 5) => {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('random', () => {
  it.each([
    ['same seed, same numbers', 42, 42, true],
    ['different seeds, different numbers', 42, 43, false],
    ['string seeds hash the same way', 'demo', 'demo', true],
  ] as const)('%s', (_name, a, b, equal) => {
    expect(draws(a).every((x, i) => x === draws(b)[i])).toBe(equal);
  });

  it('stays in [0, 1) and has about the right mean and spread', () => {
    const rng = createRandom(7);
    const xs = Array.from({ length: 20_000 }, () => rng.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 1);
    // Uniform on [0, 1): variance 1/12 ≈ 0.0833; a generator stuck in half the range has 1/48.
    expect(variance).toBeCloseTo(1 / 12, 2);
    // And spread evenly: each tenth of the range gets about a tenth of the draws.
    const deciles = Array.from({ length: 10 }, (_, d) => xs.filter((x) => Math.floor(x * 10) === d).length / xs.length);
    for (const share of deciles) expect(share).toBeCloseTo(0.1, 1);
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const rng = createRandom(11);
    const xs = Array.from({ length: 20_000 }, () => rng.normal(10, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(10, 1);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('draws integers within both bounds', () => {
    const rng = createRandom(3);
    const xs = new Set(Array.from({ length: 1000 }, () => rng.int(1, 6)));
    expect([...xs].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('forks independent streams that do not advance the parent', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    const fork = a.fork('device:x');
    fork.next();
    expect(a.next()).toBe(b.next());
    expect(createRandom(5).fork('device:x').next()).toBe(createRandom(5).fork('device:x').next());
    expect(createRandom(5).fork('device:x').next()).not.toBe(createRandom(5).fork('device:y').next());
  });

  it('hashes labels to 32-bit unsigned seeds', () => {
    for (const label of ['', 'a', 'tongmen-end-tap-wq']) {
      const h = hashSeed(label);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
    }
  });
});
