/**
 * One EPANET 2.2 project run as an extended-period simulation (EPS) with water quality, stepped
 * forward in time only: hydraulics and quality advance together, `runH`/`runQ` then
 * `nextH`/`nextQ` (EPANET 2.2 toolkit, "running a hydraulic and water quality analysis in
 * step"). Demands and events are set at each hydraulic step as `model.ts` does for a snapshot,
 * and each break tank's float valve (FCV) passes the current demand behind its booster;
 * links are opened or closed through their in-run `Status` only when an event changes them, so
 * the engine's own tank-full/empty closures stand.
 */
import type { Project } from 'epanet-js';
import { flowFraction, localHour } from '../models/diurnal.ts';
import { InitHydOption, LinkProperty, NodeProperty, TimeParameter } from './epanet-codes.ts';
import type { HydraulicState } from './model.ts';
import type { CountyNetwork } from './network-inp.ts';

/** A year of simulated time: the run never reaches the end of the EPS. */
const DURATION_S = 365 * 24 * 3600;

export class EpsEngine {
  /** Seconds since `originMs` of the next hydraulic solution. */
  private nextRunS = 0;
  private readonly statuses = new Map<string, number>();

  constructor(
    private readonly project: Project,
    private readonly network: CountyNetwork,
    /** Epoch ms of the EPS's time 0. */
    readonly originMs: number,
    private readonly stepMs: number,
    /** Quality time step, s: shorter than the travel time through the shortest pipe. */
    qualityStepS: number,
  ) {
    const pr = project;
    pr.setTimeParameter(TimeParameter.Duration, DURATION_S);
    pr.setTimeParameter(TimeParameter.HydStep, stepMs / 1000);
    pr.setTimeParameter(TimeParameter.PatternStep, stepMs / 1000);
    pr.setTimeParameter(TimeParameter.ReportStep, stepMs / 1000);
    pr.setTimeParameter(TimeParameter.QualStep, qualityStepS);
  }

  /** Opens the solvers; call after the quality type, reactions and initial qualities are set. */
  start(): void {
    this.project.openH();
    this.project.initH(InitHydOption.NoSave);
    this.project.openQ();
    this.project.initQ(InitHydOption.NoSave);
  }

  /**
   * Runs every hydraulic step that starts at or before `tMs` (never backwards), with demands and
   * `stateAt(stepStartMs)` set before each; qualities are then those at the end of the last step
   * run (EPANET may cut a step short when a tank fills or empties).
   */
  advanceTo(tMs: number, stateAt: (stepStartMs: number) => HydraulicState): void {
    const pr = this.project;
    while (this.originMs + this.nextRunS * 1000 <= tMs) {
      const atMs = this.originMs + this.nextRunS * 1000;
      const stepStartMs = this.originMs + Math.floor((atMs - this.originMs) / this.stepMs) * this.stepMs;
      this.apply(stepStartMs, stateAt(stepStartMs));
      pr.runH();
      pr.runQ();
      const stepS = pr.nextH();
      pr.nextQ();
      if (stepS <= 0) throw new Error('hydraulic quality run reached the end of its duration');
      this.nextRunS += stepS;
    }
  }

  nodeIds(): string[] {
    return this.network.nodes.map((n) => n.id);
  }

  close(): void {
    this.project.closeQ();
    this.project.closeH();
    this.project.close();
  }

  nodeQuality(nodeId: string): number {
    return this.project.getNodeValue(this.project.getNodeIndex(nodeId), NodeProperty.Quality);
  }

  private apply(stepStartMs: number, state: HydraulicState): void {
    const pr = this.project;
    const fraction = flowFraction(localHour(stepStartMs));
    const emitters = new Map((state.bursts ?? []).map((b) => [b.nodeId, b.coefficient]));
    for (const node of this.network.nodes) {
      if (node.kind !== 'junction') continue;
      const i = pr.getNodeIndex(node.id);
      pr.setNodeValue(i, NodeProperty.BaseDemand, node.peakDemandLps * fraction);
      pr.setNodeValue(i, NodeProperty.Emitter, emitters.get(node.id) ?? 0);
    }
    const operated = new Map((state.valves ?? []).map((v) => [v.linkId, v.closed === true]));
    for (const pump of state.trippedPumps ?? []) operated.set(pump, true);
    const throttles = new Map((state.valves ?? []).flatMap((v) => (v.minorLossK === undefined ? [] : [[v.linkId, v.minorLossK] as const])));
    for (const link of this.network.links) {
      const i = pr.getLinkIndex(link.id);
      // A break tank's float valve passes what the booster draws, so the tank holds its level
      // (passing the peak all day would fill it and close its inlet). An OPEN status would
      // override the valve's setting, so its status is left alone.
      if (link.kind === 'fcv') {
        pr.setLinkValue(i, LinkProperty.Setting, (link.maxFlowLps ?? 0) * fraction);
        continue;
      }
      const normal = link.normallyClosed ? 0 : 1;
      const status = operated.has(link.id) ? (operated.get(link.id) ? 0 : 1) : normal;
      if ((this.statuses.get(link.id) ?? normal) !== status) pr.setLinkValue(i, LinkProperty.Status, status);
      this.statuses.set(link.id, status);
      if (link.kind === 'pipe') pr.setLinkValue(i, LinkProperty.MinorLoss, throttles.get(link.id) ?? 0);
    }
  }
}
