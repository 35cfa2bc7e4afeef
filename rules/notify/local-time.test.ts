import { describe, expect, it } from 'vitest';
import { localMinutes, nextLocal, withinLocal } from './local-time.ts';

const SHANGHAI = 'Asia/Shanghai';
/** An instant given as Shanghai local time (UTC+8, no DST). */
const local = (day: number, hh: number, mm = 0) => Date.UTC(2026, 11, day, hh - 8, mm);

describe('local time in the county', () => {
  it('reads the local clock', () => {
    expect(localMinutes(local(1, 23, 30), SHANGHAI)).toBe(23 * 60 + 30);
    expect(localMinutes(local(1, 0, 5), SHANGHAI)).toBe(5);
  });

  it.each([
    [local(1, 23), true],
    [local(2, 3), true],
    [local(2, 7), false],
    [local(1, 21, 59), false],
  ])('quiet hours 22:00-07:00 span midnight (%s → %s)', (at, inside) => {
    expect(withinLocal(at, { from: '22:00', to: '07:00' }, SHANGHAI)).toBe(inside);
  });

  it('knows a window within one day', () => {
    expect(withinLocal(local(1, 12), { from: '08:00', to: '18:00' }, SHANGHAI)).toBe(true);
    expect(withinLocal(local(1, 18), { from: '08:00', to: '18:00' }, SHANGHAI)).toBe(false);
  });

  it.each([
    ['later today', local(1, 6, 30), '08:00', local(1, 8)],
    ['tomorrow, once today\'s has passed', local(1, 9), '08:00', local(2, 8)],
    ['the end of quiet hours after midnight', local(1, 23, 15), '07:00', local(2, 7)],
    ['now, on the minute', local(1, 8), '08:00', local(1, 8)],
  ])('the next local time: %s', (_what, at, clock, expected) => {
    expect(nextLocal(at, clock, SHANGHAI)).toBe(expected);
  });
});
