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

/** Starts a simulated clock now (by the injected wall clock). */
export function createSimClock(config: SimClockConfig, realNow: () => number): SimClock {
  const { speed } = config;
  const realStartMs = realNow();
  const startMs = config.startMs ?? (speed > 1 ? realStartMs - config.backfillMs : realStartMs);
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
