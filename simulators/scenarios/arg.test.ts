import { describe, expect, it } from 'vitest';
import { parseScenarioArg } from './arg.ts';

describe('scenario argument', () => {
  it.each([
    ['yellow-water', { kind: 'yellow-water', village: 'tongmen', startsAfter: 3_600_000, peakNtu: 6, durationMs: 21_600_000 }],
    ['yellow-water:village=dongqiao,startsAfter=30m,peakNtu=8', { village: 'dongqiao', startsAfter: 1_800_000, peakNtu: 8 }],
    ['yellow-water:durationMs=1.5h,halfLifeMs=45m', { durationMs: 5_400_000, halfLifeMs: 2_700_000 }],
    ['yellow-water: startsAfter = 90s ', { startsAfter: 90_000 }],
    ['yellow-water:startsAfter=1h30m,durationMs=2h15m', { startsAfter: 5_400_000, durationMs: 8_100_000 }],
  ])('%s', (arg, expected) => {
    const parsed = parseScenarioArg(arg);
    if (!parsed.ok) throw new Error(parsed.problems);
    expect(parsed.scenario).toMatchObject(expected);
  });

  it.each([
    ['burst', /kind/],
    ['yellow-water:village', /not key=value/],
    ['yellow-water:peak=8', /peak/],
    ['yellow-water:startsAfter=soon', /startsAfter/],
  ])('refuses %s', (arg, problem) => {
    const parsed = parseScenarioArg(arg);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toMatch(problem);
  });
});
