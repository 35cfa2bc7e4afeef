/**
 * Water age and free chlorine from EPANET 2.2 (epanet-js): the county network run as an
 * extended-period simulation, one project with AGE quality and one with CHEMICAL quality
 * (EPANET runs one quality constituent at a time). Chlorine is set at each plant's outlet by a
 * SETPOINT source (EPANET 2.2 manual, input file [SOURCES]: it fixes the concentration of any flow
 * leaving the node while the inflow's is below it) and decays in the bulk water at first order
 * (§3.4, Water Quality Simulation Model, "Bulk Flow Reactions"); a dosing failure lowers the
 * setpoint, and the low-chlorine water travels down the mains at the speed the hydraulics give it.
 *
 * The EPS starts `spinUpMs` before the run so that ages and residuals have settled when the run
 * begins (a tank's mixed age takes about its residence time to settle).
 */
import { Project, Workspace } from 'epanet-js';
import { DAY_MS } from '../models/context.ts';
import { qualityParams } from '../models/quality.ts';
import { EpsEngine } from './eps-engine.ts';
import { LinkProperty, NodeProperty, QualityType, SourceType } from './epanet-codes.ts';
import type { HydraulicState } from './model.ts';
import { toInp, type CountyNetwork } from './network-inp.ts';

export const qualityModelParams = {
  /**
   * First-order bulk decay coefficient of free chlorine, 1/day (EPANET's Kb, negative for decay).
   * Modelling choice: 0.5/day, the global bulk coefficient of EPANET's own example network
   * Net1.inp (`Global Bulk -.5`); no wall reaction (Kw = 0) is modelled.
   */
  bulkDecayPerDay: 0.5,
  /** Free chlorine leaving a plant, mg/L: the dosing target of `models/quality.ts` (GB 5749-2022 Table 2: 0.3-2 mg/L). */
  plantChlorineMgL: qualityParams.plantChlorineMgL,
  /** Quality step, s: well under the shortest pipe travel time (50 m at < 1 m/s). */
  qualityStepS: 30,
  /** Simulated time run before the run's start so that ages settle. */
  spinUpMs: 3 * DAY_MS,
  /** Age (h) every node starts the spin-up with: about a break tank's residence time (modelling choice). */
  initialAgeH: 36,
} as const;

/** The state of the water at a model node at one instant. */
export interface WaterQuality {
  /** Water age, hours since the water left a plant's clear well. */
  ageH(nodeId: string): number;
  freeChlorineMgL(nodeId: string): number;
}

/** What is in force at an instant: the hydraulic events, and plants whose dosing has failed. */
export interface QualityState extends HydraulicState {
  readonly dosingFailures?: readonly { readonly plantId: string; readonly residualFactor: number }[];
}

/** The network for an EPS: a clear well (a tank nothing fills) is a fixed-head reservoir, since its plant keeps it full. */
export function epsNetwork(network: CountyNetwork): CountyNetwork {
  const filled = new Set(network.links.map((l) => l.to));
  return { ...network, nodes: network.nodes.map((n) => (n.kind === 'tank' && !filled.has(n.id) ? { ...n, kind: 'reservoir' } : n)) };
}

/** The plants: nodes a pump lifts water into from a reservoir. */
const plantsOf = (network: CountyNetwork) => {
  const reservoirs = new Set(network.nodes.filter((n) => n.kind === 'reservoir').map((n) => n.id));
  return network.links.filter((l) => l.kind === 'pump' && reservoirs.has(l.from)).map((l) => l.to);
};

export class QualityModel {
  private constructor(
    private readonly age: EpsEngine,
    private readonly chlorine: EpsEngine,
    private readonly chlorineProject: Project,
    private readonly plants: readonly string[],
  ) {}

  /** Loads the engine and opens both runs; the EPS's time 0 is `spinUpMs` (rounded up to whole steps) before `simStartMs`. */
  static async create(network: CountyNetwork, simStartMs: number, stepMs: number): Promise<QualityModel> {
    const p = qualityModelParams;
    const eps = epsNetwork(network);
    const ws = new Workspace();
    await ws.loadModule();
    ws.writeFile('county-eps.inp', toInp(eps));
    // A whole number of steps, so the run's steps start where the snapshots' do.
    const originMs = simStartMs - Math.ceil(p.spinUpMs / stepMs) * stepMs;
    const open = (name: string, quality: number, initial: number) => {
      const pr = new Project(ws);
      pr.open('county-eps.inp', `${name}.rpt`, '');
      pr.setQualityType(quality, name === 'chlorine' ? 'Chlorine' : '', name === 'chlorine' ? 'mg/L' : '', '');
      const engine = new EpsEngine(pr, eps, originMs, stepMs, p.qualityStepS);
      for (const node of eps.nodes) if (node.kind !== 'reservoir') pr.setNodeValue(pr.getNodeIndex(node.id), NodeProperty.InitQual, initial);
      return { pr, engine };
    };
    const age = open('age', QualityType.Age, p.initialAgeH);
    const chlorine = open('chlorine', QualityType.Chem, p.plantChlorineMgL * Math.exp((-p.bulkDecayPerDay * p.initialAgeH) / 24));
    const pr = chlorine.pr;
    for (const link of eps.links) if (link.kind === 'pipe') pr.setLinkValue(pr.getLinkIndex(link.id), LinkProperty.KBulk, -p.bulkDecayPerDay);
    for (const node of eps.nodes) if (node.kind === 'tank') pr.setNodeValue(pr.getNodeIndex(node.id), NodeProperty.TankKBulk, -p.bulkDecayPerDay);
    const plants = plantsOf(eps);
    for (const plant of plants) {
      const i = pr.getNodeIndex(plant);
      pr.setNodeValue(i, NodeProperty.SourceQual, p.plantChlorineMgL);
      pr.setNodeValue(i, NodeProperty.SourceType, SourceType.SetPoint);
    }
    age.engine.start();
    chlorine.engine.start();
    return new QualityModel(age.engine, chlorine.engine, pr, plants);
  }

  /**
   * Advances both runs to `tMs` (never backwards), with `stateAt(stepStartMs)` in force at each
   * step, and returns the water at every node then (a copy: later steps do not change it).
   */
  at(tMs: number, stateAt: (stepStartMs: number) => QualityState): WaterQuality {
    this.age.advanceTo(tMs, stateAt);
    this.chlorine.advanceTo(tMs, (stepStartMs) => {
      const state = stateAt(stepStartMs);
      this.setDosing(state);
      return state;
    });
    const ages = new Map(this.age.nodeIds().map((id) => [id, this.age.nodeQuality(id)]));
    const residuals = new Map(this.chlorine.nodeIds().map((id) => [id, this.chlorine.nodeQuality(id)]));
    const must = (map: Map<string, number>, id: string) => {
      const v = map.get(id);
      if (v === undefined) throw new Error(`no node ${id} in the water quality model`);
      return v;
    };
    return { ageH: (id) => must(ages, id), freeChlorineMgL: (id) => must(residuals, id) };
  }

  private setDosing(state: QualityState): void {
    const failed = new Map((state.dosingFailures ?? []).map((f) => [f.plantId, f.residualFactor]));
    for (const [plant] of failed) if (!this.plants.includes(plant)) throw new Error(`dosing-failure: "${plant}" is not a plant of the model`);
    const pr = this.chlorineProject;
    for (const plant of this.plants) pr.setNodeValue(pr.getNodeIndex(plant), NodeProperty.SourceQual, qualityModelParams.plantChlorineMgL * (failed.get(plant) ?? 1));
  }

  close(): void {
    this.age.close();
    this.chlorine.close();
  }
}
