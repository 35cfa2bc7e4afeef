import { describe, expect, it } from 'vitest';
import { backoffDelay, retryDelay } from './backoff.ts';

const policy = { minMs: 1000, maxMs: 60_000, jitter: 0.2 };

describe('backoffDelay', () => {
  it('doubles per failure up to the cap', () => {
    expect([1, 2, 3, 4, 7, 10, 1000].map((attempt) => backoffDelay(attempt, policy, 0))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000, 60_000]);
  });

  it.each([
    [0, 4000],
    [0.5, 3600],
    [0.999, 3201],
  ])('draws a share `jitter` of the delay at random (random %d → %i ms)', (random, expected) => {
    expect(backoffDelay(3, policy, random)).toBe(expected);
  });

  it('never waits less than (1 − jitter) of the delay, nor more than it', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(policy.maxMs, policy.minMs * 2 ** (attempt - 1));
      for (const random of [0, 0.25, 0.75, 0.999_999]) {
        const delay = backoffDelay(attempt, policy, random);
        expect(delay).toBeGreaterThanOrEqual(Math.round(ceiling * 0.8));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });
});

describe('retryDelay', () => {
  it('honours Retry-After, capped by the longest delay', () => {
    expect(retryDelay(1, policy, 0.9, 7000)).toBe(7000);
    expect(retryDelay(1, policy, 0, 3_600_000)).toBe(60_000);
    expect(retryDelay(2, policy, 0, undefined)).toBe(2000);
  });
});
