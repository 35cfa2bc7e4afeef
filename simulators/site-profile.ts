/**
 * Where a site sits in the hydraulic network, derived from the catalog alone (pure):
 * - `distanceKm`: straight-line distance from its zone's treatment plant, a proxy for water age
 *   (chlorine decay) and head loss;
 * - `booster`: the booster station a hill site is served through: a tap whose nearest
 *   neighbour among the zone's mains and boosters is a booster;
 * - `pipeDnMm`: nominal diameter read from a `dnNNN` part of a main's id, for flow.
 * The sample county has no pipe graph, so these are heuristics; a real network model would
 * come from the utility's GIS.
 */
import type { Catalog, Device, Site } from '../network/catalog.ts';

export interface SiteProfile {
  readonly site: Site;
  /** Straight-line distance from the zone's treatment plant, km (0 when the zone has none). */
  readonly distanceKm: number;
  /** The booster station a hill site is fed through, and how far from it the site is. */
  readonly booster?: { readonly siteId: string; readonly distanceKm: number; readonly distanceFromPlantKm: number };
  /** Nominal pipe diameter, mm, for mains whose id says `dn300` etc. */
  readonly pipeDnMm?: number;
}

/** Which side of a booster pump a device measures; `inline` everywhere else. */
export type DeviceRole = 'suction' | 'discharge' | 'inline';

const EARTH_RADIUS_KM = 6371.0088;

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(h));
}

export function siteProfiles(catalog: Catalog): Map<string, SiteProfile> {
  const sites = [...catalog.sites.values()];
  const plantOf = new Map<string, Site>();
  for (const site of sites) if (site.kind === 'plant' && !plantOf.has(site.zone)) plantOf.set(site.zone, site);

  const fromPlant = (site: Site) => {
    const plant = plantOf.get(site.zone);
    return plant ? distanceKm(plant.location, site.location) : 0;
  };

  const profiles = new Map<string, SiteProfile>();
  for (const site of sites) {
    const booster = site.kind === 'tap' ? feedingBooster(site, sites) : undefined;
    const dn = /(?:^|-)dn(\d{2,4})(?:-|$)/.exec(site.id)?.[1];
    profiles.set(site.id, {
      site,
      distanceKm: fromPlant(site),
      ...(booster && {
        booster: { siteId: booster.id, distanceKm: distanceKm(booster.location, site.location), distanceFromPlantKm: fromPlant(booster) },
      }),
      ...(dn !== undefined && { pipeDnMm: Number(dn) }),
    });
  }
  return profiles;
}

/** The booster feeding a tap: its nearest neighbour among the zone's mains and boosters, if a booster. */
function feedingBooster(tap: Site, sites: readonly Site[]): Site | undefined {
  let nearest: Site | undefined;
  let best = Infinity;
  for (const candidate of sites) {
    if (candidate.zone !== tap.zone || (candidate.kind !== 'main' && candidate.kind !== 'booster')) continue;
    const d = distanceKm(candidate.location, tap.location);
    if (d < best) [nearest, best] = [candidate, d];
  }
  return nearest?.kind === 'booster' ? nearest : undefined;
}

/**
 * A booster device reads its suction side when its id says so (`…-suction`), otherwise the
 * discharge side, where the flow meter sits.
 */
export function deviceRole(device: Device): DeviceRole {
  if (device.site.kind !== 'booster') return 'inline';
  return /(?:^|-)suction(?:-|$)/.test(device.id) ? 'suction' : 'discharge';
}
