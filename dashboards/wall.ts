/**
 * The wall: every dashboard, listed here (no import side effects), built from the catalog, the
 * rule packs and the settings into the files Grafana reads. Pure: `app/wall.ts` loads the inputs
 * and writes the files.
 *
 *   dashboards/<name>.json                        one per dashboard, stable uid
 *   provisioning/datasources/clearwater.yaml      the InfluxDB data source (InfluxQL)
 *   provisioning/dashboards/clearwater.yaml       the file provider of the dashboards
 *   gazetteer/clearwater-sites.json               where each site is, for the network map
 *   gazetteer/clearwater-area.geojson             the network's area, the map's plain base layer
 */
import type { Dashboard } from '@grafana/schema';
import { stringify } from 'yaml';
import type { CatalogFile } from '../network/catalog.ts';
import type { DashboardSettings } from './config.ts';
import type { WallContext } from './dashboard.ts';
import { areaGeoJson, siteGazetteer } from './gazetteer.ts';
import type { LimitRule } from './limits.ts';
import { AREA_FILE, overviewDashboard } from './overview.ts';
import { pipelineHealthDashboard } from './pipeline-health.ts';
import { plantDashboard } from './plant.ts';
import { dashboardProvisioning, datasourceProvisioning, datasourceRef, type InfluxTarget } from './provisioning.ts';
import { villageDashboard } from './village.ts';
import { zonesDashboard } from './zones.ts';

export const wallDashboards = {
  overview: overviewDashboard,
  plant: plantDashboard,
  village: villageDashboard,
  zones: zonesDashboard,
  'pipeline-health': pipelineHealthDashboard,
} satisfies Record<string, (context: WallContext) => Dashboard>;
export type WallDashboardName = keyof typeof wallDashboards;

export interface WallInputs {
  readonly settings: DashboardSettings;
  readonly catalog: CatalogFile;
  readonly rules: readonly LimitRule[];
  /** Least to most severe (rules/severity.ts `severities`). */
  readonly severities: readonly string[];
  /** rules/tickets/ticket.ts `activeStates`. */
  readonly activeStates: readonly string[];
  /** The data source's InfluxDB, defaults resolved. */
  readonly influx: InfluxTarget;
  /** The dashboards folder as Grafana sees it (the provider's path). */
  readonly dashboardsPath: string;
}

export interface WallFile {
  /** Relative to the output folder. */
  readonly path: string;
  readonly content: string;
}

export interface Wall {
  readonly dashboards: Readonly<Record<WallDashboardName, Dashboard>>;
  readonly files: readonly WallFile[];
}

export const SITES_GAZETTEER_FILE = 'clearwater-sites.json';

export function wallContext(inputs: WallInputs): WallContext {
  return {
    settings: inputs.settings,
    datasource: datasourceRef(inputs.settings),
    catalog: inputs.catalog,
    rules: inputs.rules,
    severities: inputs.severities,
    tickets: { lookbackMs: inputs.settings.openTicketsLookback, activeStates: inputs.activeStates },
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function buildWall(inputs: WallInputs): Wall {
  const context = wallContext(inputs);
  const entries = Object.entries(wallDashboards).map(([name, build]) => [name, build(context)] as const);
  const dashboards = Object.fromEntries(entries) as Record<WallDashboardName, Dashboard>;
  const files: WallFile[] = [
    ...entries.map(([name, dashboard]) => ({ path: `dashboards/${name}.json`, content: json(dashboard) })),
    { path: 'provisioning/datasources/clearwater.yaml', content: stringify(datasourceProvisioning(inputs.settings, inputs.influx)) },
    { path: 'provisioning/dashboards/clearwater.yaml', content: stringify(dashboardProvisioning(inputs.settings, inputs.dashboardsPath)) },
    { path: `gazetteer/${SITES_GAZETTEER_FILE}`, content: json(siteGazetteer(inputs.catalog)) },
    { path: `gazetteer/${AREA_FILE}`, content: json(areaGeoJson(inputs.catalog)) },
  ];
  return { dashboards, files };
}
