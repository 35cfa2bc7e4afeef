/**
 * Where a pipe's water goes (pure): the nodes downstream of a link in the flow directions of a
 * solution, with the travel time to each (pipe length / mean velocity; pumps and valves add
 * none). A tank ends the walk: what enters it mixes into its volume and settles (a modelling
 * choice for the resuspended deposits).
 */
import { velocityMs } from './discolouration.ts';
import type { CountyNetwork } from './network-inp.ts';

/** Flow below this, m³/h, is no flow. */
const NO_FLOW_M3H = 0.01;

export function downstreamOf(network: CountyNetwork, flowM3h: (linkId: string) => number, linkId: string): Map<string, number> {
  const link = network.links.find((l) => l.id === linkId);
  if (!link) throw new Error(`no link ${linkId} in the network`);
  const tanks = new Set(network.nodes.filter((n) => n.kind !== 'junction').map((n) => n.id));
  const travelMs = (l: (typeof network.links)[number], flow: number) =>
    l.kind === 'pipe' && l.lengthM !== undefined && l.dnMm !== undefined ? (l.lengthM / velocityMs(flow, l.dnMm)) * 1000 : 0;
  const start = flowM3h(linkId) >= 0 ? link.to : link.from;
  const reached = new Map<string, number>([[start, 0]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (tanks.has(node)) continue;
    for (const l of network.links) {
      const flow = flowM3h(l.id);
      if (Math.abs(flow) < NO_FLOW_M3H) continue;
      const next = flow > 0 && l.from === node ? l.to : flow < 0 && l.to === node ? l.from : undefined;
      if (next === undefined || reached.has(next)) continue;
      reached.set(next, reached.get(node)! + travelMs(l, flow));
      queue.push(next);
    }
  }
  return reached;
}
