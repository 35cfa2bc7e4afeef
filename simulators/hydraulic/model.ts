/**
 * EPANET 2.2 (epanet-js, WebAssembly) solving the generated county network at one instant:
 * demands follow the diurnal shape of `models/diurnal.ts`; bursts are emitters, valve
 * operations close or throttle a link, pump trips close a pump. `create` loads the engine;
 * `solve` is deterministic for the same instant and operations.
 */
import { Workspace, Project } from 'epanet-js';
import { NodeProperty, LinkProperty, CountType } from './epanet-codes.ts';
import { flowFraction, localHour } from '../models/diurnal.ts';
import { toInp, type CountyNetwork } from './network-inp.ts';
import { KPA_PER_METRE_HEAD } from '../../network/metrics.ts';

/** L/s to m³/h. */
const M3H_PER_LPS = 3.6;

/** What operations and failures are in force at the instant solved. */
export interface HydraulicState {
  /** Bursts as emitters: flow = coefficient × pressure^0.5 (EPANET 2.2 manual §3.1, Emitters), L/s per m^0.5. */
  readonly bursts?: readonly { readonly nodeId: string; readonly coefficient: number }[];
  /** Valve operations on links: `closed`, or open (a normally closed tie opens) with an optional throttle as an added minor-loss coefficient K. */
  readonly valves?: readonly { readonly linkId: string; readonly closed?: boolean; readonly minorLossK?: number }[];
  /** Pumps tripped (closed). */
  readonly trippedPumps?: readonly string[];
}

export interface HydraulicSolution {
  pressureKpa(nodeId: string): number;
  /** Flow in m³/h, positive in the link's from → to direction. */
  flowM3h(linkId: string): number;
  /** Water level above a tank's bottom, m. */
  levelM(nodeId: string): number;
}

export class HydraulicModel {
  private constructor(
    private readonly project: Project,
    private readonly network: CountyNetwork,
  ) {}

  static async create(network: CountyNetwork): Promise<HydraulicModel> {
    const ws = new Workspace();
    await ws.loadModule();
    const project = new Project(ws);
    ws.writeFile('county.inp', toInp(network));
    project.open('county.inp', 'county.rpt', '');
    return new HydraulicModel(project, network);
  }

  solve(tMs: number, state: HydraulicState = {}): HydraulicSolution {
    const pr = this.project;
    const fraction = flowFraction(localHour(tMs));
    for (const node of this.network.nodes) {
      if (node.kind !== 'junction') continue;
      const i = pr.getNodeIndex(node.id);
      pr.setNodeValue(i, NodeProperty.BaseDemand, node.peakDemandLps * fraction);
      pr.setNodeValue(i, NodeProperty.Emitter, 0);
    }
    for (const link of this.network.links) {
      if (link.kind === 'fcv') continue; // an OPEN status would override the valve's flow setting
      const i = pr.getLinkIndex(link.id);
      pr.setLinkValue(i, LinkProperty.InitStatus, link.normallyClosed ? 0 : 1);
      if (link.kind === 'pipe') pr.setLinkValue(i, LinkProperty.MinorLoss, 0);
    }
    for (const burst of state.bursts ?? []) pr.setNodeValue(pr.getNodeIndex(burst.nodeId), NodeProperty.Emitter, burst.coefficient);
    for (const valve of state.valves ?? []) {
      const i = pr.getLinkIndex(valve.linkId);
      pr.setLinkValue(i, LinkProperty.InitStatus, valve.closed ? 0 : 1);
      if (valve.minorLossK !== undefined) pr.setLinkValue(i, LinkProperty.MinorLoss, valve.minorLossK);
    }
    for (const pump of state.trippedPumps ?? []) pr.setLinkValue(pr.getLinkIndex(pump), LinkProperty.InitStatus, 0);
    pr.solveH();
    return this.snapshot();
  }

  private snapshot(): HydraulicSolution {
    const pr = this.project;
    const pressure = new Map<string, number>();
    const head = new Map<string, number>();
    const flow = new Map<string, number>();
    for (let i = 1; i <= pr.getCount(CountType.NodeCount); i++) {
      const id = pr.getNodeId(i);
      pressure.set(id, pr.getNodeValue(i, NodeProperty.Pressure));
      head.set(id, pr.getNodeValue(i, NodeProperty.Head) - pr.getNodeValue(i, NodeProperty.Elevation));
    }
    for (let i = 1; i <= pr.getCount(CountType.LinkCount); i++) flow.set(pr.getLinkId(i), pr.getLinkValue(i, LinkProperty.Flow));
    const must = (map: Map<string, number>, id: string) => {
      const v = map.get(id);
      if (v === undefined) throw new Error(`no node or link ${id} in the hydraulic model`);
      return v;
    };
    return {
      pressureKpa: (id) => must(pressure, id) * KPA_PER_METRE_HEAD,
      flowM3h: (id) => must(flow, id) * M3H_PER_LPS,
      levelM: (id) => must(head, id),
    };
  }

  close(): void {
    this.project.close();
  }
}

