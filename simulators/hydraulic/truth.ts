/**
 * The ground truth of the hydraulic events (config.ts): one record per burst, valve operation,
 * pump trip or dosing failure, over the sites of the zone it happens in (a burst or a trip changes
 * the pressures of its whole zone, as the model shows, and a plant's under-dosed water reaches all
 * of its zone; the other zones are separate systems). A dosing failure lasts until the last
 * under-dosed water has left the zone: DOSING_RECOVERY_MS after dosing resumes. An event without a
 * duration lasts to the end of the run; its truth ends a day after it began. Pure.
 */
import type { Catalog } from '../../network/catalog.ts';
import type { TruthRecord } from '../../network/truth.ts';
import { DAY_MS } from '../models/context.ts';
import type { HydraulicEvent } from './config.ts';

/**
 * The oldest water in a zone, ms: the water quality model gives 15-25 h at the plain taps and
 * 50-90 h behind the boosters' break tanks (see README.md), so 4 days (a modelling choice).
 */
export const DOSING_RECOVERY_MS = 4 * DAY_MS;

const kindOf = { burst: 'burst', valve: 'valve-operation', 'pump-trip': 'pump-trip', 'dosing-failure': 'dosing-failure' } as const;

/** The catalog site an event names: a node is a site id, a link `pipe-<site>`, a pump `pump-<site>`. */
export function eventSite(event: HydraulicEvent): string {
  switch (event.kind) {
    case 'burst':
      return event.node;
    case 'valve':
      return event.link.replace(/^(pipe|tie)-/, '');
    case 'pump-trip':
      return event.pump.replace(/^pump-/, '');
    case 'dosing-failure':
      return event.plant;
  }
}

export function hydraulicTruth(events: readonly HydraulicEvent[], catalog: Catalog, simStartMs: number): TruthRecord[] {
  return events.map((event) => {
    const siteId = eventSite(event);
    const site = catalog.sites.get(siteId);
    if (!site) throw new Error(`hydraulics: ${event.kind} at "${siteId}", not a catalog site`);
    const sites = [...catalog.sites.values()].filter((s) => s.zone === site.zone);
    const startMs = simStartMs + event.startsAfter;
    const ids = new Set(sites.map((s) => s.id));
    return {
      kind: kindOf[event.kind],
      name: `${kindOf[event.kind]}@${siteId}`,
      ...(site.village !== undefined && { village: site.village }),
      township: site.township,
      startMs,
      endMs: startMs + (event.durationMs ?? DAY_MS) + (event.kind === 'dosing-failure' ? DOSING_RECOVERY_MS : 0),
      affectedSites: sites.map((s) => s.id),
      affectedDevices: [...catalog.devices.values()].filter((d) => ids.has(d.site.id)).map((d) => d.id),
      details: { ...event, site: siteId, zone: site.zone },
    };
  });
}
