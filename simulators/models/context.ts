/**
 * What every signal model sees: where the device is, when it samples, the day's demand, its
 * drifts, and the effects of running scenarios on its site.
 */
import type { DeviceRole, SiteProfile } from '../site-profile.ts';
import type { DriftStep } from './drift.ts';

/**
 * How scenarios disturb a site's water at one instant. Additive offsets are in canonical units;
 * factors multiply. Several scenarios combine with `combineEffects`.
 */
export interface SiteEffect {
  readonly pressureKpa: number;
  readonly turbidityNtu: number;
  readonly colorPtCo: number;
  readonly ironMgL: number;
  readonly chlorineFactor: number;
  readonly flowFactor: number;
}

export const NO_EFFECT: SiteEffect = {
  pressureKpa: 0,
  turbidityNtu: 0,
  colorPtCo: 0,
  ironMgL: 0,
  chlorineFactor: 1,
  flowFactor: 1,
};

export function combineEffects(effects: readonly SiteEffect[]): SiteEffect {
  return effects.reduce((a, b) => ({
    pressureKpa: a.pressureKpa + b.pressureKpa,
    turbidityNtu: a.turbidityNtu + b.turbidityNtu,
    colorPtCo: a.colorPtCo + b.colorPtCo,
    ironMgL: a.ironMgL + b.ironMgL,
    chlorineFactor: a.chlorineFactor * b.chlorineFactor,
    flowFactor: a.flowFactor * b.flowFactor,
  }), NO_EFFECT);
}

export interface SignalContext {
  readonly profile: SiteProfile;
  readonly role: DeviceRole;
  /** Simulated sample time, epoch ms. */
  readonly tMs: number;
  /** Local hour of day, [0, 24). */
  readonly hour: number;
  /** Local day of year, fractional. */
  readonly dayOfYear: number;
  /** Demand normalised to [0, 1] (0 = night minimum, 1 = morning peak). */
  readonly demand: number;
  /** Flow as a fraction of peak flow. */
  readonly flowFraction: number;
  readonly drifts: DriftStep;
  readonly effect: SiteEffect;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
