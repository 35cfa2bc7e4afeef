/**
 * Yellow water (黄水) in one village (the signature rules/packs/yellow-water.yaml detects; a
 * modelling choice, not data from a real event): a valve operation makes a pressure transient at
 * the village main (a step drop of about 60-80 kPa for a few minutes, with a flow surge); the
 * faster flow stirs up iron deposits, so within minutes turbidity at the main and the village
 * taps climbs to several NTU, highest at the far end of the old main; colour and iron rise with
 * it and free chlorine dips (iron consumes it). It then decays over hours and is gone by the end
 * of the configured duration.
 */
import { z } from 'zod';
import { durationField } from '../../network/duration.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import { distanceKm } from '../site-profile.ts';
import { MINUTE_MS, HOUR_MS, NO_EFFECT, type SiteEffect } from '../models/context.ts';
import { devicesAt, type Scenario, type ScenarioContext, type ScenarioKind } from './scenario.ts';

export const yellowWaterConfigSchema = z.strictObject({
  kind: z.literal('yellow-water'),
  village: z.string().regex(ID_PATTERN).default('tongmen').describe('Village (catalog id) whose main and taps turn yellow'),
  startsAfter: durationField().default(HOUR_MS).describe('Simulated time (ms or "1h30m") after the simulation start when the valve operation happens (default 1 h)'),
  peakNtu: z.number().min(1).max(4000).default(6).describe('Peak turbidity at the village tap farthest down the main, NTU; the other taps reach 75 %, the main 50 %'),
  durationMs: durationField((ms) => ms.min(30 * MINUTE_MS)).default(6 * HOUR_MS).describe('Simulated time (ms or "6h") from the start until every value is back to normal (default 6 h)'),
  halfLifeMs: durationField((ms) => ms.positive()).default(2 * HOUR_MS).describe('Half-life of the turbidity decay after the peak, simulated ms (default 2 h)'),
  pressureDropKpa: z.number().min(0).max(300).optional().describe('Depth of the pressure step at the village main, kPa; default drawn from 60-80 kPa'),
  transientMs: durationField((ms) => ms.positive()).default(4 * MINUTE_MS).describe('How long the pressure stays down after the valve operation, simulated ms'),
});
export type YellowWaterConfig = z.infer<typeof yellowWaterConfigSchema>;

/** How each site of the village shares in the event. */
export interface SiteRole {
  readonly peakNtu: number;
  /** Delay from the valve operation until turbidity starts to rise there. */
  readonly onsetMs: number;
  /** Fraction of the pressure drop the site sees. */
  readonly pressureShare: number;
  readonly flowSurge: number;
}

/** Turbidity reaches its peak this long after it starts to rise. */
const RISE_MS = 6 * MINUTE_MS;
/** Iron and colour carried per NTU of stirred-up deposit; chlorine consumed per NTU (modelling choices). */
export const IRON_MG_L_PER_NTU = 0.08;
export const COLOR_PT_CO_PER_NTU = 4;
const CHLORINE_DECAY_PER_NTU = 0.12;

/**
 * Excess turbidity as a fraction of the site's peak, `sinceOnsetMs` after it starts to rise: a
 * smooth climb over RISE_MS, then exponential decay with `halfLifeMs`, lowered so that it reaches
 * exactly 0 `peakToEndMs` after the peak. Pure.
 */
export function yellowWaterEnvelope(sinceOnsetMs: number, peakToEndMs: number, halfLifeMs: number): number {
  if (sinceOnsetMs <= 0) return 0;
  if (sinceOnsetMs < RISE_MS) {
    const x = sinceOnsetMs / RISE_MS;
    return x * x * (3 - 2 * x);
  }
  const sincePeakMs = sinceOnsetMs - RISE_MS;
  if (sincePeakMs >= peakToEndMs) return 0;
  const rate = Math.LN2 / halfLifeMs;
  const end = Math.exp(-rate * peakToEndMs);
  return (Math.exp(-rate * sincePeakMs) - end) / (1 - end);
}

