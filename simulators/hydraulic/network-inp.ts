/**
 * The sample county as an EPANET 2.2 network, generated from the catalog (pure, deterministic).
 * The catalog has no pipe graph, so the topology is a tree built per zone: each main hangs off
 * the nearest plant or main closer to the plant, each booster off the nearest main, each tap off
 * the nearest main or booster (as `site-profile.ts` decides a tap's booster). Numbers are
 * modelling choices, listed in `README.md` with their sources.
 */
import type { Catalog, Site } from '../../network/catalog.ts';
import { distanceKm } from '../site-profile.ts';

/** Modelling parameters of the generated network (see README.md for their sources). */
export const networkParams = {
  /** Pipe length = straight-line distance × this detour factor (modelling choice). */
  detourFactor: 1.3,
  /** Shortest pipe, m. */
  minLengthM: 50,
  /** DN of a village service pipe (tap) and of a booster feed, mm (modelling choice). */
  villagePipeDnMm: 150,
  boosterFeedDnMm: 150,
  /** Hazen-Williams C: aged mains, below the 130-150 of new pipe in EPANET 2.2 manual Table 3.2 (modelling choice). */
  hazenWilliamsC: 120,
  /** Peak demand of one village tap node, L/s (≈ 2,000 people; a modelling choice). */
  villagePeakDemandLps: 5,
  /** Elevations, m: plain, booster station, hill villages behind a booster (modelling choice). */
  plainElevationM: 0,
  boosterElevationM: 25,
  hillElevationM: 45,
  /** High-lift pump at the plant: design head, m (≈ 440 kPa; modelling choice inside the typical 0.2-0.6 MPa operating range, unconfirmed). */
  plantPumpHeadM: 45,
  /** Booster pump design head, m. */
  boosterPumpHeadM: 40,
  /** Initial water level of every tank, its minimum and maximum level and its diameter, m (modelling choices: 1,571 m³ full). */
  tankLevelM: 3,
  tankMinLevelM: 0,
  tankMaxLevelM: 5,
  tankDiameterM: 20,
} as const;

export interface NetworkLink {
  readonly id: string;
  readonly kind: 'pipe' | 'pump' | 'fcv';
  readonly from: string;
  readonly to: string;
  readonly lengthM?: number;
  readonly dnMm?: number;
  /** A tie between two mains, closed unless a valve operation opens it (`closed: false`). */
  readonly normallyClosed?: boolean;
  /** Flow-control valve setting, L/s (a break tank's float valve). */
  readonly maxFlowLps?: number;
  /** Pump design point: flow L/s, head m (single-point curve, EPANET 2.2 manual §3.1). */
  readonly design?: { readonly flowLps: number; readonly headM: number };
}

export interface NetworkNode {
  readonly id: string;
  /** A reservoir is a fixed-head source at elevation + the tanks' initial level (see `quality-model.ts`). */
  readonly kind: 'junction' | 'tank' | 'reservoir';
  readonly elevationM: number;
  readonly peakDemandLps: number;
}

export interface CountyNetwork {
  readonly nodes: readonly NetworkNode[];
  readonly links: readonly NetworkLink[];
}

const dnOf = (site: Site) => Number(/(?:^|-)dn(\d{2,4})(?:-|$)/.exec(site.id)?.[1] ?? networkParams.villagePipeDnMm);

function pipeLength(a: Site, b: Site): number {
  const m = distanceKm(a.location, b.location) * 1000 * networkParams.detourFactor;
  return Math.max(networkParams.minLengthM, Math.round(m));
}

function nearest(site: Site, candidates: readonly Site[]): Site | undefined {
  let best: Site | undefined;
  let bestKm = Infinity;
  for (const c of candidates) {
    const d = distanceKm(c.location, site.location);
    if (d < bestKm) [best, bestKm] = [c, d];
  }
  return best;
}

