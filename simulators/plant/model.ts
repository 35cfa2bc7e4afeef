/**
 * The process model of a treatment plant (coagulation, sedimentation, four rapid filters, a
 * clear well, high-lift pumps), true values plus sensor noise, from the same signal models the
 * MQTT simulator uses (simulators/models): the plant site's demand, flow, outlet pressure, pH,
 * clear-well level and chlorine dose drift; the river's turbidity for the raw water.
 *
 * Numbers (modelling choices, not measurements):
 * - settled water ≈ 0.8 NTU + 4 % of the raw turbidity, inside the Partnership for Safe Water
 *   goal of < 2 NTU settled when raw water is above 10 NTU, until a storm pushes past it;
 * - filter effluent 0.05-0.1 NTU (the same programme's < 0.1 NTU goal); a breakthrough climbs to
 *   its scenario peak, and US EPA asks for follow-up when an individual filter reads > 1.0 NTU
 *   twice 15 minutes apart (40 CFR 141.563(a));
 * - head loss from 0.3 m clean to about 2.3 m after 48 h of run time (typical of rapid gravity
 *   filters; a backwash resets it);
 * - the clear well's residual follows the dose with a 40 min time constant (its detention; the
 *   ≥ 30 min contact of GB 5749-2022 Table 2);
 * - coagulant dose 12 mg/L plus 6 mg/L per decade of raw turbidity (jar tests set it in practice).
 */
import type { Site } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import { NO_EFFECT, HOUR_MS, type SignalContext } from '../models/context.ts';
import { dayOfYear, demandShape, flowFraction, localHour } from '../models/diurnal.ts';
import { driftStep, initialModelState, type ModelState } from '../models/drift.ts';
import { flowM3h, pressureKpa, tankLevelM } from '../models/hydraulics.ts';
import { freeChlorineMgL, ph, qualityParams } from '../models/quality.ts';
import { quantize, sensorModels } from '../models/signals.ts';
import type { Random } from '../random.ts';
import { breakthroughPeakNtu, plantEffect, type PlantScenario } from './scenarios.ts';

export const FILTERS = [1, 2, 3, 4] as const;
export const HIGH_LIFT_PUMPS = [1, 2, 3] as const;

/** One sample of every instrument of the plant, engineering units (NTU, mg/L, m, m³/h, kPa). */
export interface PlantSample {
  readonly rawTurbidity: number;
  readonly settledTurbidity: number;
  readonly filters: readonly { readonly effluentTurbidity: number; readonly headLoss: number }[];
  readonly coagulantDose: number;
  readonly chlorineDose: number;
  readonly clearWellFreeChlorine: number;
  readonly clearWellLevel: number;
  readonly outletTurbidity: number;
  readonly outletFlow: number;
  readonly outletPressure: number;
  readonly outletPh: number;
  readonly chlorinePumpRunning: boolean;
  readonly coagulantPumpRunning: boolean;
  readonly highLiftPumpsRunning: readonly boolean[];
}

const CLEAN_HEAD_LOSS_M = 0.3;
const HEAD_LOSS_M_PER_HOUR = 2 / 48;
const CLEAR_WELL_TAU_MS = 40 * 60_000;
/** Chlorine demand of filtered water on the way through the clear well, mg/L. */
const CLEAR_WELL_DEMAND_MG_L = 0.15;
const HIGH_LIFT_PUMP_M3H = 400;

export interface PlantModel {
  /** The sample at simulated `tMs`; samples must come in time order. */
  sample(tMs: number): PlantSample;
  /** The operator backwashes a filter at `tMs`: head loss back to clean, a breakthrough over. */
  backwash(filter: number, tMs: number): void;
}