/** Effect on one site `sinceStartMs` after the valve operation. Pure. */
export function yellowWaterEffect(role: SiteRole, sinceStartMs: number, config: YellowWaterConfig, dropKpa: number): SiteEffect {
  const peakToEndMs = config.durationMs - role.onsetMs - RISE_MS;
  const excessNtu = role.peakNtu * yellowWaterEnvelope(sinceStartMs - role.onsetMs, peakToEndMs, config.halfLifeMs);
  const transient = sinceStartMs >= 0 && sinceStartMs < config.transientMs;
  return {
    ...NO_EFFECT,
    pressureKpa: transient ? -dropKpa * role.pressureShare : 0,
    flowFactor: transient ? role.flowSurge : 1,
    turbidityNtu: excessNtu,
    colorPtCo: COLOR_PT_CO_PER_NTU * excessNtu,
    ironMgL: IRON_MG_L_PER_NTU * excessNtu,
    chlorineFactor: Math.exp(-CHLORINE_DECAY_PER_NTU * excessNtu),
  };
}

/**
 * The village's mains take the transient in full and half the peak turbidity; its taps a
 * 70 % share of the transient and 75 % of the peak, except the tap farthest from the main (the
 * dead end of the old cast-iron main, where yellow water shows first and worst), which takes
 * the full peak.
 */
function siteRoles(config: YellowWaterConfig, context: ScenarioContext): Map<string, SiteRole> {
  const sites = [...context.catalog.sites.values()].filter((s) => s.village === config.village);
  const mains = sites.filter((s) => s.kind === 'main');
  const taps = sites.filter((s) => s.kind === 'tap');
  if (mains.length + taps.length === 0) {
    throw new Error(`yellow-water: village "${config.village}" has no main or tap in the catalog`);
  }
  const reach = (tap: (typeof taps)[number]) =>
    mains.length > 0 ? Math.min(...mains.map((m) => distanceKm(m.location, tap.location))) : (context.profiles.get(tap.id)?.distanceKm ?? 0);
  const farthest = taps.reduce<(typeof taps)[number] | undefined>((best, tap) => (!best || reach(tap) > reach(best) ? tap : best), undefined);

  const roles = new Map<string, SiteRole>();
  for (const main of mains) roles.set(main.id, { peakNtu: 0.5 * config.peakNtu, onsetMs: 2 * MINUTE_MS, pressureShare: 1, flowSurge: 1.5 });
  for (const tap of taps) {
    const end = tap === farthest;
    roles.set(tap.id, { peakNtu: (end ? 1 : 0.75) * config.peakNtu, onsetMs: (end ? 3 : 4) * MINUTE_MS, pressureShare: 0.7, flowSurge: 1 });
  }
  return roles;
}

export const yellowWater: ScenarioKind<YellowWaterConfig> = {
  description: 'Yellow water after a valve operation: pressure transient, then turbidity, colour and iron up and chlorine down for hours',
  create(config, context): Scenario {
    if (!context.catalog.village(config.village)) throw new Error(`yellow-water: unknown village "${config.village}"`);
    const roles = siteRoles(config, context);
    const dropKpa = config.pressureDropKpa ?? Math.round(context.rng.uniform(60, 80) * 10) / 10;
    const startMs = context.simStartMs + config.startsAfter;
    const endMs = startMs + config.durationMs;
    const affectedSites = [...roles.keys()];
    return {
      groundTruth: {
        kind: config.kind,
        name: `yellow-water@${config.village}`,
        village: config.village,
        startMs,
        endMs,
        affectedSites,
        affectedDevices: devicesAt(context.catalog, affectedSites),
        details: {
          pressureDropKpa: dropKpa,
          transientEndMs: startMs + config.transientMs,
          peakNtuBySite: Object.fromEntries([...roles].map(([site, role]) => [site, role.peakNtu])),
          halfLifeMs: config.halfLifeMs,
        },
      },
      effectAt(siteId, tMs) {
        const role = roles.get(siteId);
        if (!role || tMs < startMs || tMs >= endMs) return undefined;
        return yellowWaterEffect(role, tMs - startMs, config, dropKpa);
      },
    };
  },
};
