import { describe, expect, it } from 'vitest';
import { createSimClock, runStartMs, simClockConfigSchema } from './clock.ts';

const T0 = Date.UTC(2026, 10, 28, 2, 0, 0); // 2026-11-28 10:00 Asia/Shanghai
const HOUR = 3_600_000;

function manualWallClock(startMs = T0) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('simulated clock', () => {
  it.each([
    // speed, backfill, real elapsed → simulated offset from the real start
    { speed: 1, backfillMs: HOUR, elapsed: 0, expected: 0 },
    { speed: 1, backfillMs: HOUR, elapsed: 5000, expected: 5000 },
    { speed: 600, backfillMs: 24 * HOUR, elapsed: 0, expected: -24 * HOUR },
    { speed: 600, backfillMs: 24 * HOUR, elapsed: 60_000, expected: -24 * HOUR + 600 * 60_000 - 60_000 + 60_000 },
    { speed: 600, backfillMs: 24 * HOUR, elapsed: 10 * 60_000, expected: 10 * 60_000 }, // caught up: real time
    { speed: 60, backfillMs: 0, elapsed: 1000, expected: 1000 }, // nothing to backfill: real time at once
  ])('speed $speed, backfill $backfillMs, after $elapsed ms real → $expected', ({ speed, backfillMs, elapsed, expected }) => {
    const wall = manualWallClock();
    const clock = createSimClock(simClockConfigSchema.parse({ speed, backfillMs }), wall.now);
    wall.advance(elapsed);
    expect(clock.now() - T0).toBe(expected);
  });

  it('never runs ahead of the wall clock and never goes backwards', () => {
    const wall = manualWallClock();
    const clock = createSimClock(simClockConfigSchema.parse({ speed: 1000, backfillMs: 2 * HOUR }), wall.now);
    let previous = -Infinity;
    for (let i = 0; i < 100; i++) {
      const sim = clock.now();
      expect(sim).toBeLessThanOrEqual(wall.now());
      expect(sim).toBeGreaterThanOrEqual(previous);
      previous = sim;
      wall.advance(250);
    }
    expect(clock.now()).toBe(wall.now());
  });

  it('uses an explicit start and inverts now() with realTimeAt()', () => {
    const wall = manualWallClock();
    const clock = createSimClock(simClockConfigSchema.parse({ speed: 100, startMs: T0 - HOUR }), wall.now);
    expect(clock.startMs).toBe(T0 - HOUR);
    for (const simMs of [T0 - HOUR, T0 - 30 * 60_000, T0 - 1, T0 + 5 * 60_000]) {
      wall.advance(clock.realTimeAt(simMs) - wall.now());
      expect(Math.abs(clock.now() - simMs)).toBeLessThan(0.01);
    }
  });

  it('knows when it catches up with the wall clock', () => {
    const wall = manualWallClock();
    const clock = createSimClock(simClockConfigSchema.parse({ speed: 601, backfillMs: 600 * 60_000 }), wall.now);
    expect(clock.caughtUpAtRealMs).toBe(T0 + 60_000);
    expect(createSimClock(simClockConfigSchema.parse({ speed: 1 }), wall.now).caughtUpAtRealMs).toBe(wall.now());
  });

  it('rejects a slow-motion speed and a backfill beyond the retention horizon', () => {
    expect(simClockConfigSchema.safeParse({ speed: 0.5 }).success).toBe(false);
    expect(simClockConfigSchema.safeParse({ backfillMs: 40 * 24 * HOUR }).success).toBe(false);
  });
});

describe('runStartMs', () => {
  const base = { speed: 600, backfillMs: 6 * 3_600_000 };
  it('is startMs when given, now when not accelerated, now − backfill otherwise', () => {
    expect(runStartMs({ ...base, startMs: 5 }, 1e12)).toBe(5);
    expect(runStartMs({ ...base, speed: 1 }, 1e12)).toBe(1e12);
    expect(runStartMs(base, 1e12)).toBe(1e12 - 6 * 3_600_000);
  });

  it('moves back to the last local HH:MM (UTC+8) at or before now − backfill', () => {
    const now = Date.UTC(2026, 11, 2, 20, 0); // 04:00 on the 3rd in Shanghai; minus 6 h: 22:00 on the 2nd
    expect(new Date(runStartMs({ ...base, alignTo: '00:00' }, now)).toISOString()).toBe('2026-12-01T16:00:00.000Z'); // 00:00 on the 2nd
    expect(new Date(runStartMs({ ...base, alignTo: '22:00' }, now)).toISOString()).toBe('2026-12-02T14:00:00.000Z'); // exactly 22:00
    expect(new Date(runStartMs({ ...base, alignTo: '23:30' }, now)).toISOString()).toBe('2026-12-01T15:30:00.000Z'); // the day before
  });
});
