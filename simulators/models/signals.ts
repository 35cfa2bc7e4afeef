/**
 * One device's sample: the true value of every metric the device declares, plus sensor noise,
 * rounded to the instrument's resolution and kept inside the registry's physical range.
 * Pure apart from the random draws, which come from the device's own seeded stream.
 */
import type { Device } from '../../network/catalog.ts';
import { metricNames, metrics, type MetricName } from '../../network/metrics.ts';
import type { Random } from '../random.ts';
import type { DeviceRole, SiteProfile } from '../site-profile.ts';
import { NO_EFFECT, type SignalContext, type SiteEffect } from './context.ts';
import { dayOfYear, demandShape, flowFraction, localHour } from './diurnal.ts';
import { driftStep, type ModelState } from './drift.ts';
import { flowM3h, pressureKpa, tankLevelM } from './hydraulics.ts';
import * as quality from './quality.ts';

interface SensorModel {
  /** True value in the canonical unit. */
  readonly truth: (ctx: SignalContext) => number;
  /** Sensor noise: absolute standard deviation, plus a fraction of the value. */
  readonly noiseSd: number;
  readonly relativeNoise?: number;
  /** Resolution the instrument reports, canonical unit. */
  readonly step: number;
}

export const sensorModels = {
  turbidity: { truth: quality.turbidityNtu, noiseSd: 0.004, relativeNoise: 0.01, step: 0.001 },
  filter_turbidity: { truth: quality.filterTurbidityNtu, noiseSd: 0.002, relativeNoise: 0.01, step: 0.001 },
  pressure: { truth: pressureKpa, noiseSd: 0.8, step: 0.1 },
  free_chlorine: { truth: quality.freeChlorineMgL, noiseSd: 0.005, step: 0.01 },
  total_chlorine: { truth: quality.totalChlorineMgL, noiseSd: 0.005, step: 0.01 },
  chlorine_dose: { truth: quality.chlorineDoseMgL, noiseSd: 0.01, step: 0.01 },
  ph: { truth: quality.ph, noiseSd: 0.01, step: 0.01 },
  temperature: { truth: quality.temperatureC, noiseSd: 0.03, step: 0.1 },
  conductivity: { truth: quality.conductivityUsCm, noiseSd: 1, step: 1 },
  orp: { truth: quality.orpMv, noiseSd: 2, step: 1 },
  color: { truth: quality.colorPtCo, noiseSd: 0.2, step: 0.1 },
  iron: { truth: quality.ironMgL, noiseSd: 0.002, step: 0.001 },
  manganese: { truth: quality.manganeseMgL, noiseSd: 0.001, step: 0.001 },
  toc: { truth: quality.tocMgL, noiseSd: 0.03, step: 0.01 },
  flow: { truth: flowM3h, noiseSd: 0.05, relativeNoise: 0.005, step: 0.1 },
  level: { truth: tankLevelM, noiseSd: 0.005, step: 0.01 },
} as const satisfies Record<MetricName, SensorModel>;

export type Readings = Partial<Record<MetricName, number>>;

export interface SampleInput {
  readonly device: Device;
  readonly profile: SiteProfile;
  readonly role: DeviceRole;
  /** Simulated sample time, epoch ms. */
  readonly tMs: number;
  /** The device's own stream. */
  readonly rng: Random;
  readonly state: ModelState;
  readonly effect?: SiteEffect;
  /** True values from the hydraulic solution (pressure, flow, level), used instead of the signal models. */
  readonly hydraulicTruth?: Readings;
  /** Added to the true values (the hydraulic model's yellow water: turbidity, colour, iron). */
  readonly hydraulicExcess?: Readings;
}

/** Rounds to the instrument step without binary noise (0.30000000000000004) and clamps to the registry range. */
export function quantize(metric: MetricName, value: number, step: number = sensorModels[metric].step): number {
  const { min, max } = metrics[metric];
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const rounded = Number((Math.round(value / step) * step).toFixed(decimals));
  return Math.min(max, Math.max(min, rounded));
}

export function sampleDevice(input: SampleInput): { readings: Readings; state: ModelState } {
  const { device, tMs, rng } = input;
  const hour = localHour(tMs);
  const drifts = driftStep(input.state, tMs, rng);
  const ctx: SignalContext = {
    profile: input.profile,
    role: input.role,
    tMs,
    hour,
    dayOfYear: dayOfYear(tMs),
    demand: demandShape(hour),
    flowFraction: flowFraction(hour),
    drifts,
    effect: input.effect ?? NO_EFFECT,
  };
  const readings: Readings = {};
  for (const metric of metricNames) {
    if (!device.metrics.has(metric)) continue;
    const model: SensorModel = sensorModels[metric];
    const truth = (input.hydraulicTruth?.[metric] ?? model.truth(ctx)) + (input.hydraulicExcess?.[metric] ?? 0);
    const sd = model.noiseSd + (model.relativeNoise ?? 0) * Math.abs(truth);
    readings[metric] = quantize(metric, truth + rng.normal(0, sd));
  }
  return { readings, state: drifts.state() };
}
