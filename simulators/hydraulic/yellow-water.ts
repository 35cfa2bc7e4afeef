/**
 * Yellow water on the EPANET model: each main's usual daily peak velocity from a day of snapshots
 * without events, then the snapshots of every step while a valve operation, burst or pump trip is
 * in force, searched for mains pushed past their peak (`discolouration.ts`). Done once when the solver is created, so the
 * episodes and their ground truth are known before the run starts (as the other events' are).
 */
import type { Catalog } from '../../network/catalog.ts';
import type { TruthRecord } from '../../network/truth.ts';
import { DAY_MS } from '../models/context.ts';
import { COLOR_PT_CO_PER_NTU, IRON_MG_L_PER_NTU } from '../scenarios/yellow-water.ts';
import type { HydraulicEvent } from './config.ts';
import { stateAt } from './config.ts';
import { episodeEndMs, episodeNtu, findEpisodes, velocityMs, type DiscolourationEpisode, type DiscolourationStep } from './discolouration.ts';
import { downstreamOf } from './downstream.ts';
import type { HydraulicModel, HydraulicSolution } from './model.ts';
import type { CountyNetwork } from './network-inp.ts';

/** The old mains: the pipes feeding a main, and the ties between mains. */
const mainPipes = (network: CountyNetwork) => network.links.filter((l) => l.kind === 'pipe' && /^(pipe-main-|tie-)/.test(l.id));

export const siteOfPipe = (linkId: string) => linkId.replace(/^(pipe|tie)-/, '');

export interface YellowWaterInput {
  readonly model: HydraulicModel;
  readonly network: CountyNetwork;
  readonly events: readonly HydraulicEvent[];
  readonly simStartMs: number;
  readonly stepMs: number;
}

export function predictYellowWater(input: YellowWaterInput): DiscolourationEpisode[] {
  const times = eventSteps(input.events, input.simStartMs, input.stepMs);
  if (times.length === 0) return [];
  return findEpisodes(stepsAt(input, times), usualPeakVelocities(input));
}

const velocities = (network: CountyNetwork, solution: HydraulicSolution) =>
  new Map(mainPipes(network).map((l) => [l.id, velocityMs(solution.flowM3h(l.id), l.dnMm ?? 0)]));

/** Each main pipe's largest velocity, m/s, over a day of steps without events (its layer is conditioned to it). */
export function usualPeakVelocities({ model, network, simStartMs, stepMs }: YellowWaterInput): Map<string, number> {
  const peaks = new Map<string, number>();
  for (let t = simStartMs; t < simStartMs + DAY_MS; t += stepMs) {
    for (const [id, v] of velocities(network, model.solve(t))) peaks.set(id, Math.max(v, peaks.get(id) ?? 0));
  }
  return peaks;
}

/** The snapshots at `times`, with the events in force then, as the episode search reads them. */
export function stepsAt({ model, network, events, simStartMs }: YellowWaterInput, times: readonly number[]): DiscolourationStep[] {
  return times.map((stepStartMs) => {
    const solution = model.solve(stepStartMs, stateAt(events, simStartMs, stepStartMs));
    return { stepStartMs, velocityMs: velocities(network, solution), downstreamOf: (id) => downstreamOf(network, (l) => solution.flowM3h(l), id) };
  });
}

/**
 * Every step while a hydraulic event (a valve operation, a burst, a pump trip) is in force, and
 * the step after each ends (in order, once each): whatever pushes a main past its usual peak
 * stirs it, a burst at the morning peak included. A dosing failure moves no water.
 */
function eventSteps(events: readonly HydraulicEvent[], simStartMs: number, stepMs: number): number[] {
  const steps = new Set<number>();
  for (const e of events) {
    if (e.kind === 'dosing-failure') continue;
    const first = Math.floor(e.startsAfter / stepMs);
    const last = Math.ceil((e.startsAfter + (e.durationMs ?? DAY_MS)) / stepMs);
    for (let k = first; k <= last; k++) steps.add(simStartMs + k * stepMs);
  }
  return [...steps].sort((a, b) => a - b);
}

/** Excess turbidity (NTU), colour (Pt-Co) and iron (mg/L) at a node, from every episode. */
export function yellowWaterAt(episodes: readonly DiscolourationEpisode[], nodeId: string, tMs: number) {
  const turbidity = episodes.reduce((sum, e) => sum + episodeNtu(e, nodeId, tMs), 0);
  return { turbidity, color: COLOR_PT_CO_PER_NTU * turbidity, iron: IRON_MG_L_PER_NTU * turbidity };
}

/**
 * One `yellow-water` record per episode whose water reaches a tap (what customers see; a main's
 * water that only ends in a break tank is not one), over the catalog sites it reaches.
 */
export function yellowWaterTruth(episodes: readonly DiscolourationEpisode[], catalog: Catalog): TruthRecord[] {
  const reachesTap = (e: DiscolourationEpisode) => [...e.downstreamMs.keys()].some((id) => catalog.sites.get(id)?.kind === 'tap');
  return episodes.filter(reachesTap).map((episode) => {
    const main = catalog.sites.get(siteOfPipe(episode.linkId));
    const sites = [...episode.downstreamMs.keys()].filter((id) => catalog.sites.has(id));
    const ids = new Set(sites);
    return {
      kind: 'yellow-water',
      name: `yellow-water@${siteOfPipe(episode.linkId)}`,
      ...(main?.village !== undefined && { village: main.village }),
      ...(main && { township: main.township }),
      startMs: episode.startMs,
      endMs: episodeEndMs(episode),
      affectedSites: sites,
      affectedDevices: [...catalog.devices.values()].filter((d) => ids.has(d.site.id)).map((d) => d.id),
      details: { pipe: episode.linkId, peakNtu: Math.round(episode.peakNtu * 100) / 100 },
    };
  });
}
