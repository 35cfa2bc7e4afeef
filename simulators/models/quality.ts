/**
 * Water quality along the supply chain, true values (before sensor noise and rounding).
 *
 * Baselines (modelling choices, inside the GB 5749-2022 limits of Tables 1 and 2 wherever the
 * water is treated):
 * - turbidity: river source several NTU; plant outlet 0.05-0.15 NTU; taps 0.1-0.3 NTU
 *   (GB 5749-2022 Table 1 limit 1 NTU);
 * - free chlorine: plant outlet about 0.7 mg/L (GB 5749-2022 Table 2: 0.3-2 mg/L), reservoirs a
 *   little lower, then first-order decay with water age, so taps hold about 0.15-0.4 mg/L, the
 *   farthest villages least, and less at night when water moves slowly (limit ≥ 0.05 mg/L);
 * - pH 7.2-7.6 treated (limit 6.5-8.5); colour 2-5 Pt-Co (limit 15); iron 0.02-0.08 mg/L
 *   (limit 0.3), a little more far down old cast-iron mains.
 * Scenario effects (yellow water) add turbidity, colour and iron and scale chlorine.
 */
import { DAY_MS, HOUR_MS, type SignalContext } from './context.ts';

export const qualityParams = {
  sourceTurbidityNtu: 6,
  plantTurbidityNtu: 0.09,
  reservoirTurbidityNtu: 0.11,
  mainTurbidityNtu: 0.14,
  tapTurbidityNtu: 0.16,
  /** Turbidity picked up per km of pipe (sediment, scale), NTU/km. */
  turbidityPerKm: 0.01,
  plantChlorineMgL: 0.7,
  /** Fraction of the plant residual left in the clear-water reservoir. */
  reservoirChlorineFraction: 0.9,
  /** Fast initial chlorine demand when water enters the network (fraction kept). */
  networkEntryFraction: 0.85,
  /** Bulk decay length: residual falls by e every this many km of travel, km. */
  chlorineDecayKm: 7.5,
  /** Water at the night minimum is older than at the peak by this fraction of the travel. */
  nightAgeFactor: 0.2,
  /** Extra travel a booster's tank adds to water age, km-equivalent. */
  boosterTankAgeKm: 1,
  /** Combined (chloramine) chlorine on top of the free residual, mg/L. */
  combinedChlorineMgL: 0.12,
  /**
   * One filter's effluent, NTU: a little cleaner than the outlet, which carries the clear well's
   * pick-up; well-run filters hold under 0.1 NTU (the individual-filter goal of the AWWA
   * Partnership for Safe Water, Phase IV).
   */
  filterTurbidityNtu: 0.07,
  /**
   * Chlorine demand of treated water during contact, mg/L: the dose is the residual wanted plus
   * what the water consumes (typically 0.3-1 mg/L for filtered surface water; modelling choice).
   */
  contactDemandMgL: 0.5,
} as const;

const q = qualityParams;
const treated = (ctx: SignalContext) => ctx.profile.site.kind !== 'source';

export function turbidityNtu(ctx: SignalContext): number {
  const { kind } = ctx.profile.site;
  const base =
    kind === 'source' ? q.sourceTurbidityNtu
    : kind === 'plant' ? q.plantTurbidityNtu
    : kind === 'reservoir' ? q.reservoirTurbidityNtu
    : kind === 'tap' ? q.tapTurbidityNtu + q.turbidityPerKm * ctx.profile.distanceKm
    : q.mainTurbidityNtu;
  // Rain moves a river's turbidity over days; treated water wanders a little over hours.
  const wander = kind === 'source' ? ctx.drifts.drift('turbidity', 0.35, DAY_MS) : ctx.drifts.drift('turbidity', 0.15, 2 * HOUR_MS);
  return base * Math.exp(wander) + ctx.effect.turbidityNtu;
}

/** One filter's effluent turbidity: every filter wanders on its own (its device's drift). */
export function filterTurbidityNtu(ctx: SignalContext): number {
  return q.filterTurbidityNtu * Math.exp(ctx.drifts.drift('filter-turbidity', 0.2, 2 * HOUR_MS)) + ctx.effect.turbidityNtu;
}

/** Water age as km of travel from the plant. */
function ageKm(ctx: SignalContext): number {
  const { profile } = ctx;
  const travel = profile.distanceKm * (1 + q.nightAgeFactor * (1 - ctx.demand));
  return travel + (profile.booster ? q.boosterTankAgeKm : 0);
}

/** The free residual the plant's dosing aims at, wandering with its control loop. */
function plantResidualMgL(ctx: SignalContext): number {
  return q.plantChlorineMgL * (1 + ctx.drifts.drift('chlorine-dose', 0.04, 3 * HOUR_MS));
}

