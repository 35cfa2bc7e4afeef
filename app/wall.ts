/**
 * Builds the Grafana wall from a configuration: the catalog and the rule packs it names (the
 * ones the engine loads), the ticket vocabulary of rules/, and the `dashboards:` settings, with
 * the data source's defaults taken from `influx:`. Writes the files under one folder and says
 * where they are. `dashboards/` itself touches no file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { buildWall, type Wall, type WallInputs } from '../dashboards/wall.ts';
import { loadCatalog } from '../network/catalog.ts';
import { loadRulePack, rulesOf } from '../rules/pack.ts';
import { severities } from '../rules/severity.ts';
import { activeStates } from '../rules/tickets/ticket.ts';
import type { Config } from './config.ts';

export const DEFAULT_WALL_OUT = 'dist/grafana';

/** When Clearwater starts its own influxd, the URL is known only then: give it as `influxUrl`. */
export async function wallInputs(config: Config, out: string, influxUrl?: string): Promise<WallInputs> {
  const catalog = await loadCatalog(config.catalog);
  const packs = await Promise.all(config.rulePacks.map(loadRulePack));
  const { datasource } = config.dashboards;
  const database = datasource.database ?? (config.influx.api === 'v2' ? config.influx.bucket : config.influx.database);
  return {
    settings: config.dashboards,
    catalog: catalog.file,
    rules: rulesOf(packs),
    severities,
    activeStates,
    influx: { url: datasource.url ?? influxUrl ?? config.influx.url ?? 'http://127.0.0.1:8086', database },
    dashboardsPath: config.dashboards.path ?? resolve(out, 'dashboards'),
  };
}

export interface WrittenWall extends Wall {
  readonly inputs: WallInputs;
  /** Absolute output folder. */
  readonly out: string;
  readonly paths: readonly string[];
}

export async function writeWall(config: Config, out: string = DEFAULT_WALL_OUT, influxUrl?: string): Promise<WrittenWall> {
  const folder = resolve(out);
  const inputs = await wallInputs(config, folder, influxUrl);
  const wall = buildWall(inputs);
  const paths: string[] = [];
  for (const file of wall.files) {
    const path = join(folder, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
    paths.push(path);
  }
  return { ...wall, inputs, out: folder, paths };
}

/** What a person needs to point Grafana at the files. */
export function wallSummary(wall: WrittenWall): string {
  const { influx, dashboardsPath, settings } = wall.inputs;
  return [
    `Grafana wall: ${Object.keys(wall.dashboards).length} dashboards in ${join(wall.out, 'dashboards')}`,
    `  provisioning: ${join(wall.out, 'provisioning')} (Grafana's paths.provisioning, or mounted at /etc/grafana/provisioning)`,
    `  data source:  InfluxDB ${influx.url}, database ${influx.database} (InfluxQL)`,
    `  provider:     loads the dashboards from ${dashboardsPath}`,
    `  gazetteer:    ${join(wall.out, 'gazetteer')} (mount it at ${dirname(settings.gazetteer)}/ under Grafana's home for the network map)`,
  ].join('\n');
}
