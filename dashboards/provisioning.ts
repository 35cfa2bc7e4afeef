/**
 * Grafana provisioning files (Grafana docs, "Provision Grafana": `apiVersion: 1` files in
 * provisioning/datasources and provisioning/dashboards): the InfluxDB data source every panel
 * refers to by uid, and a file provider that loads the built dashboards into one folder. Pure.
 *
 * The data source speaks InfluxQL with the database in `jsonData.dbName`: the top-level
 * `database` field is deprecated since Grafana 9.4 and leaves the query builder without a
 * database (grafana#65046). Secrets stay out of the file: Grafana replaces `${NAME}` with the
 * environment variable of its own process when it reads a provisioning file.
 */
import type { DataSourceRef } from '@grafana/schema';
import type { DashboardSettings } from './config.ts';

export const DATASOURCE_TYPE = 'influxdb';

export function datasourceRef(settings: DashboardSettings): DataSourceRef {
  return { type: DATASOURCE_TYPE, uid: settings.datasource.uid };
}

/** Where the data source points, once the defaults are resolved against the Clearwater config. */
export interface InfluxTarget {
  readonly url: string;
  readonly database: string;
}

export function datasourceProvisioning(settings: DashboardSettings, influx: InfluxTarget) {
  const ds = settings.datasource;
  const variable = `\${${ds.envVar ?? (ds.auth === 'basic' ? 'INFLUX_PASSWORD' : 'INFLUX_TOKEN')}}`;
  const auth =
    ds.auth === 'basic'
      ? { basicAuth: false, user: ds.user ?? '', secureJsonData: { password: variable } }
      : ds.auth === 'token'
        ? { secureJsonData: { httpHeaderValue1: `Token ${variable}` } }
        : {};
  return {
    apiVersion: 1,
    datasources: [
      {
        name: ds.name,
        uid: ds.uid,
        type: DATASOURCE_TYPE,
        access: 'proxy',
        url: influx.url,
        isDefault: false,
        editable: false,
        jsonData: {
          version: 'InfluxQL',
          dbName: influx.database,
          httpMode: 'POST',
          // The pipeline measurement comes every 10 s; the telemetry panels set 1m themselves.
          timeInterval: '10s',
          ...(ds.auth === 'token' ? { httpHeaderName1: 'Authorization' } : {}),
        },
        ...auth,
      },
    ],
  };
}

/** The file provider: every JSON in `path` becomes a dashboard of `folder`, not editable in the UI. */
export function dashboardProvisioning(settings: DashboardSettings, path: string) {
  return {
    apiVersion: 1,
    providers: [
      {
        name: 'clearwater',
        orgId: 1,
        folder: settings.folder,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 60,
        options: { path, foldersFromFilesStructure: false },
      },
    ],
  };
}
