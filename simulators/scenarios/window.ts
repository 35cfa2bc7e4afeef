/** The window every scenario plays in: `startsAfter` the run's start, for `durationMs`. */
import { durationField } from '../../network/duration.ts';
import { HOUR_MS } from '../models/context.ts';

export const windowFields = (defaultDurationMs: number) => ({
  startsAfter: durationField().default(HOUR_MS).describe('Simulated time (ms or "1h30m") after the simulation start when it begins (default 1 h)'),
  durationMs: durationField((ms) => ms.positive()).default(defaultDurationMs).describe('Simulated time (ms or "30m") it lasts'),
});

export interface Window {
  readonly startMs: number;
  readonly endMs: number;
}

export function windowOf(config: { startsAfter: number; durationMs: number }, simStartMs: number): Window & { readonly contains: (tMs: number) => boolean } {
  const startMs = simStartMs + config.startsAfter;
  const endMs = startMs + config.durationMs;
  return { startMs, endMs, contains: (tMs) => tMs >= startMs && tMs < endMs };
}
