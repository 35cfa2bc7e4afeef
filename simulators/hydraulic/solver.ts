/**
 * The hydraulic solution a device reads at a simulated instant: the network is solved at the
 * start of each `stepMs` step with the events in force then, and the few latest steps are kept
 * (devices sample a step in any order, each in increasing time).
 */
import type { Catalog, Device } from '../../network/catalog.ts';
import type { Readings } from '../models/signals.ts';
import type { HydraulicsConfig } from './config.ts';
import { stateAt } from './config.ts';
import { deviceHydraulics } from './device-map.ts';
import { HydraulicModel, type HydraulicSolution } from './model.ts';
import { countyNetwork } from './network-inp.ts';

const KEPT_STEPS = 8;

export interface HydraulicSolver {
  /** True pressure (kPa), flow (m³/h) and level (m) a device reads at `tMs`, or undefined when it reads none. */
  truthFor(device: Device, tMs: number): Readings | undefined;
  close(): void;
}

export async function createHydraulicSolver(catalog: Catalog, config: HydraulicsConfig, simStartMs: number): Promise<HydraulicSolver> {
  const model = await HydraulicModel.create(countyNetwork(catalog));
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
  return {
    truthFor(device, tMs) {
      const where = deviceHydraulics(device);
      if (!where) return undefined;
      const solution = solutionAt(tMs);
      const truth: Readings = {};
      if (device.metrics.has('pressure')) truth.pressure = solution.pressureKpa(where.nodeId);
      if (device.metrics.has('level')) truth.level = solution.levelM(where.nodeId);
      if (device.metrics.has('flow') && where.linkId) truth.flow = solution.flowM3h(where.linkId);
      return truth;
    },
    close: () => model.close(),
  };
}
