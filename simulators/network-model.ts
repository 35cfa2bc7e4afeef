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
import { applyFault, type SensorFault } from './models/faults.ts';
import { quantize, sampleDevice, type Readings } from './models/signals.ts';
import { createRandom, type Random } from './random.ts';
import { createScenarios, type ScenarioConfig } from './scenarios/registry.ts';
import type { DeviceDisturbance, GroundTruth, Scenario } from './scenarios/scenario.ts';
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
  /** Readings at simulated `tMs`, sensor faults included; call with increasing times (the drifts carry state). */
  sample(tMs: number): Readings;
  /** What scenarios do to the device itself at `tMs` (its link, its clock; its sensor is in `sample`). */
  disturbance(tMs: number): DeviceDisturbance;
}

export interface NetworkModel {
  /** Simulated epoch ms the run starts. */
  readonly simStartMs: number;
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
    simStartMs: options.simStartMs,
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
      const faultRng = rng.fork(`fault:${device.id}`);
      const frozen = new Map<SensorFault, number>();
      let state: ModelState = initialModelState;
      const disturbance = (tMs: number) => combineDisturbances(scenarios.flatMap((s) => s.deviceAt?.(device.id, tMs) ?? []));
      return {
        device,
        sample(tMs) {
          const effect = effectAt(device.site.id, tMs);
          const hydraulicTruth = options.hydraulics?.truthFor(device, tMs);
          const hydraulicExcess = options.hydraulics?.excessFor(device, tMs);
          const next = sampleDevice({ device, profile, role, tMs, rng: deviceRng, state, effect, ...(hydraulicTruth && { hydraulicTruth }), ...(hydraulicExcess && { hydraulicExcess }) });
          state = next.state;
          const fault = disturbance(tMs).fault;
          return fault ? faulty(next.readings, fault, tMs, faultRng, frozen) : next.readings;
        },
        disturbance,
      };
    },
  };
}

/** Several scenarios on one device: the first fault and skew win, the link is down if any says so (buffering if any buffers). */
function combineDisturbances(all: readonly DeviceDisturbance[]): DeviceDisturbance {
  if (all.length <= 1) return all[0] ?? {};
  const down = all.flatMap((d) => d.linkDown ?? []);
  const fault = all.find((d) => d.fault)?.fault;
  const skewMs = all.find((d) => d.skewMs !== undefined)?.skewMs;
  return { ...(fault && { fault }), ...(skewMs !== undefined && { skewMs }), ...(down.length > 0 && { linkDown: { buffers: down.some((d) => d.buffers) } }) };
}

/** The faulty reading at the instrument's resolution (junk stays NaN). */
function faulty(readings: Readings, fault: SensorFault, tMs: number, rng: Random, frozen: Map<SensorFault, number>): Readings {
  const out = applyFault(readings, fault, tMs, rng, frozen);
  const value = out[fault.metric];
  return value === undefined || Number.isNaN(value) ? out : { ...out, [fault.metric]: quantize(fault.metric, value) };
}
