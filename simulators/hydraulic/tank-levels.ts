/**
 * Tank levels through a run: the mass balance of `tank-balance.ts` stepped forward over the
 * snapshot solutions, one per hydraulic step. It starts a day before the run (spin-up) with every
 * tank full, as after a night's filling, so a run starts inside the daily cycle; that day's
 * snapshots, before any event, also give each pump's day-mean flow and so each tank's feed
 * capacity. Within a step the level moves linearly from the step's start to its end. Only moves
 * forward; each step's levels are kept for KEPT_STEPS, so a device that lags the others still
 * finds its step.
 */
import { DAY_MS } from '../models/context.ts';
import type { HydraulicSolution } from './model.ts';
import type { CountyNetwork } from './network-inp.ts';
import { balancedTanks, nextLevel, type BalancedTank, type TankFlows } from './tank-balance.ts';

/** About a week of 5-minute steps. */
const KEPT_STEPS = 2016;
const LPS_PER_M3H = 1 / 3.6;

export class TankLevels {
  private readonly tanks: readonly BalancedTank[];
  /** Levels at the start of each step since `originMs`, by tank. */
  private readonly levels = new Map<number, ReadonlyMap<string, number>>();
  /** The spin-up day's flows, by step then tank. */
  private readonly spinUpFlows: ReadonlyMap<string, TankFlows>[];
  private lastStep = 0;
  private readonly originMs: number;

  constructor(
    network: CountyNetwork,
    simStartMs: number,
    private readonly stepMs: number,
    /** The snapshot solution of the step starting at `stepStartMs`, with the events in force then (none before the run). */
    private readonly solutionAt: (stepStartMs: number) => HydraulicSolution,
  ) {
    const spinUpSteps = Math.ceil(DAY_MS / stepMs);
    this.originMs = simStartMs - spinUpSteps * stepMs;
    const unfed = balancedTanks(network, new Map());
    this.spinUpFlows = Array.from({ length: spinUpSteps }, (_, step) => this.flowsOf(unfed, this.originMs + step * stepMs));
    const meanPumpFlowLps = new Map(
      unfed.map((t) => [t.outletLinkId, this.spinUpFlows.reduce((sum, flows) => sum + flows.get(t.nodeId)!.outflowLps, 0) / spinUpSteps]),
    );
    this.tanks = balancedTanks(network, meanPumpFlowLps);
    this.levels.set(0, new Map(this.tanks.map((t) => [t.nodeId, t.maxLevelM])));
  }

  /** Whether `nodeId` is a tank whose level this balance follows. */
  has(nodeId: string): boolean {
    return this.tanks.some((t) => t.nodeId === nodeId);
  }

  /** Feed capacity of a tank, L/s (see tank-balance.ts). */
  feedLps(nodeId: string): number | undefined {
    return this.tanks.find((t) => t.nodeId === nodeId)?.feedLps;
  }

  /** Level above the tank's bottom at `tMs`, m (never before the spin-up's start). */
  levelM(nodeId: string, tMs: number): number {
    const at = Math.max(0, (tMs - this.originMs) / this.stepMs);
    const step = Math.floor(at);
    this.advanceTo(step + 1);
    const from = this.levels.get(step) ?? this.levels.get(this.lastStep - KEPT_STEPS + 1)!;
    const to = this.levels.get(step + 1) ?? from;
    const a = from.get(nodeId);
    const b = to.get(nodeId);
    if (a === undefined || b === undefined) throw new Error(`no tank ${nodeId} in the level balance`);
    return a + (b - a) * (at - step);
  }

  private flowsOf(tanks: readonly BalancedTank[], stepStartMs: number): ReadonlyMap<string, TankFlows> {
    const solution = this.solutionAt(stepStartMs);
    return new Map(
      tanks.map((tank) => [
        tank.nodeId,
        {
          availableLps: tank.inletLinkId === undefined ? Infinity : solution.flowM3h(tank.inletLinkId) * LPS_PER_M3H,
          outflowLps: Math.max(0, solution.flowM3h(tank.outletLinkId) * LPS_PER_M3H),
        },
      ]),
    );
  }

  private advanceTo(step: number): void {
    for (; this.lastStep < step; this.lastStep++) {
      const flows = this.spinUpFlows[this.lastStep] ?? this.flowsOf(this.tanks, this.originMs + this.lastStep * this.stepMs);
      const now = this.levels.get(this.lastStep)!;
      const next = new Map(this.tanks.map((t) => [t.nodeId, nextLevel(t, now.get(t.nodeId)!, flows.get(t.nodeId)!, this.stepMs / 1000).levelM]));
      this.levels.set(this.lastStep + 1, next);
      this.levels.delete(this.lastStep + 1 - KEPT_STEPS);
    }
  }
}
