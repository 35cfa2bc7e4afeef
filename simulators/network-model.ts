/**
 * The simulated network without any I/O: site profiles, scenarios and one signal per device.
 * `sample(deviceId, tMs)` gives the readings a device reports at a simulated instant, so tests
 * and tools can play a week in milliseconds. Given the same catalog, seed and start, every
 * device produces the same readings whichever other devices run: each draws from its own stream
 * (`device:<id>`).
 */
import type { Catalog, Device } from '../network/catalog.ts';
import { combineEffects, type SiteEffect } from './models/context.ts';
import { initialModelState, type ModelState } from './models/drift.ts';
import { sampleDevice, type Readings } from './models/signals.ts';
import { createRandom, type Random } from './random.ts';
import { createScenarios, type ScenarioConfig } from './scenarios/registry.ts';
import type { GroundTruth, Scenario } from './scenarios/scenario.ts';
import type { HydraulicSolver } from './hydraulic/solver.ts';
import { deviceRole, siteProfiles, type SiteProfile } from './site-profile.ts';

export interface NetworkModelOptions {
  readonly seed: number;
  /** Simulated epoch ms the run starts; scenarios count from here. */
  readonly simStartMs: number;
  readonly scenarios: readonly ScenarioConfig[];
  /** When given, pressure, flow and level come from the EPANET solution (`hydraulic/`). */
  readonly hydraulics?: HydraulicSolver;
}

export interface DeviceSignal {
  readonly device: Device;
  /** Readings at simulated `tMs`; call with increasing times (the drifts carry state). */
  sample(tMs: number): Readings;
}

export interface NetworkModel {
  readonly profiles: ReadonlyMap<string, SiteProfile>;
  readonly scenarios: readonly Scenario[];
  readonly groundTruth: readonly GroundTruth[];
  /** Root stream of the run; fork it by label for anything else random. */
  readonly rng: Random;
  /** A fresh signal for one device (throws for a device not in the catalog). */
  signal(deviceId: string): DeviceSignal;
  /** Combined effect of every scenario on a site at a simulated instant. */
  effectAt(siteId: string, tMs: number): SiteEffect;
}

export function createNetworkModel(catalog: Catalog, options: NetworkModelOptions): NetworkModel {
  const rng = createRandom(options.seed);
  const profiles = siteProfiles(catalog);
  const scenarios = createScenarios(options.scenarios, { catalog, profiles, simStartMs: options.simStartMs, rng });

  const effectAt = (siteId: string, tMs: number) =>
    combineEffects(scenarios.flatMap((s) => s.effectAt(siteId, tMs) ?? []));

  return {
    profiles,
    scenarios,
    groundTruth: scenarios.map((s) => s.groundTruth),
    rng,
    effectAt,
    signal(deviceId) {
      const device = catalog.device(deviceId);
      const profile = device && profiles.get(device.site.id);
      if (!device || !profile) throw new Error(`unknown device "${deviceId}"`);
      const deviceRng = rng.fork(`device:${device.id}`);
      const role = deviceRole(device);
      let state: ModelState = initialModelState;
      return {
        device,
        sample(tMs) {
          const effect = effectAt(device.site.id, tMs);
          const hydraulicTruth = options.hydraulics?.truthFor(device, tMs);
          const next = sampleDevice({ device, profile, role, tMs, rng: deviceRng, state, effect, ...(hydraulicTruth && { hydraulicTruth }) });
          state = next.state;
          return next.readings;
        },
      };
    },
  };
}
