import { describe, expect, it } from 'vitest';
import { formatCountyTime, parseCountyTime, zoneOffsetMs } from './county-time.ts';

describe('county time in forms', () => {
  it('reads a wall-clock time of Asia/Shanghai as UTC+8', () => {
    expect(parseCountyTime('2026-12-01 14:30', 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 1, 6, 30));
    expect(formatCountyTime(Date.UTC(2026, 11, 1, 6, 30), 'Asia/Shanghai')).toBe('2026-12-01 14:30');
    expect(zoneOffsetMs(Date.UTC(2026, 6, 1), 'Asia/Shanghai')).toBe(8 * 3_600_000);
  });

  it('follows a zone with daylight saving time on both sides of the change', () => {
    // Europe/Berlin: UTC+1 in winter, UTC+2 from 2026-03-29 01:00 UTC.
    expect(parseCountyTime('2026-03-28 12:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 28, 11, 0));
    expect(parseCountyTime('2026-03-30 12:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 30, 10, 0));
  });

  it('refuses what is not a time', () => {
    for (const text of ['', 'tomorrow', '2026-13-01 10:00', '2026-02-30 10:00', '2026-12-01 24:00', '2026-12-01']) expect(parseCountyTime(text, 'Asia/Shanghai'), text).toBeUndefined();
  });
});
