/**
 * The network map: a Grafana geomap panel (options typed by its panelcfg schema) with a marker
 * layer of every reporting site and one marker layer per ticket severity above it, least severe
 * first, so a site shows the colour of its worst active ticket. Sites are placed by looking
 * their id up in the gazetteer (gazetteer.ts). The basemap is the configured XYZ tile server
 * (utilities in China use a domestic one) or, when none is set, a plain layer: the network's
 * area from a local GeoJSON file, so the wall fetches no tiles from anywhere. Pure.
 */
import {
  FrameGeometrySourceMode,
  ResourceDimensionMode,
  type ColorDimensionConfig,
  type MapLayerOptions,
  type Panel,
  type ResourceDimensionConfig,
  type ScaleDimensionConfig,
  type TextDimensionConfig,
  TextDimensionMode,
} from '@grafana/schema';
import { MapCenterID, TooltipMode, type Options as GeomapOptions } from '@grafana/schema/dist/esm/raw/composable/geomap/panelcfg/x/GeomapPanelCfg_types.gen';
import type { DashboardSettings } from './config.ts';
import type { Extent } from './gazetteer.ts';
import type { InfluxQLQuery } from './influxql.ts';
import { units } from './units.ts';
import { plainSteps } from './thresholds.ts';

/** The marker layer's config (public/app/plugins/panel/geomap/layers/data/markersLayer.tsx `MarkersConfig`). */
interface MarkersConfig {
  readonly showLegend: boolean;
  readonly style: {
    readonly color: ColorDimensionConfig;
    readonly opacity: number;
    readonly size: ScaleDimensionConfig;
    readonly symbol: ResourceDimensionConfig;
    readonly text?: TextDimensionConfig;
  };
}

/** The GeoJSON layer's config (…/layers/data/geojsonLayer.ts `GeoJSONMapperConfig`). */
interface GeoJsonConfig {
  readonly src: string;
  readonly rules: readonly never[];
  readonly style: { readonly color: ColorDimensionConfig; readonly opacity: number };
}

export interface MarkerLayer {
  readonly name: string;
  readonly colour: string;
  /** Pixels. */
  readonly size: number;
  /** Its rows: one per site, a `site` column (table format). */
  readonly query: InfluxQLQuery;
  /** Print the site id beside the marker. */
  readonly label?: boolean;
}

export interface SiteMapSpec {
  readonly title: string;
  readonly description: string;
  /** Drawn in order: the last on top. */
  readonly layers: readonly MarkerLayer[];
  readonly extent: Extent;
  readonly settings: DashboardSettings;
  /** Where Grafana loads the area GeoJSON (the plain base layer) from. */
  readonly areaPath: string;
}

/** Web-Mercator zoom that shows `extent` in a panel about 700 px wide (256 px tiles). */
export function zoomFor(extent: Extent): number {
  const span = Math.max(extent.maxLon - extent.minLon, extent.maxLat - extent.minLat, 1e-6);
  return Math.min(16, Math.max(3, Math.floor(Math.log2((360 * 700) / 256 / span))));
}

function basemap(spec: SiteMapSpec): MapLayerOptions<XyzConfig | GeoJsonConfig> {
  const { url, attribution } = spec.settings.tiles;
  if (url !== undefined) return { type: 'xyz', name: '底图 Basemap', config: { url, attribution } };
  return { type: 'geojson', name: '区域 Area', config: { src: spec.areaPath, rules: [], style: { color: { fixed: 'dark-blue' }, opacity: 0.15 } } };
}

interface XyzConfig {
  readonly url: string;
  readonly attribution: string;
}

function markerLayer(layer: MarkerLayer, gazetteer: string): MapLayerOptions<MarkersConfig> {
  return {
    type: 'markers',
    name: layer.name,
    config: {
      showLegend: false,
      style: {
        color: { fixed: layer.colour },
        opacity: 0.9,
        size: { fixed: layer.size, min: 2, max: 30 },
        symbol: { fixed: 'img/icons/marker/circle.svg', mode: ResourceDimensionMode.Fixed },
        ...(layer.label ? { text: { field: 'site', fixed: '', mode: TextDimensionMode.Field } } : {}),
      },
    },
    location: { mode: FrameGeometrySourceMode.Lookup, lookup: 'site', gazetteer },
    filterData: { id: 'byRefId', options: layer.query.refId },
    tooltip: true,
  };
}

export function siteMap(spec: SiteMapSpec): Panel {
  const [first] = spec.layers;
  if (!first) throw new Error('a site map needs a layer');
  const { extent } = spec;
  const options: GeomapOptions = {
    view: { id: MapCenterID.Coords, lat: (extent.minLat + extent.maxLat) / 2, lon: (extent.minLon + extent.maxLon) / 2, zoom: zoomFor(extent) },
    controls: { showZoom: true, mouseWheelZoom: false, showAttribution: true },
    basemap: basemap(spec),
    layers: spec.layers.map((layer) => markerLayer(layer, spec.settings.gazetteer)),
    tooltip: { mode: TooltipMode.Details },
  };
  return {
    type: 'geomap',
    title: spec.title,
    description: spec.description,
    datasource: first.query.datasource,
    targets: spec.layers.map((layer) => ({ ...layer.query })),
    fieldConfig: { defaults: { unit: units.count, thresholds: plainSteps(), mappings: [] }, overrides: [] },
    options: { ...options },
  };
}