/** Node a site's downstream pipes start from: a booster's discharge is the booster's own node. */
const outletOf = (site: Site) => site.id;
/** Node a site's feeding pipe ends at: a booster is fed into its suction tank. */
const inletOf = (site: Site) => (site.kind === 'booster' ? `${site.id}-tank` : site.id);

export function countyNetwork(catalog: Catalog): CountyNetwork {
  const nodes: NetworkNode[] = [];
  const links: NetworkLink[] = [];
  const sites = [...catalog.sites.values()].sort((a, b) => a.id.localeCompare(b.id));
  const zones = [...new Set(sites.map((s) => s.zone))].sort();
  for (const zone of zones) buildZone(sites.filter((s) => s.zone === zone), nodes, links);
  return { nodes, links };
}

function buildZone(sites: readonly Site[], nodes: NetworkNode[], links: NetworkLink[]): void {
  const p = networkParams;
  const plant = sites.find((s) => s.kind === 'plant');
  if (!plant) return;
  const fromPlant = (s: Site) => distanceKm(plant.location, s.location);
  const byDistance = (kind: Site['kind']) => sites.filter((s) => s.kind === kind).sort((a, b) => fromPlant(a) - fromPlant(b));
  const mains = byDistance('main');
  const boosters = byDistance('booster');
  const taps = byDistance('tap');
  const behindBooster = new Map<string, Site>();
  for (const tap of taps) {
    const parent = nearest(tap, [...mains, ...boosters]) ?? plant;
    behindBooster.set(tap.id, parent);
  }
  const demandBehind = (b: Site) => taps.filter((t) => behindBooster.get(t.id) === b).length * p.villagePeakDemandLps;

  // Plant: its clear-water reservoir (a tank) and the high-lift pump into the outlet junction.
  const reservoir = sites.find((s) => s.kind === 'reservoir');
  const clearWell = reservoir?.id ?? `${plant.id}-clearwell`;
  nodes.push({ id: clearWell, kind: 'tank', elevationM: p.plainElevationM, peakDemandLps: 0 });
  nodes.push({ id: plant.id, kind: 'junction', elevationM: p.plainElevationM, peakDemandLps: 0 });
  links.push({ id: `pump-${plant.id}`, kind: 'pump', from: clearWell, to: plant.id, design: { flowLps: taps.length * p.villagePeakDemandLps, headM: p.plantPumpHeadM } });

  const placed: Site[] = [plant];
  for (const main of mains) {
    const parent = nearest(main, placed) ?? plant;
    nodes.push({ id: main.id, kind: 'junction', elevationM: p.plainElevationM, peakDemandLps: 0 });
    links.push({ id: `pipe-${main.id}`, kind: 'pipe', from: outletOf(parent), to: main.id, lengthM: pipeLength(parent, main), dnMm: dnOf(main) });
    placed.push(main);
  }
  addTies(mains, links);
  for (const booster of boosters) {
    const parent = nearest(booster, mains) ?? plant;
    nodes.push({ id: inletOf(booster), kind: 'tank', elevationM: p.boosterElevationM, peakDemandLps: 0 });
    nodes.push({ id: booster.id, kind: 'junction', elevationM: p.boosterElevationM, peakDemandLps: 0 });
    // The break tank fills through a float valve, modelled as a flow-control valve passing the
    // peak demand behind the booster (a snapshot tank would otherwise draw whatever its head allows).
    const inlet = `${booster.id}-inlet`;
    const demandLps = Math.max(1, demandBehind(booster));
    nodes.push({ id: inlet, kind: 'junction', elevationM: p.boosterElevationM, peakDemandLps: 0 });
    // EPANET refuses a valve joined to a tank (error 219), so the valve sits at the main's end.
    links.push({ id: `valve-${booster.id}`, kind: 'fcv', from: outletOf(parent), to: inlet, dnMm: p.boosterFeedDnMm, maxFlowLps: demandLps });
    links.push({ id: `pipe-${booster.id}`, kind: 'pipe', from: inlet, to: inletOf(booster), lengthM: pipeLength(parent, booster), dnMm: p.boosterFeedDnMm });
    links.push({ id: `pump-${booster.id}`, kind: 'pump', from: inletOf(booster), to: booster.id, design: { flowLps: demandLps, headM: p.boosterPumpHeadM } });
  }
  for (const tap of taps) {
    const parent = behindBooster.get(tap.id) ?? plant;
    const elevationM = parent.kind === 'booster' ? p.hillElevationM : p.plainElevationM;
    nodes.push({ id: tap.id, kind: 'junction', elevationM, peakDemandLps: p.villagePeakDemandLps });
    links.push({ id: `pipe-${tap.id}`, kind: 'pipe', from: outletOf(parent), to: tap.id, lengthM: pipeLength(parent, tap), dnMm: p.villagePipeDnMm });
  }
}