export function freeChlorineMgL(ctx: SignalContext): number {
  const { kind } = ctx.profile.site;
  if (kind === 'source') return 0;
  const dosing = plantResidualMgL(ctx);
  let mgL: number;
  if (kind === 'plant') mgL = dosing;
  else if (kind === 'reservoir') mgL = dosing * q.reservoirChlorineFraction;
  else mgL = dosing * q.reservoirChlorineFraction * q.networkEntryFraction * Math.exp(-ageKm(ctx) / q.chlorineDecayKm);
  return mgL * ctx.effect.chlorineFactor;
}

/**
 * The plant's chlorine dose: the residual it aims at plus the contact demand, which wanders with
 * the water treated; a dosing failure (effect) cuts the dose itself.
 */
export function chlorineDoseMgL(ctx: SignalContext): number {
  if (ctx.profile.site.kind !== 'plant') return 0;
  return (plantResidualMgL(ctx) + q.contactDemandMgL * (1 + ctx.drifts.drift('chlorine-demand', 0.1, 6 * HOUR_MS))) * ctx.effect.chlorineFactor;
}

export function totalChlorineMgL(ctx: SignalContext): number {
  if (!treated(ctx)) return 0;
  return freeChlorineMgL(ctx) + q.combinedChlorineMgL * (1 + ctx.drifts.drift('combined-chlorine', 0.15, 6 * HOUR_MS));
}

export function ph(ctx: SignalContext): number {
  const { kind } = ctx.profile.site;
  if (kind === 'source') return 7.3 + ctx.drifts.drift('ph', 0.12, 12 * HOUR_MS);
  const base = kind === 'plant' ? 7.35 : 7.45;
  return Math.min(7.6, Math.max(7.2, base + ctx.drifts.drift('ph', 0.05, 6 * HOUR_MS)));
}

/**
 * Water temperature, °C: a seasonal cycle (about 10 °C in late January to 28 °C in late July,
 * typical of Zhejiang surface water) plus a small daily swing peaking mid-afternoon.
 */
export function temperatureC(ctx: SignalContext): number {
  const { kind } = ctx.profile.site;
  const seasonal = 19 - 9 * Math.cos((2 * Math.PI * (ctx.dayOfYear - 25)) / 365.25);
  const swing = kind === 'source' ? 0.8 : kind === 'tap' ? 0.6 : kind === 'reservoir' ? 0.5 : 0.3;
  const daily = swing * Math.sin((2 * Math.PI * (ctx.hour - 9)) / 24);
  return seasonal + daily + ctx.drifts.drift('temperature', 0.2, 6 * HOUR_MS);
}

export function conductivityUsCm(ctx: SignalContext): number {
  return treated(ctx) ? 210 + ctx.drifts.drift('conductivity', 8, DAY_MS) : 180 + ctx.drifts.drift('conductivity', 15, DAY_MS);
}

/** ORP follows the free chlorine residual, roughly logarithmically; raw water sits near 300 mV. */
export function orpMv(ctx: SignalContext): number {
  const chlorine = freeChlorineMgL(ctx);
  const wander = ctx.drifts.drift('orp', 8, 6 * HOUR_MS);
  if (chlorine <= 0.01) return 290 + wander;
  return Math.max(300, 650 + 110 * Math.log10(chlorine / 0.5)) + wander;
}

export function colorPtCo(ctx: SignalContext): number {
  const { kind } = ctx.profile.site;
  const base = kind === 'source' ? 18 : kind === 'plant' ? 2.5 : 3 + 0.15 * ctx.profile.distanceKm;
  return base * Math.exp(ctx.drifts.drift('color', 0.15, 6 * HOUR_MS)) + ctx.effect.colorPtCo;
}

export function ironMgL(ctx: SignalContext): number {
  const { kind } = ctx.profile.site;
  const base = kind === 'source' ? 0.15 : kind === 'plant' ? 0.02 : 0.03 + 0.006 * ctx.profile.distanceKm;
  return base * Math.exp(ctx.drifts.drift('iron', 0.2, 6 * HOUR_MS)) + ctx.effect.ironMgL;
}

export function manganeseMgL(ctx: SignalContext): number {
  return (treated(ctx) ? 0.01 : 0.04) * Math.exp(ctx.drifts.drift('manganese', 0.2, 6 * HOUR_MS));
}

export function tocMgL(ctx: SignalContext): number {
  return (treated(ctx) ? 1.6 : 3) * Math.exp(ctx.drifts.drift('toc', 0.1, DAY_MS));
}
