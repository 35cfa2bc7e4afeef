/**
 * Slow random wander of a quantity (weather, source quality, analyser drift): an
 * Ornstein-Uhlenbeck process, sampled exactly at irregular steps so that a device sampling every
 * minute and one sampling every five minutes wander alike:
 *   x' = x·e^(−Δt/τ) + σ·√(1 − e^(−2Δt/τ))·N(0, 1)
 * Values are memoised per step, so two signals that share a drift (chlorine and ORP) see the
 * same value.
 */
import type { Random } from '../random.ts';

/** What a device's models carry from one sample to the next: each drift's value and when. */
export interface ModelState {
  readonly drifts: Readonly<Record<string, { readonly value: number; readonly atMs: number }>>;
}

export const initialModelState: ModelState = { drifts: {} };

export interface DriftStep {
  /** A zero-mean drift with stationary standard deviation `sd` and correlation time `tauMs`. */
  drift(name: string, sd: number, tauMs: number): number;
  /** The state after this step. */
  state(): ModelState;
}

export function driftStep(previous: ModelState, tMs: number, rng: Random): DriftStep {
  const next: Record<string, { value: number; atMs: number }> = { ...previous.drifts };
  const fresh = new Map<string, number>();
  return {
    drift(name, sd, tauMs) {
      const memo = fresh.get(name);
      if (memo !== undefined) return memo;
      const current = next[name];
      let value: number;
      if (current === undefined) value = rng.normal(0, sd);
      else {
        const decay = Math.exp(-Math.max(0, tMs - current.atMs) / tauMs);
        value = current.value * decay + sd * Math.sqrt(1 - decay * decay) * rng.normal();
      }
      next[name] = { value, atMs: tMs };
      fresh.set(name, value);
      return value;
    },
    state: () => ({ drifts: next }),
  };
}
