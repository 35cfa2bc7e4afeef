import { describe, expect, it } from 'vitest';
import { durationSchema, formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
    ['1.5m', 90_000],
    ['0s', 0],
    [' 2m ', 120_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'm', '5 m', '-5m', '5w', '5M', '1h 30m', 'five minutes', '1e3s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('durationSchema', () => {
  it.each([
    ['2m', 120_000],
    [120_000, 120_000],
    [0, 0],
    [1.4, 1],
  ] as const)('%j parses to %d ms', (input, ms) => {
    expect(durationSchema.parse(input)).toBe(ms);
  });

  it.each([-1, Number.POSITIVE_INFINITY, 'soon', '5 minutes', true])('%j is rejected', (input) => {
    expect(durationSchema.safeParse(input).success).toBe(false);
  });

  it('names the offending text', () => {
    const parsed = durationSchema.safeParse('soon');
    expect(parsed.success ? '' : parsed.error.issues.map((i) => i.message).join()).toContain('"soon" is not a duration');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [90_000, '1m30s'],
    [120_000, '2m'],
    [5_400_000, '1h30m'],
    [86_400_250, '1d250ms'],
  ])('%d ms is %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
