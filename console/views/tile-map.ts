/**
 * The map over a configured XYZ tile layer, with Leaflet: the sites as circles coloured by their
 * worst open ticket, the catalog's mains as lines. Loaded only when tiles are configured.
 */
import L from 'leaflet';
import type { CatalogView } from '../types.ts';
import { mainWidth, type TileConfig } from '../geo.ts';

const colours: Record<string, string> = { critical: '#b3261e', warning: '#b86e00', maintenance: '#5f6b7a', ok: '#1b7f4b' };

export function tileMap(box: HTMLElement, tiles: TileConfig, catalog: CatalogView, openSite: (site: string) => void) {
  const map = L.map(box, { attributionControl: true });
  L.tileLayer(tiles.url, { subdomains: tiles.subdomains || 'abc', maxZoom: tiles.maxZoom, attribution: tiles.attribution }).addTo(map);
  const byId = new Map(catalog.sites.map((s) => [s.id, s]));
  for (const main of catalog.mains) {
    const path = main.sites.flatMap((id) => {
      const site = byId.get(id);
      return site ? [L.latLng(site.location.lat, site.location.lon)] : [];
    });
    L.polyline(path, { color: '#4f86c6', weight: mainWidth(main.dnMm) + 1, opacity: 0.8 }).bindTooltip(main.name).addTo(map);
  }
  const markers = new Map<string, L.CircleMarker>();
  for (const site of catalog.sites) {
    const marker = L.circleMarker([site.location.lat, site.location.lon], { radius: site.kind === 'tap' ? 7 : 9, color: '#fff', weight: 2, fillOpacity: 0.95, fillColor: colours.ok, className: `site-marker site-${site.id}` })
      .bindTooltip(site.name)
      .on('click', () => openSite(site.id))
      .addTo(map);
    markers.set(site.id, marker);
  }
  if (catalog.sites.length > 0) map.fitBounds(L.latLngBounds(catalog.sites.map((s) => [s.location.lat, s.location.lon])), { padding: [30, 30] });
  return {
    update(worst: ReadonlyMap<string, string>) {
      for (const [id, marker] of markers) marker.setStyle({ fillColor: colours[worst.get(id) ?? 'ok'] ?? colours.ok });
    },
    remove: () => map.remove(),
  };
}
