/**
 * A chlorine dosing failure at a treatment plant: the dosing pump stops (or its hypochlorite runs
 * out), so the plant outlet's free chlorine falls to `residualFactor` of normal within about
 * `rampMs`, and the under-dosed water reaches each site of the zone later, by its distance from
 * the plant at `travelKmH`. When dosing is restored the water recovers in the same order. GB
 * 5749-2022 Table A.1 asks for at least 0.3 mg/L free chlorine leaving the plant and 0.05 mg/L at
 * the tap; the rules that watch those limits should see it at the outlet first.
 */
import { z } from 'zod';
import { ID_PATTERN } from '../../network/topic.ts';
import { HOUR_MS, MINUTE_MS, NO_EFFECT, type SiteEffect } from '../models/context.ts';
import type { Scenario, ScenarioKind } from './scenario.ts';
import { windowFields, windowOf } from './window.ts';

export const dosingFailureConfigSchema = z.strictObject({
  kind: z.literal('dosing-failure'),
  plant: z.string().regex(ID_PATTERN).optional().describe('Plant site (catalog id) whose dosing fails; default the first plant of the catalog'),
  residualFactor: z.number().min(0).max(1).default(0.15).describe('Free chlorine leaving the plant, as a share of normal, while dosing is off'),
  rampMs: z.number().positive().default(20 * MINUTE_MS).describe('Simulated ms over which the outlet falls (the clear well empties of dosed water)'),
  // Modelling choice: 0.6 m/s, within the 0.6-0.9 m/s economic velocities of GB 50013-2018 §7.3.
  travelKmH: z.number().positive().default(2.2).describe('How fast the under-dosed water travels down the mains, km/h'),
  ...windowFields(4 * HOUR_MS),
});
export type DosingFailureConfig = z.infer<typeof dosingFailureConfigSchema>;

/** 0 → 1 over `rampMs` from `t0` (smoothstep). Pure. */
function ramp(tMs: number, t0: number, rampMs: number): number {
  if (tMs <= t0) return 0;
  if (tMs >= t0 + rampMs) return 1;
  const x = (tMs - t0) / rampMs;
  return x * x * (3 - 2 * x);
}

export const dosingFailure: ScenarioKind<DosingFailureConfig> = {
  description: 'A plant stops dosing chlorine: the outlet residual falls, and the zone downstream follows',
  create(config, context): Scenario {
    const plant = config.plant === undefined ? [...context.catalog.sites.values()].find((s) => s.kind === 'plant') : context.catalog.sites.get(config.plant);
    if (!plant || plant.kind !== 'plant') throw new Error(`dosing-failure: ${config.plant === undefined ? 'the catalog has no plant' : `"${config.plant}" is not a plant site`}`);
    const window = windowOf(config, context.simStartMs);
    const zone = [...context.catalog.sites.values()].filter((s) => s.zone === plant.zone && s.kind !== 'source');
    const delayMs = new Map(zone.map((s) => [s.id, ((context.profiles.get(s.id)?.distanceKm ?? 0) / config.travelKmH) * HOUR_MS]));
    const devices = [...context.catalog.devices.values()].filter((d) => delayMs.has(d.site.id) && d.metrics.has('free_chlorine')).map((d) => d.id);
    return {
      groundTruth: {
        kind: 'dosing-failure',
        name: `dosing-failure@${plant.id}`,
        township: plant.township,
        startMs: window.startMs,
        endMs: Math.ceil(window.endMs + Math.max(...delayMs.values()) + config.rampMs),
        affectedSites: zone.map((s) => s.id),
        affectedDevices: devices,
        details: { plant: plant.id, residualFactor: config.residualFactor, delayMinBySite: Object.fromEntries([...delayMs].map(([id, ms]) => [id, Math.round(ms / MINUTE_MS)])) },
      },
      effectAt(siteId, tMs): SiteEffect | undefined {
        const delay = delayMs.get(siteId);
        if (delay === undefined) return undefined;
        const off = ramp(tMs, window.startMs + delay, config.rampMs) - ramp(tMs, window.endMs + delay, config.rampMs);
        return off <= 0 ? undefined : { ...NO_EFFECT, chlorineFactor: 1 - off * (1 - config.residualFactor) };
      },
    };
  },
};
