/**
 * Every site at its catalog coordinates, coloured by its worst open ticket, and the mains the
 * catalog knows (`mains`: the sites each runs through), wider for a wider DN. Clicking a site
 * opens it.
 *
 * Offline by default: a plain equirectangular projection of the county's sites in SVG, no tile
 * server. With a tile layer configured (`console.tiles`: an XYZ URL, such as a domestic tile
 * server), the same sites and mains on Leaflet over those tiles (tile-map.ts, loaded only then).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { consoleConfig } from '../api.ts';
import { worstBySite } from '../queue-order.ts';
import { useConsole } from '../state.ts';
import type { Site } from '../types.ts';
import { HEIGHT, mainWidth, projection, WIDTH, type TileConfig } from '../geo.ts';

export function MapView(props: { openSite(site: string): void }) {
  const { words } = useConsole();
  const [tiles, setTiles] = useState<TileConfig | null | undefined>();
  useEffect(() => {
    consoleConfig().then((c) => setTiles(c.tiles), () => setTiles(null));
  }, []);
  return (
    <section class="map" aria-label={words.map}>
      {tiles === undefined ? null : tiles === null ? <PlainMap openSite={props.openSite} /> : <TiledMap tiles={tiles} openSite={props.openSite} />}
    </section>
  );
}

function PlainMap(props: { openSite(site: string): void }) {
  const state = useConsole();
  const { catalog } = state;
  const project = useMemo(() => projection(catalog.sites), [catalog.sites]);
  const worst = worstBySite([...state.tickets.values()]);
  const byId = new Map(catalog.sites.map((s) => [s.id, s]));
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" class="plain-map">
      {catalog.mains.map((main) => (
        <polyline
          class="main-line"
          data-main={main.id}
          style={{ strokeWidth: mainWidth(main.dnMm) }}
          points={main.sites
            .map((id) => byId.get(id))
            .filter((s): s is Site => s !== undefined)
            .map((s) => {
              const p = project(s);
              return `${p.x},${p.y}`;
            })
            .join(' ')}
        >
          <title>{main.name}</title>
        </polyline>
      ))}
      {catalog.sites.map((site) => {
        const p = project(site);
        return (
          <g class={`site ${site.kind} ${worst.get(site.id) ?? 'ok'}`} data-site={site.id} transform={`translate(${p.x},${p.y})`} onClick={() => props.openSite(site.id)}>
            <circle r={site.kind === 'tap' ? 7 : 9} />
            <text x="11" y="4">
              {site.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function TiledMap(props: { tiles: TileConfig; openSite(site: string): void }) {
  const state = useConsole();
  const box = useRef<HTMLDivElement>(null);
  const map = useRef<{ update(worst: ReadonlyMap<string, string>): void; remove(): void } | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>();
  const worst = worstBySite([...state.tickets.values()]);
  useEffect(() => {
    let gone = false;
    import('./tile-map.ts')
      .then(({ tileMap }) => {
        if (gone || !box.current) return;
        map.current = tileMap(box.current, props.tiles, state.catalog, props.openSite);
        map.current.update(worst);
      })
      .catch((error: Error) => setProblem(error.message));
    return () => {
      gone = true;
      map.current?.remove();
      map.current = undefined;
    };
  }, [props.tiles, state.catalog]);
  useEffect(() => map.current?.update(worst), [state.tickets]);
  return (
    <>
      {problem && <p class="error">{problem}</p>}
      <div class="tile-map" ref={box} />
    </>
  );
}