/** A plant of the catalog site `site` whose run starts at `startMs`; every draw from `rng`. */
export function createPlantModel(site: Site, scenarios: readonly PlantScenario[], startMs: number, rng: Random): PlantModel {
  let state: ModelState = initialModelState;
  const profile = { site, distanceKm: 0 };
  // Filters were last backwashed 0, 12, 24 and 36 h before the start: they do not all wash at once.
  const backwashedAt = new Map<number, number>(FILTERS.map((f) => [f, startMs - (f - 1) * 12 * HOUR_MS]));
  const washedByMethod = new Map<number, number>();
  let chlorine: { value: number; atMs: number } | undefined;
  const noisy = (metric: MetricName, value: number) => {
    const model = sensorModels[metric];
    const sd = model.noiseSd + ('relativeNoise' in model ? model.relativeNoise : 0) * Math.abs(value);
    return quantize(metric, value + rng.normal(0, sd));
  };

  return {
    backwash(filter, tMs) {
      backwashedAt.set(filter, tMs);
      washedByMethod.set(filter, tMs);
    },
    sample(tMs) {
      const hour = localHour(tMs);
      const drifts = driftStep(state, tMs, rng);
      const ctx: SignalContext = { profile, role: 'inline', tMs, hour, dayOfYear: dayOfYear(tMs), demand: demandShape(hour), flowFraction: flowFraction(hour), drifts, effect: NO_EFFECT };
      const effect = plantEffect(scenarios, startMs, tMs, (f) => washedByMethod.get(f));
      const raw = qualityParams.sourceTurbidityNtu * Math.exp(drifts.drift('raw-turbidity', 0.35, 24 * HOUR_MS)) + effect.rawNtu;
      const settled = (0.8 + 0.04 * raw) * Math.exp(drifts.drift('settled', 0.1, 2 * HOUR_MS));
      const filters = FILTERS.map((f) => {
        const base = 0.07 * Math.exp(drifts.drift(`filter-${f}`, 0.15, 2 * HOUR_MS)) + 0.005 * settled;
        const climb = effect.breakthrough.get(f);
        const turbidity = climb === undefined ? base : base + (breakthroughPeakNtu(scenarios, f) - base) * climb;
        const runHours = Math.max(0, tMs - (backwashedAt.get(f) ?? startMs)) / HOUR_MS;
        return { effluentTurbidity: noisy('turbidity', turbidity), headLoss: quantize('level', CLEAN_HEAD_LOSS_M + HEAD_LOSS_M_PER_HOUR * Math.min(runHours, 60), 0.01), trueTurbidity: turbidity };
      });
      const combined = filters.reduce((sum, f) => sum + f.trueTurbidity, 0) / filters.length;
      const dose = effect.chlorinePumpRunning ? freeChlorineMgL(ctx) + CLEAR_WELL_DEMAND_MG_L : 0;
      const target = Math.max(0, dose - CLEAR_WELL_DEMAND_MG_L);
      const previous = chlorine ?? { value: target, atMs: tMs };
      const decay = Math.exp(-Math.max(0, tMs - previous.atMs) / CLEAR_WELL_TAU_MS);
      chlorine = { value: target + (previous.value - target) * decay, atMs: tMs };
      const flow = flowM3h(ctx);
      const pumps = Math.max(1, Math.ceil(flow / HIGH_LIFT_PUMP_M3H));
      state = drifts.state();
      return {
        rawTurbidity: noisy('turbidity', raw),
        settledTurbidity: noisy('turbidity', settled),
        filters: filters.map(({ effluentTurbidity, headLoss }) => ({ effluentTurbidity, headLoss })),
        coagulantDose: Math.round((12 + 6 * Math.log10(1 + raw)) * 10) / 10,
        chlorineDose: quantize('free_chlorine', dose, 0.01),
        clearWellFreeChlorine: noisy('free_chlorine', chlorine.value),
        clearWellLevel: noisy('level', tankLevelM(ctx)),
        outletTurbidity: noisy('turbidity', combined),
        outletFlow: noisy('flow', flow),
        outletPressure: noisy('pressure', pressureKpa(ctx)),
        outletPh: noisy('ph', ph(ctx)),
        chlorinePumpRunning: effect.chlorinePumpRunning,
        coagulantPumpRunning: true,
        highLiftPumpsRunning: HIGH_LIFT_PUMPS.map((p) => p <= pumps),
      };
    },
  };
}
