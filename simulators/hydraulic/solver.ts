/**
 * The hydraulic solution a device reads at a simulated instant: the network is solved at the
 * start of each `stepMs` step with the events in force then, and the few latest steps are kept
 * (devices sample a step in any order, each in increasing time). Tank levels come from a mass
 * balance over those snapshots (`tank-levels.ts`), so they fill and draw down with demand, and a
 * gauge at a tank's bottom (a booster's suction) reads that level.
 * Chlorine devices read the water quality run (`quality-model.ts`), which only moves forward:
 * every step's water is kept for KEPT_QUALITY_STEPS, so a device that lags the others (a
 * backlog) still finds its step.
 */
import type { Catalog, Device } from '../../network/catalog.ts';
import { KPA_PER_METRE_HEAD } from '../../network/metrics.ts';
import type { Readings } from '../models/signals.ts';
import type { HydraulicsConfig } from './config.ts';
import { stateAt } from './config.ts';
import { qualityParams } from '../models/quality.ts';
import { deviceHydraulics, deviceQualityNode } from './device-map.ts';
import { HydraulicModel, type HydraulicSolution } from './model.ts';
import { countyNetwork } from './network-inp.ts';
import { QualityModel, type WaterQuality } from './quality-model.ts';
import type { DiscolourationEpisode } from './discolouration.ts';
import { predictYellowWater, yellowWaterAt } from './yellow-water.ts';
import { TankLevels } from './tank-levels.ts';

const KEPT_STEPS = 8;
/** About a week of 5-minute steps. */
const KEPT_QUALITY_STEPS = 2016;

export interface HydraulicSolver {
  /** True pressure (kPa), flow (m³/h), level (m) and chlorine (mg/L) a device reads at `tMs`, or undefined when it reads none. */
  truthFor(device: Device, tMs: number): Readings | undefined;
  /** Yellow water a device's signal model adds at `tMs`: excess turbidity (NTU), colour (Pt-Co), iron (mg/L) at a tap or main. */
  excessFor(device: Device, tMs: number): Readings | undefined;
  /** The mains whose deposits the valve operations and bursts stir up (known from the start; see yellow-water.ts). */
  readonly yellowWater: readonly DiscolourationEpisode[];
  close(): void;
}

export async function createHydraulicSolver(catalog: Catalog, config: HydraulicsConfig, simStartMs: number): Promise<HydraulicSolver> {
  const network = countyNetwork(catalog);
  const model = await HydraulicModel.create(network);
  const quality = await QualityModel.create(network, simStartMs, config.stepMs);
  const yellowWater = predictYellowWater({ model, network, events: config.events, simStartMs, stepMs: config.stepMs });
  const stepOf = (tMs: number) => Math.floor((tMs - simStartMs) / config.stepMs);
  const stepStart = (step: number) => simStartMs + step * config.stepMs;
  const waters = new Map<number, WaterQuality>();
  let lastWaterStep = -1;
  const waterAt = (tMs: number) => {
    const step = Math.max(0, stepOf(tMs));
    for (; lastWaterStep < step; lastWaterStep++) {
      const next = lastWaterStep + 1;
      waters.set(next, quality.at(stepStart(next), (t) => stateAt(config.events, simStartMs, t)));
      waters.delete(next - KEPT_QUALITY_STEPS);
    }
    return waters.get(step) ?? waters.get(lastWaterStep - KEPT_QUALITY_STEPS + 1)!;
  };
  // The quality run's spin-up (days of simulated water, about half a second here) now, before any
  // device runs: at the first chlorine sample it would hold every device's clock for as long.
  waterAt(simStartMs);
  const solutions = new Map<number, HydraulicSolution>();
  const solutionAt = (tMs: number) => {
    const step = Math.floor((tMs - simStartMs) / config.stepMs);
    let solution = solutions.get(step);
    if (!solution) {
      const stepStartMs = simStartMs + step * config.stepMs;
      solution = model.solve(stepStartMs, stateAt(config.events, simStartMs, stepStartMs));
      solutions.set(step, solution);
      for (const old of solutions.keys()) if (old <= step - KEPT_STEPS) solutions.delete(old);
    }
    return solution;
  };
  // Tank levels follow a mass balance over the steps' snapshots (tank-levels.ts), spun up now
  // for the same reason as the water quality run.
  const tankLevels = new TankLevels(network, simStartMs, config.stepMs, solutionAt);
  for (const node of network.nodes) if (tankLevels.has(node.id)) tankLevels.levelM(node.id, simStartMs);
  return {
    truthFor(device, tMs) {
      const where = deviceHydraulics(device);
      const waterNode = deviceQualityNode(device);
      if (!where && !waterNode) return undefined;
      const truth: Readings = {};
      if (waterNode) {
        const chlorine = waterAt(tMs).freeChlorineMgL(waterNode);
        if (device.metrics.has('free_chlorine')) truth.free_chlorine = chlorine;
        if (device.metrics.has('total_chlorine')) truth.total_chlorine = chlorine + qualityParams.combinedChlorineMgL;
      }
      if (!where) return truth;
      const solution = solutionAt(tMs);
      // A gauge in a tank the balance follows (a booster's suction) reads that level's head: the
      // snapshot's tanks stay at their initial level.
      const balancedLevelM = tankLevels.has(where.nodeId) ? tankLevels.levelM(where.nodeId, tMs) : undefined;
      if (device.metrics.has('pressure')) truth.pressure = balancedLevelM === undefined ? solution.pressureKpa(where.nodeId) : balancedLevelM * KPA_PER_METRE_HEAD;
      if (device.metrics.has('level')) truth.level = balancedLevelM ?? solution.levelM(where.nodeId);
      if (device.metrics.has('flow') && where.linkId) truth.flow = solution.flowM3h(where.linkId);
      return truth;
    },
    excessFor(device, tMs) {
      const { kind, id } = device.site;
      if (yellowWater.length === 0 || (kind !== 'tap' && kind !== 'main')) return undefined;
      const excess = yellowWaterAt(yellowWater, id, tMs);
      if (excess.turbidity === 0) return undefined;
      const readings: Readings = {};
      for (const metric of ['turbidity', 'color', 'iron'] as const) if (device.metrics.has(metric)) readings[metric] = excess[metric];
      return readings;
    },
    yellowWater,
    close: () => {
      model.close();
      quality.close();
    },
  };
}
