import { describe, expect, it } from 'vitest';
import { dayOfYear, demandShape, flowFraction, localHour, NIGHT_FLOW_FRACTION } from './diurnal.ts';

const hours = Array.from({ length: 24 * 12 }, (_, i) => i / 12);
const argmin = (f: (h: number) => number, within: (h: number) => boolean) =>
  hours.filter(within).reduce((best, h) => (f(h) < f(best) ? h : best), hours.find(within) ?? 0);
const argmax = (f: (h: number) => number, within: (h: number) => boolean) => argmin((h) => -f(h), within);

describe('diurnal demand', () => {
  it.each([
    ['UTC midnight is 08:00 in Shanghai', Date.UTC(2026, 10, 28, 0, 0), 8],
    ['16:00 UTC is local midnight', Date.UTC(2026, 10, 27, 16, 0), 0],
    ['23:30 UTC is 07:30 next morning', Date.UTC(2026, 10, 27, 23, 30), 7.5],
  ])('%s', (_name, tMs, hour) => {
    expect(localHour(tMs)).toBeCloseTo(hour, 9);
  });

  it('counts the local day of the year', () => {
    expect(dayOfYear(Date.UTC(2026, 0, 1, 16, 0))).toBeCloseTo(1, 9); // 2 January 00:00 local
    expect(dayOfYear(Date.UTC(2025, 11, 31, 16, 0))).toBeCloseTo(0, 9); // 1 January 00:00 local
  });

  it('is lowest in the small hours and peaks in the morning and evening', () => {
    const night = argmin(demandShape, () => true);
    expect(night).toBeGreaterThanOrEqual(0);
    expect(night).toBeLessThanOrEqual(4);
    expect(argmax(demandShape, (h) => h < 12)).toBeCloseTo(7, 0);
    expect(argmax(demandShape, (h) => h > 14)).toBeCloseTo(19, 0);
    expect(demandShape(3)).toBeLessThan(0.05);
  });

  it('keeps flow between the night fraction and the peak', () => {
    for (const h of hours) {
      expect(flowFraction(h)).toBeGreaterThanOrEqual(NIGHT_FLOW_FRACTION - 1e-12);
      expect(flowFraction(h)).toBeLessThanOrEqual(1 + 1e-12);
    }
  });
});
