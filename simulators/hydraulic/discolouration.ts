/**
 * Yellow water from the hydraulics (pure). A main whose usual daily peak velocity stays below the
 * self-cleaning velocity gathers loose iron deposits; the layer is conditioned to the largest
 * shear its daily peak exerts, and a flow above that (a reroute, a burst) mobilises it (the PODDS
 * concept: Boxall, J. B. & Saul, A. J. (2005), "Modeling discoloration in potable water
 * distribution systems", J. Environ. Eng. 131(5), 716-725). The self-cleaning velocity is
 * 0.4 m/s (Vreeburg, J. H. G. & Boxall, J. B. (2007), "Discolouration in potable water
 * distribution systems: a review", Water Research 41(3), 519-529). The trigger margin, the
 * turbidity per unit of excess and the decay are modelling choices.
 *
 * Shear grows about as velocity squared, so the excess is (v² − (margin·v_peak)²) / v_sc²; the
 * turbidity it brings is `ntuPerExcess` per unit, capped, arriving downstream by the travel time
 * and decaying exponentially as the mobilisable layer is used up.
 */
import { HOUR_MS } from '../models/context.ts';

export const discolourationParams = {
  /** Self-cleaning velocity, m/s (Vreeburg & Boxall 2007): mains peaking below it hold loose deposits. */
  selfCleaningVelocityMs: 0.4,
  /** Velocity above the usual daily peak, as a ratio, before the layer moves (modelling choice). */
  triggerRatio: 1.1,
  /** Peak excess turbidity per unit of excess (modelling choice), NTU, and its cap. */
  ntuPerExcess: 8,
  maxNtu: 20,
  /** Half-life of the turbidity after the onset, as the layer is used up (modelling choice, as `scenarios/yellow-water.ts`). */
  halfLifeMs: 2 * HOUR_MS,
  /** Below this excess turbidity, NTU, the episode is over (the taps' baseline is about 0.16 NTU). */
  endNtu: 0.1,
} as const;

const p = discolourationParams;

/** Mean velocity, m/s, of a flow (m³/h, either sign) in a pipe of nominal diameter `dnMm`. */
export function velocityMs(flowM3h: number, dnMm: number): number {
  const areaM2 = (Math.PI * (dnMm / 1000) ** 2) / 4;
  return Math.abs(flowM3h) / 3600 / areaM2;
}

/** Whether a main holds loose deposits: its usual daily peak velocity stays below self-cleaning. */
export const holdsDeposits = (usualPeakMs: number) => usualPeakMs < p.selfCleaningVelocityMs;

/** Peak excess turbidity, NTU, a main gives at velocity `vMs` (0 when its layer does not move). */
export function mobilisedNtu(vMs: number, usualPeakMs: number): number {
  if (!holdsDeposits(usualPeakMs)) return 0;
  const excess = (vMs ** 2 - (p.triggerRatio * usualPeakMs) ** 2) / p.selfCleaningVelocityMs ** 2;
  return excess <= 0 ? 0 : Math.min(p.maxNtu, p.ntuPerExcess * excess);
}

/** One main's deposits on the move, and the nodes its water reaches (travel time, ms). */
export interface DiscolourationEpisode {
  /** The main's pipe: `pipe-<main>` or a tie `tie-<main>`. */
  readonly linkId: string;
  readonly startMs: number;
  readonly peakNtu: number;
  readonly downstreamMs: ReadonlyMap<string, number>;
}

/** Excess turbidity, NTU, an episode brings to `nodeId` at `tMs`. */
export function episodeNtu(episode: DiscolourationEpisode, nodeId: string, tMs: number): number {
  const travelMs = episode.downstreamMs.get(nodeId);
  if (travelMs === undefined) return 0;
  const sinceMs = tMs - episode.startMs - travelMs;
  if (sinceMs < 0) return 0;
  const ntu = episode.peakNtu * 0.5 ** (sinceMs / p.halfLifeMs);
  return ntu < p.endNtu ? 0 : ntu;
}

/** When an episode's excess has fallen below `endNtu` at every node it reaches. */
export function episodeEndMs(episode: DiscolourationEpisode): number {
  const farthestMs = Math.max(0, ...episode.downstreamMs.values());
  const decayMs = p.halfLifeMs * Math.log2(Math.max(1, episode.peakNtu / p.endNtu));
  return Math.ceil(episode.startMs + farthestMs + decayMs);
}

/** One hydraulic step as the episode search sees it: each main's velocity and where its water goes. */
export interface DiscolourationStep {
  readonly stepStartMs: number;
  /** Velocity, m/s, per main pipe (`pipe-<main>`, `tie-<main>`). */
  readonly velocityMs: ReadonlyMap<string, number>;
  downstreamOf(linkId: string): ReadonlyMap<string, number>;
}

/** Only the nodes the stirred water gets to before the flow that carries it stops (at `endMs`). */
function reachedWhileFlowing(episode: DiscolourationEpisode, endMs: number): DiscolourationEpisode {
  const withinMs = endMs - episode.startMs;
  return { ...episode, downstreamMs: new Map([...episode.downstreamMs].filter(([, travelMs]) => travelMs <= withinMs)) };
}

/**
 * The episodes over consecutive steps: one starts when a main's layer first moves and lasts while
 * it keeps moving; its peak is the largest turbidity of those steps, its reach that of its first,
 * cut to the nodes the water gets to before the episode ends.
 */
export function findEpisodes(steps: Iterable<DiscolourationStep>, usualPeakMs: ReadonlyMap<string, number>): DiscolourationEpisode[] {
  const done: DiscolourationEpisode[] = [];
  const open = new Map<string, DiscolourationEpisode>();
  for (const step of steps) {
    for (const [linkId, vMs] of step.velocityMs) {
      const ntu = mobilisedNtu(vMs, usualPeakMs.get(linkId) ?? 0);
      const current = open.get(linkId);
      if (ntu > 0 && current) open.set(linkId, { ...current, peakNtu: Math.max(current.peakNtu, ntu) });
      else if (ntu > 0) open.set(linkId, { linkId, startMs: step.stepStartMs, peakNtu: ntu, downstreamMs: step.downstreamOf(linkId) });
      else if (current) {
        done.push(reachedWhileFlowing(current, step.stepStartMs));
        open.delete(linkId);
      }
    }
  }
  return [...done, ...open.values()].sort((a, b) => a.startMs - b.startMs || a.linkId.localeCompare(b.linkId));
}
