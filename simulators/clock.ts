/**
 * Simulated time for accelerated runs:
 *
 *   simNow = min(startMs + (realNow - realStartMs) * speed, realNow)
 *
 * Simulated time runs `speed` times faster than the wall clock from `startMs` (in the past, so a
 * run backfills history) until it catches up with the wall clock, then at real time. It is never
 * ahead of the wall clock, because ingest rejects timestamps more than 5 minutes in the future
 * (`future_timestamp`, ingest/README.md). The wall clock is injected.
 */
import { z } from 'zod';
import { durationField } from '../network/duration.ts';
import { SHANGHAI_UTC_OFFSET_MS } from './models/diurnal.ts';

const DAY_MS = 86_400_000;

/** Ingest rejects readings older than its retention horizon (30 days by default); stay inside it. */
export const MAX_BACKFILL_MS = 29 * DAY_MS;

export const simClockConfigSchema = z.object({
  speed: z
    .number()
    .min(1)
    .max(1_000_000)
    .default(1)
    .describe('How many simulated milliseconds pass per real millisecond until simulated time catches up with the wall clock'),
  startMs: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Simulated start, epoch ms. Default: the wall clock minus backfillMs when speed > 1, else the wall clock'),
  backfillMs: durationField((ms) => ms.max(MAX_BACKFILL_MS))
    .default(DAY_MS)
    .describe('How far in the past an accelerated run starts when startMs is not given: ms or "24h" (default one day)'),
  alignTo: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time such as "00:00"')
    .optional()
    .describe('Move an accelerated run\'s start back to the last time of day HH:MM (Asia/Shanghai, UTC+8) at or before now − backfillMs, so scenarios counted from the start fall at set hours (a burst at night, one at the morning peak)'),
});
export type SimClockConfig = z.infer<typeof simClockConfigSchema>;

export interface SimClock {
  /** Simulated epoch ms at the wall clock's now. */
  now(): number;
  /** Simulated epoch ms when the run started. */
  readonly startMs: number;
  readonly speed: number;
  /** Wall-clock epoch ms at which simulated time reaches `simMs` (the inverse of `now`). */
  realTimeAt(simMs: number): number;
  /** Wall-clock epoch ms from which simulated time runs at real time. */
  readonly caughtUpAtRealMs: number;
}

/** The simulated start of a run begun at `realNowMs`: startMs, or now − backfillMs (accelerated) moved back to `alignTo`. Pure. */
export function runStartMs(config: SimClockConfig, realNowMs: number): number {
  if (config.startMs !== undefined) return config.startMs;
  if (config.speed <= 1) return realNowMs;
  const back = realNowMs - config.backfillMs;
  if (config.alignTo === undefined) return back;
  const [hh, mm] = config.alignTo.split(':').map(Number) as [number, number];
  const local = back + SHANGHAI_UTC_OFFSET_MS;
  const dayStart = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  let aligned = dayStart + hh * 3_600_000 + mm * 60_000;
  if (aligned > local) aligned -= DAY_MS;
  return aligned - SHANGHAI_UTC_OFFSET_MS;
}

/** Starts a simulated clock now (by the injected wall clock). */
export function createSimClock(config: SimClockConfig, realNow: () => number): SimClock {
  const { speed } = config;
  const realStartMs = realNow();
  const startMs = runStartMs(config, realStartMs);
  const accelerated = (realMs: number) => startMs + (realMs - realStartMs) * speed;
  // Solve accelerated(r) = r; with speed 1 the lines are parallel: caught up from the start if
  // the run starts at (or ahead of) the wall clock, never otherwise.
  const caughtUpAtRealMs =
    speed > 1 ? Math.max(realStartMs, (realStartMs * speed - startMs) / (speed - 1)) : startMs >= realStartMs ? realStartMs : Infinity;

  return {
    startMs,
    speed,
    caughtUpAtRealMs,
    now: () => {
      const real = realNow();
      return Math.min(accelerated(real), real);
    },
    // now() = min(a(r), r) with a increasing, so its inverse is max(a⁻¹(s), s).
    realTimeAt: (simMs) => Math.max(realStartMs + (simMs - startMs) / speed, simMs),
  };
}
