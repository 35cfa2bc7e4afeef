/**
 * Where the sites are, for the network map: the catalog's sites as a Grafana gazetteer (the
 * geomap panel's "lookup" location mode), and the network's area as a GeoJSON polygon, the plain
 * base layer drawn when no tile server is configured. The `telemetry` and `ticket` points carry
 * the site id, never coordinates; the map looks each site up here. Pure.
 *
 * Format: the worldmap point list Grafana's gazetteer loader reads
 * (public/app/features/geo/gazetteer/worldmap.ts: `{key, latitude, longitude, name}`), keyed by
 * site id.
 */
import type { CatalogFile } from '../network/catalog.ts';

export interface GazetteerPoint {
  readonly key: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly name: string;
}

export function siteGazetteer(catalog: CatalogFile): GazetteerPoint[] {
  return catalog.sites.map((site) => ({ key: site.id, latitude: site.location.lat, longitude: site.location.lon, name: site.name }));
}

export interface Extent {
  readonly minLat: number;
  readonly maxLat: number;
  readonly minLon: number;
  readonly maxLon: number;
}

/** The sites' bounding box, widened by `margin` of its size on each side (at least 0.01°). */
export function networkExtent(catalog: CatalogFile, margin = 0.15): Extent {
  const lats = catalog.sites.map((s) => s.location.lat);
  const lons = catalog.sites.map((s) => s.location.lon);
  if (lats.length === 0) throw new Error('the catalog has no sites to map');
  const padLat = Math.max((Math.max(...lats) - Math.min(...lats)) * margin, 0.01);
  const padLon = Math.max((Math.max(...lons) - Math.min(...lons)) * margin, 0.01);
  return { minLat: Math.min(...lats) - padLat, maxLat: Math.max(...lats) + padLat, minLon: Math.min(...lons) - padLon, maxLon: Math.max(...lons) + padLon };
}

/** The extent as a GeoJSON FeatureCollection (RFC 7946: positions are [longitude, latitude], rings closed and counter-clockwise). */
export function areaGeoJson(catalog: CatalogFile): object {
  const e = networkExtent(catalog);
  const ring = [
    [e.minLon, e.minLat],
    [e.maxLon, e.minLat],
    [e.maxLon, e.maxLat],
    [e.minLon, e.maxLat],
    [e.minLon, e.minLat],
  ];
  return {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { name: catalog.county.name }, geometry: { type: 'Polygon', coordinates: [ring] } }],
  };
}