/**
 * Ties (modelling choice): each main is joined, through a normally closed pipe `tie-<main>` of the
 * smaller DN, to its nearest main in the zone that is not already joined to it, so that a valve
 * operation can reroute a main's supply through another (and stir up what lies in it).
 */
function addTies(mains: readonly Site[], links: NetworkLink[]): void {
  const joined = (a: Site, b: Site) => links.some((l) => (l.from === a.id && l.to === b.id) || (l.from === b.id && l.to === a.id));
  for (const main of mains) {
    const other = nearest(main, mains.filter((m) => m !== main && !joined(m, main)));
    if (!other) continue;
    links.push({ id: `tie-${main.id}`, kind: 'pipe', from: main.id, to: other.id, lengthM: pipeLength(main, other), dnMm: Math.min(dnOf(main), dnOf(other)), normallyClosed: true });
  }
}

/** The network as EPANET 2.2 .inp text: LPS, Hazen-Williams, one-period (snapshot) analysis. */
export function toInp(network: CountyNetwork): string {
  const p = networkParams;
  const junctions = network.nodes.filter((n) => n.kind === 'junction');
  const tanks = network.nodes.filter((n) => n.kind === 'tank');
  const reservoirs = network.nodes.filter((n) => n.kind === 'reservoir');
  const pipes = network.links.filter((l) => l.kind === 'pipe');
  const pumps = network.links.filter((l) => l.kind === 'pump');
  return [
    '[TITLE]',
    'Qingxi sample county, generated by simulators/hydraulic/network-inp.ts',
    '[JUNCTIONS]',
    ...junctions.map((n) => `${n.id}\t${n.elevationM}\t${n.peakDemandLps}`),
    '[TANKS]',
    ...tanks.map((n) => `${n.id}\t${n.elevationM}\t${p.tankLevelM}\t${p.tankMinLevelM}\t${p.tankMaxLevelM}\t${p.tankDiameterM}\t0`),
    '[RESERVOIRS]',
    ...reservoirs.map((n) => `${n.id}\t${n.elevationM + p.tankLevelM}`),
    '[PIPES]',
    ...pipes.map((l) => `${l.id}\t${l.from}\t${l.to}\t${l.lengthM}\t${l.dnMm}\t${p.hazenWilliamsC}\t0\t${l.normallyClosed ? 'Closed' : 'Open'}`),
    '[PUMPS]',
    ...pumps.map((l) => `${l.id}\t${l.from}\t${l.to}\tHEAD curve-${l.id}`),
    '[VALVES]',
    ...network.links.filter((l) => l.kind === 'fcv').map((l) => `${l.id}\t${l.from}\t${l.to}\t${l.dnMm}\tFCV\t${l.maxFlowLps}\t0`),
    '[CURVES]',
    ...pumps.map((l) => `curve-${l.id}\t${l.design?.flowLps ?? 1}\t${l.design?.headM ?? 1}`),
    '[OPTIONS]',
    'Units\tLPS',
    'Headloss\tH-W',
    '[TIMES]',
    'Duration\t0',
    '[END]',
    '',
  ].join('\n');
}
