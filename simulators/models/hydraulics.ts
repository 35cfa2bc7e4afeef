/**
 * Pressure, flow and tank level. True values (before sensor noise and rounding), canonical units.
 *
 * Pressure mirrors demand: the plant outlet runs about 250-450 kPa, highest at night; away from
 * the plant the ground rises (static loss) and friction grows with the square of flow. Hill
 * villages sit behind a booster that holds its discharge near a set point, less the lift to the
 * village. Network extremities must keep ≥ 140 kPa (GB/T 32063-2015 §3.3.1); the parameters
 * below keep every sample-network tap above that at the peaks. They are modelling choices, not
 * measurements.
 */
import { KPA_PER_METRE_HEAD } from '../../network/metrics.ts';
import { HOUR_MS, type SignalContext } from './context.ts';

export const hydraulicParams = {
  /** Plant outlet pressure at the night minimum of demand and at the morning peak, kPa. */
  outletNightKpa: 440,
  outletPeakKpa: 290,
  /** Ground rises away from the river plants: static head lost per km from the plant, kPa. */
  staticLossKpaPerKm: 8,
  /** Friction loss per km at peak flow (scales with flow²): trunk mains, other pipes, kPa. */
  mainFrictionKpaPerKm: 8,
  pipeFrictionKpaPerKm: 14,
  /** Booster discharge set point and how far it sags at peak demand, kPa. */
  boosterSetpointKpa: 430,
  boosterDroopKpa: 50,
  /** Height of a hill village above its booster, as pressure, kPa (about 15 m). */
  hillLiftKpa: 150,
  /** Raw-water intake pump discharge, kPa. */
  intakePumpKpa: 200,
  /** Design velocity of a main at peak demand, m/s (0.6-1.0 m/s is usual practice). */
  peakVelocityMs: 0.8,
  /** Plant outlet, booster and other peak flows, m³/h. */
  plantPeakFlowM3h: 900,
  boosterPeakFlowM3h: 35,
  otherPeakFlowM3h: 2,
} as const;

const p = hydraulicParams;

function outletKpa(ctx: SignalContext): number {
  return p.outletNightKpa - (p.outletNightKpa - p.outletPeakKpa) * ctx.demand;
}

/** Loss from the plant to `km` away, kPa. */
function networkLossKpa(ctx: SignalContext, km: number, frictionPerKm: number): number {
  return p.staticLossKpaPerKm * km + frictionPerKm * km * ctx.flowFraction ** 2;
}

function boosterDischargeKpa(ctx: SignalContext): number {
  return p.boosterSetpointKpa - p.boosterDroopKpa * ctx.demand;
}

export function pressureKpa(ctx: SignalContext): number {
  const { profile, role } = ctx;
  const { kind } = profile.site;
  // Demand fluctuations minute to minute: a few kPa.
  const wander = ctx.drifts.drift('pressure', 3, 20 * 60_000);
  let kpa: number;
  if (kind === 'plant') kpa = outletKpa(ctx);
  else if (kind === 'source') kpa = p.intakePumpKpa;
  else if (kind === 'reservoir') kpa = tankLevelM(ctx) * KPA_PER_METRE_HEAD;
  else if (kind === 'booster' && role === 'discharge') kpa = boosterDischargeKpa(ctx);
  else if (profile.booster) {
    kpa = boosterDischargeKpa(ctx) - p.hillLiftKpa - p.pipeFrictionKpaPerKm * profile.booster.distanceKm * ctx.flowFraction ** 2;
  } else {
    const friction = kind === 'main' || kind === 'booster' ? p.mainFrictionKpaPerKm : p.pipeFrictionKpaPerKm;
    kpa = outletKpa(ctx) - networkLossKpa(ctx, profile.distanceKm, friction);
  }
  return kpa + wander + ctx.effect.pressureKpa;
}

/** Peak flow through the site, m³/h. */
function peakFlowM3h(ctx: SignalContext): number {
  const { profile } = ctx;
  if (profile.pipeDnMm !== undefined) {
    const areaM2 = Math.PI * (profile.pipeDnMm / 2000) ** 2;
    return p.peakVelocityMs * areaM2 * 3600;
  }
  if (profile.site.kind === 'plant') return p.plantPeakFlowM3h;
  if (profile.site.kind === 'booster') return p.boosterPeakFlowM3h;
  return p.otherPeakFlowM3h;
}

export function flowM3h(ctx: SignalContext): number {
  const relative = 1 + ctx.drifts.drift('flow', 0.04, 30 * 60_000);
  return peakFlowM3h(ctx) * ctx.flowFraction * relative * ctx.effect.flowFactor;
}

/**
 * Tank level, m: tanks fill at night when demand is low and draw down through the day, fullest
 * about 06:00 and lowest about 18:00. Clear-water reservoirs are deeper than booster tanks.
 */
export function tankLevelM(ctx: SignalContext): number {
  const { kind } = ctx.profile.site;
  const [mean, swing] = kind === 'reservoir' ? [3.2, 0.9] : kind === 'booster' ? [2.0, 0.6] : [3.0, 0.2];
  const cycle = Math.cos((2 * Math.PI * (ctx.hour - 6)) / 24);
  return mean + swing * cycle + ctx.drifts.drift('level', 0.08, 6 * HOUR_MS);
}
