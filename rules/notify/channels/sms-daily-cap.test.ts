import { describe, expect, it } from 'vitest';
import { DailyCap, isTimeZone, LocalClock } from './sms-daily-cap.ts';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('LocalClock', () => {
  it.each([
    ['Shanghai, morning', 'Asia/Shanghai', '2026-12-01T01:30:00Z', '2026-12-01', '2026-11-30T16:00:00Z', '2026-12-01T16:00:00Z'],
    ['Shanghai, 23:59 local', 'Asia/Shanghai', '2026-12-01T15:59:59Z', '2026-12-01', '2026-11-30T16:00:00Z', '2026-12-01T16:00:00Z'],
    ['Shanghai, local midnight exactly', 'Asia/Shanghai', '2026-12-01T16:00:00Z', '2026-12-02', '2026-12-01T16:00:00Z', '2026-12-02T16:00:00Z'],
    ['Shanghai, 00:30 local is the previous UTC day', 'Asia/Shanghai', '2026-12-01T16:30:00Z', '2026-12-02', '2026-12-01T16:00:00Z', '2026-12-02T16:00:00Z'],
    ['UTC, year end', 'UTC', '2026-12-31T23:00:00Z', '2026-12-31', '2026-12-31T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['Berlin, the day summer time begins (23 h)', 'Europe/Berlin', '2026-03-29T10:00:00Z', '2026-03-29', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'],
    ['Berlin, the day summer time ends (25 h)', 'Europe/Berlin', '2026-10-25T10:00:00Z', '2026-10-25', '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'],
  ])('%s', (_, zone, now, day, last, next) => {
    const clock = new LocalClock(zone);
    expect(clock.day(at(now))).toBe(day);
    expect(new Date(clock.lastMidnight(at(now))).toISOString()).toBe(new Date(at(last)).toISOString());
    expect(new Date(clock.nextMidnight(at(now))).toISOString()).toBe(new Date(at(next)).toISOString());
  });

  it('knows an IANA zone from a typo', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Asia/Shanghia')).toBe(false);
  });
});

describe('DailyCap, calendar-day', () => {
  const phone = '+8613800000001';
  const morning = at('2026-12-01T01:00:00Z'); // 09:00 in Shanghai

  it('gives cap slots, then throttles until local midnight, then gives slots again', () => {
    const cap = new DailyCap({ cap: 2, window: 'calendar-day', timeZone: 'Asia/Shanghai' });
    expect(cap.take(phone, morning).ok).toBe(true);
    expect(cap.take(phone, morning + HOUR).ok).toBe(true);
    const refused = cap.take(phone, morning + 2 * HOUR);
    expect(refused).toEqual({ ok: false, retryAfterMs: at('2026-12-01T16:00:00Z') - (morning + 2 * HOUR), sent: 2 });
    expect(cap.take(phone, at('2026-12-01T16:00:00Z')).ok).toBe(true);
  });

  it('counts numbers apart', () => {
    const cap = new DailyCap({ cap: 1, window: 'calendar-day', timeZone: 'Asia/Shanghai' });
    expect(cap.take(phone, morning).ok).toBe(true);
    expect(cap.take('+8613800000002', morning).ok).toBe(true);
    expect(cap.take(phone, morning).ok).toBe(false);
  });

  it('a released slot (the send failed) is free again, once', () => {
    const cap = new DailyCap({ cap: 1, window: 'calendar-day', timeZone: 'Asia/Shanghai' });
    const slot = cap.take(phone, morning);
    if (!slot.ok) throw new Error('expected a slot');
    slot.release();
    slot.release();
    expect(cap.count(phone, morning)).toBe(0);
    expect(cap.take(phone, morning).ok).toBe(true);
    expect(cap.take(phone, morning).ok).toBe(false);
  });

  it('a number the gateway refused for the day stays blocked until local midnight', () => {
    const cap = new DailyCap({ cap: 50, window: 'calendar-day', timeZone: 'Asia/Shanghai' });
    expect(cap.block(phone, morning)).toBe(at('2026-12-01T16:00:00Z') - morning);
    expect(cap.take(phone, morning + HOUR)).toMatchObject({ ok: false, retryAfterMs: at('2026-12-01T16:00:00Z') - morning - HOUR });
    expect(cap.take(phone, at('2026-12-01T16:00:00Z')).ok).toBe(true);
  });
});

describe('DailyCap, rolling-24h', () => {
  const phone = '+8613800000001';
  const t0 = at('2026-12-01T01:00:00Z');

  it('a message counts for 24 h from when it was sent; the next slot frees when the oldest expires', () => {
    const cap = new DailyCap({ cap: 2, window: 'rolling-24h', timeZone: 'Asia/Shanghai' });
    expect(cap.take(phone, t0).ok).toBe(true);
    expect(cap.take(phone, t0 + 5 * HOUR).ok).toBe(true);
    expect(cap.take(phone, t0 + 20 * HOUR)).toEqual({ ok: false, retryAfterMs: 4 * HOUR, sent: 2 });
    expect(cap.take(phone, t0 + 24 * HOUR).ok).toBe(true);
    expect(cap.take(phone, t0 + 25 * HOUR)).toEqual({ ok: false, retryAfterMs: 4 * HOUR, sent: 2 });
  });

  it('a gateway refusal blocks the number for 24 h', () => {
    const cap = new DailyCap({ cap: 50, window: 'rolling-24h', timeZone: 'Asia/Shanghai' });
    expect(cap.block(phone, t0)).toBe(24 * HOUR);
    expect(cap.take(phone, t0 + 24 * HOUR).ok).toBe(true);
  });
});
