/**
 * The `dashboards:` section of the configuration: how the built wall reaches InfluxDB through
 * Grafana (the provisioned data source), which basemap the network map uses, and where Grafana
 * finds the files. Parsed once with the rest of the configuration (app/config.ts); the
 * dashboards themselves are built from the catalog, the rule packs and the metric registry.
 */
import { z } from 'zod';
import { durationField } from '../network/duration.ts';

/** Grafana's `$VAR` / `${VAR}` interpolation in provisioning files takes names like these. */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as INFLUX_TOKEN');

export const datasourceSchema = z
  .strictObject({
    uid: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,40}$/, 'letters, digits, "-" and "_", at most 40')
      .default('clearwater-influxdb')
      .describe('Uid of the provisioned data source; every panel refers to it, so it stays the same from build to build'),
    name: z.string().min(1).default('Clearwater InfluxDB').describe('Name Grafana shows for the data source'),
    url: z
      .url()
      .optional()
      .describe('InfluxDB base URL as the Grafana server reaches it; default: influx.url (or http://127.0.0.1:8086 when Clearwater starts its own influxd)'),
    database: z
      .string()
      .min(1)
      .optional()
      .describe('InfluxQL database, written to jsonData.dbName (grafana#65046); on InfluxDB 2.x a bucket name through its DBRP mapping. Default: influx.database (v1) or influx.bucket (v2)'),
    auth: z
      .enum(['none', 'basic', 'token'])
      .default('none')
      .describe('none; basic: user, and the password from envVar (InfluxDB 1.x auth); token: header "Authorization: Token ${envVar}" (InfluxDB 2.x InfluxQL through DBRP)'),
    user: z.string().min(1).optional().describe('basic: the InfluxDB user'),
    envVar: envName
      .optional()
      .describe('Environment variable of the Grafana process holding the password (basic) or the API token (token); the file names it, never the value. Default INFLUX_PASSWORD or INFLUX_TOKEN'),
  })
  .describe('The InfluxDB data source the provisioning file declares (InfluxQL)');

export const tilesSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/\{z\}/, 'an XYZ template with {z}, {x} and {y} (or {-y})')
      .regex(/\{x\}/, 'an XYZ template with {z}, {x} and {y} (or {-y})')
      .regex(/\{-?y\}/, 'an XYZ template with {z}, {x} and {y} (or {-y})')
      .optional()
      .describe('XYZ tile URL template of the network map, e.g. a domestic tile server https://tiles.example.cn/{z}/{x}/{y}.png; absent: a plain layer, no tiles fetched'),
    attribution: z.string().default('').describe('Attribution shown on the map for the tiles'),
  })
  .describe('Basemap of the network map');

export const dashboardsSchema = z.strictObject({
  folder: z.string().min(1).default('Clearwater').describe('Grafana folder of the provisioned dashboards'),
  path: z
    .string()
    .min(1)
    .optional()
    .describe('Folder of the dashboard JSON as the Grafana server sees it (the provider\'s options.path); default: the absolute path of the dashboards/ folder written'),
  gazetteer: z
    .string()
    .min(1)
    .default('public/gazetteer/clearwater/clearwater-sites.json')
    .describe('Where Grafana loads the site gazetteer from: a path under Grafana\'s static root where the built gazetteer/ folder is mounted (its clearwater-area.geojson is read from beside it)'),
  refresh: z
    .string()
    .regex(/^\d+[smhd]$/, 'a Grafana interval such as "1m"')
    .default('1m')
    .describe('Auto-refresh of the wall dashboards; the devices report every minute'),
  openTicketsLookback: durationField((ms) => ms.min(3_600_000))
    .default(30 * 86_400_000)
    .describe('How far back the open-ticket panels look for a ticket\'s last change; an active ticket untouched for longer is not counted'),
  datasource: datasourceSchema.prefault({}),
  tiles: tilesSchema.prefault({}),
});
export type DashboardSettings = z.infer<typeof dashboardsSchema>;
