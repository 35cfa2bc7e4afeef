/**
 * The ground truth of the hydraulic events (config.ts): one record per burst, valve operation or
 * pump trip, over the sites of the zone it happens in (a burst or a trip changes the pressures of
 * its whole zone, as the model shows; the other zones are separate systems). An event without a
 * duration lasts to the end of the run; its truth ends a day after it began. Pure.
 */
import type { Catalog } from '../../network/catalog.ts';
import type { TruthRecord } from '../../network/truth.ts';
import { DAY_MS } from '../models/context.ts';
import type { HydraulicEvent } from './config.ts';

const kindOf = { burst: 'burst', valve: 'valve-operation', 'pump-trip': 'pump-trip' } as const;

/** The catalog site an event names: a node is a site id, a link `pipe-<site>`, a pump `pump-<site>`. */
export function eventSite(event: HydraulicEvent): string {
  switch (event.kind) {
    case 'burst':
      return event.node;
    case 'valve':
      return event.link.replace(/^pipe-/, '');
    case 'pump-trip':
      return event.pump.replace(/^pump-/, '');
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
      endMs: startMs + (event.durationMs ?? DAY_MS),
      affectedSites: sites.map((s) => s.id),
      affectedDevices: [...catalog.devices.values()].filter((d) => ids.has(d.site.id)).map((d) => d.id),
      details: { ...event, site: siteId, zone: site.zone },
    };
  });
}
