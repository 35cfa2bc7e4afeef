/** The map's geometry, pure: the plain view's projection, a main's width, a tile layer's settings. */
import type { Site } from './types.ts';

export const WIDTH = 900;
export const HEIGHT = 600;
const MARGIN = 30;

export interface TileConfig {
  readonly url: string;
  readonly subdomains: string;
  readonly attribution: string;
  readonly maxZoom: number;
}

/** Catalog coordinates → SVG points, keeping the aspect at the county's latitude. Pure. */
export function projection(sites: readonly Site[]): (site: Site) => { x: number; y: number } {
  const lats = sites.map((s) => s.location.lat);
  const lons = sites.map((s) => s.location.lon);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const cos = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max(1e-6, (maxLon - minLon) * cos);
  const spanY = Math.max(1e-6, maxLat - minLat);
  const scale = Math.min((WIDTH - 2 * MARGIN) / spanX, (HEIGHT - 2 * MARGIN) / spanY);
  return (site) => ({ x: MARGIN + (site.location.lon - minLon) * cos * scale, y: HEIGHT - MARGIN - (site.location.lat - minLat) * scale });
}

/** A main's stroke width for its DN, px. */
export const mainWidth = (dnMm: number | undefined) => (dnMm === undefined ? 2 : Math.max(1.5, Math.min(6, dnMm / 120)));

