/**
 * The built wall, as Grafana would load it (no Grafana server can be installed on these
 * machines, so these checks and the query tests in dashboards-queries.test.ts are the contract):
 * every dashboard JSON type-checks against @grafana/schema's dashboard and panel option types,
 * panel ids are unique, the grid stays within 24 columns without overlaps, every datasource
 * reference resolves to the provisioned data source, uids are stable, every panel has a title
 * and a unit; the provisioning files are what Grafana expects; a level changed in a pack
 * changes the wall.
 */
import type { Dashboard, Panel, RowPanel } from '@grafana/schema';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../app/config.ts';
import { wallInputs } from '../app/wall.ts';
import { buildWall, type Wall, type WallInputs } from '../dashboards/wall.ts';
import { typecheck, type Checked } from './support/typecheck.ts';

const output = fileURLToPath(new URL('./output/', import.meta.url));

function config(document: Record<string, unknown> = {}): Config {
  const parsed = parseConfig(document, {});
  if (!parsed.ok) throw new Error(parsed.problems);
  return parsed.config;
}

let inputs: WallInputs;
let wall: Wall;

beforeAll(async () => {
  inputs = await wallInputs(config(), join(output, 'wall'));
  wall = buildWall(inputs);
});

const dashboards = () => Object.entries(wall.dashboards);
const isRow = (panel: Panel | RowPanel): panel is RowPanel => panel.type === 'row';
const panelsOf = (dashboard: Dashboard) => (dashboard.panels ?? []).filter((p): p is Panel => !isRow(p));

const OPTION_TYPES: Readonly<Record<string, string>> = {
  stat: '{ options: StatOptions; custom?: never }',
  bargauge: '{ options: BarGaugeOptions; custom?: never }',
  timeseries: '{ options: TimeSeriesOptions; custom: TimeSeriesFieldConfig }',
  table: '{ options: TableOptions; custom: TableFieldConfig }',
  geomap: '{ options: GeomapOptions; custom?: never }',
};

const IMPORTS = [
  "import type { AnnotationQuery, Dashboard, Panel, RowPanel } from '@grafana/schema';",
  "import type { InfluxQLAnnotationQuery, InfluxQLQuery } from '../../dashboards/influxql.ts';",
  "import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';",
  "import type { Options as BarGaugeOptions } from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';",
  "import type { Options as TimeSeriesOptions, FieldConfig as TimeSeriesFieldConfig } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';",
  "import type { Options as TableOptions, FieldConfig as TableFieldConfig } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';",
  "import type { Options as GeomapOptions } from '@grafana/schema/dist/esm/raw/composable/geomap/panelcfg/x/GeomapPanelCfg_types.gen';",
  "type WallPanel = Omit<Panel, 'targets'> & { targets: InfluxQLQuery[] };",
  "type WallDashboard = Omit<Dashboard, 'panels' | 'annotations'> & { panels: (WallPanel | RowPanel)[]; annotations: { list: AnnotationQuery<InfluxQLAnnotationQuery>[] } };",
];

describe('the built dashboards', () => {
  it('are the five of the wall, with stable uids', async () => {
    expect(Object.fromEntries(dashboards().map(([name, d]) => [name, d.uid]))).toEqual({
      overview: 'clearwater-overview',
      plant: 'clearwater-plant',
      village: 'clearwater-village',
      zones: 'clearwater-zones',
      'pipeline-health': 'clearwater-pipeline',
    });
    // Another build, written elsewhere: the same dashboards, byte for byte.
    const again = buildWall(await wallInputs(config(), join(output, 'elsewhere')));
    const json = (w: Wall) => w.files.filter((f) => f.path.startsWith('dashboards/'));
    expect(json(again)).toEqual(json(wall));
  });

  it('type-check against Grafana\'s dashboard and panel option types', async () => {
    const checked: Checked[] = dashboards().flatMap(([name, dashboard]) => {
      const id = name.replace(/-/g, '_');
      return [
        { name: id, type: 'WallDashboard', value: dashboard },
        ...panelsOf(dashboard).map((panel) => {
          const type = OPTION_TYPES[panel.type];
          if (!type) throw new Error(`${name}: no option type for panel type ${panel.type}`);
          return { name: `${id}_panel_${panel.id}`, type, value: { options: panel.options, custom: panel.fieldConfig?.defaults.custom } };
        }),
      ];
    });
    // Two wrong ones, to show the check would catch them: a field Grafana's model does not have,
    // and a stat option value the stat panel does not know.
    const [first] = dashboards();
    const statPanel = panelsOf(first![1]).find((p) => p.type === 'stat')!;
    const wrong: Checked[] = [
      { name: 'wrong_dashboard', type: 'WallDashboard', value: { ...first![1], refreshEvery: '1m' } },
      { name: 'wrong_stat', type: OPTION_TYPES.stat!, value: { options: { ...statPanel.options, colorMode: 'rainbow' } } },
    ];
    const errors = await typecheck(join(output, 'wall-types.ts'), IMPORTS, [...checked, ...wrong]);
    expect(errors.filter((e) => !e.name?.startsWith('wrong_'))).toEqual([]);
    expect(errors.map((e) => e.name).sort()).toEqual(['wrong_dashboard', 'wrong_stat']);
  }, 60_000);

  it.each(['overview', 'plant', 'village', 'zones', 'pipeline-health'] as const)('%s: unique panel ids, a grid of 24 columns without overlaps', (name) => {
    const all = wall.dashboards[name].panels ?? [];
    const ids = all.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const boxes = all.map((p) => ({ title: p.title, ...p.gridPos! }));
    for (const box of boxes) {
      expect(box.w, box.title).toBeGreaterThan(0);
      expect(box.h, box.title).toBeGreaterThan(0);
      expect(box.x, box.title).toBeGreaterThanOrEqual(0);
      expect(box.x + box.w, box.title).toBeLessThanOrEqual(24);
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.title} and ${b.title}`).toBe(false);
      }
    }
  });

  it.each(['overview', 'plant', 'village', 'zones', 'pipeline-health'] as const)('%s: every panel has a title, a unit and queries; every datasource reference is the provisioned one', (name) => {
    const dashboard = wall.dashboards[name];
    const provisioned = parseYaml(wall.files.find((f) => f.path === 'provisioning/datasources/clearwater.yaml')!.content) as { datasources: { uid: string; type: string }[] };
    const known = provisioned.datasources.map((d) => `${d.type}/${d.uid}`);
    const refs: unknown[] = [];
    for (const panel of panelsOf(dashboard)) {
      expect(panel.title, `panel ${panel.id}`).toBeTruthy();
      expect(panel.fieldConfig?.defaults.unit, panel.title).toBeTruthy();
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      refs.push(panel.datasource, ...(panel.targets ?? []).map((t) => t.datasource));
    }
    for (const annotation of dashboard.annotations?.list ?? []) refs.push(annotation.datasource, annotation.target?.datasource);
    for (const variable of dashboard.templating?.list ?? []) refs.push(variable.datasource);
    for (const ref of refs) {
      const { type, uid } = ref as { type?: string; uid?: string };
      expect(known).toContain(`${type}/${uid}`);
    }
    expect(dashboard.annotations?.list?.length, 'ticket annotations').toBeGreaterThan(0);
    expect(dashboard.schemaVersion).toBe(39);
  });

  it('read from across a room: refreshed every minute, not editable, the overview opening with big coloured stats and the 97 % pressure target', () => {
    for (const [name, dashboard] of dashboards()) {
      expect(dashboard.refresh, name).toBe('1m');
      expect(dashboard.editable, name).toBe(false);
    }
    const top = (wall.dashboards.overview.panels ?? []).filter((p) => p.gridPos!.y === 0);
    expect(top.map((p) => p.type)).toEqual(['stat', 'stat', 'stat', 'stat']);
    for (const panel of top as Panel[]) {
      expect(panel.gridPos!.h, panel.title).toBeGreaterThanOrEqual(6);
      expect((panel.options as { colorMode?: string }).colorMode, panel.title).toBe('background');
    }
    const pressure = top.find((p) => p.title!.includes('140 kPa')) as Panel;
    expect(pressure.fieldConfig?.defaults.thresholds?.steps).toEqual([{ value: null, color: 'red' }, { value: 97, color: 'green' }]);
  });

  it('zones: burst suspects in their own layer, every other ticket in its severity\'s, all shown', () => {
    const list = wall.dashboards.zones.annotations?.list ?? [];
    expect(list.map((a) => [a.name, a.enable])).toEqual([
      ['疑似爆管 Burst suspects', true],
      ['工单 Tickets · 严重 Critical', true],
      ['工单 Tickets · 警告 Warning', true],
      ['工单 Tickets · 维护 Maintenance', true],
    ]);
    const query = (a: (typeof list)[number]) => (a.target as { query?: string }).query ?? '';
    expect(query(list[0]!)).toMatch(/"rule" =~ \/\^\(.*pressure-drop.*\)\$\//);
    for (const other of list.slice(1)) expect(query(other)).toMatch(/"rule" !~ \/\^\(.*pressure-drop.*\)\$\//);
  });

  it('titles read Chinese, then English', () => {
    for (const [, dashboard] of dashboards()) {
      for (const panel of dashboard.panels ?? []) expect(panel.title, panel.title).toMatch(/^[^A-Za-z]*[\u4e00-\u9fff].*[A-Za-z]/u);
    }
  });
});

describe('the provisioning files', () => {
  const file = (path: string) => parseYaml(wall.files.find((f) => f.path === path)!.content) as Record<string, unknown>;

  it('declare InfluxDB with InfluxQL and the database in jsonData.dbName, never the deprecated database field (grafana#65046)', () => {
    expect(file('provisioning/datasources/clearwater.yaml')).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: 'Clearwater InfluxDB',
          uid: 'clearwater-influxdb',
          type: 'influxdb',
          access: 'proxy',
          url: 'http://127.0.0.1:8086',
          isDefault: false,
          editable: false,
          jsonData: { version: 'InfluxQL', dbName: 'clearwater', httpMode: 'POST', timeInterval: '10s' },
        },
      ],
    });
  });

  it('name secrets by environment variable only: InfluxDB 2.x through a token', async () => {
    const v2 = buildWall(await wallInputs(config({ influx: { api: 'v2', url: 'http://influxdb:8086', bucket: 'water' }, dashboards: { datasource: { auth: 'token' } } }), output));
    const text = v2.files.find((f) => f.path === 'provisioning/datasources/clearwater.yaml')!.content;
    const [ds] = (parseYaml(text) as { datasources: Record<string, Record<string, unknown>>[] }).datasources;
    expect(ds?.url).toBe('http://influxdb:8086');
    expect(ds?.jsonData).toMatchObject({ dbName: 'water', httpHeaderName1: 'Authorization' });
    expect(ds?.secureJsonData).toEqual({ httpHeaderValue1: 'Token ${INFLUX_TOKEN}' });
  });

  it('load the dashboards from one folder, as files', () => {
    expect(file('provisioning/dashboards/clearwater.yaml')).toEqual({
      apiVersion: 1,
      providers: [
        {
          name: 'clearwater',
          orgId: 1,
          folder: 'Clearwater',
          type: 'file',
          disableDeletion: true,
          allowUiUpdates: false,
          updateIntervalSeconds: 60,
          options: { path: join(output, 'wall', 'dashboards'), foldersFromFilesStructure: false },
        },
      ],
    });
  });

  it('place every site of the catalog in the gazetteer', () => {
    const points = JSON.parse(wall.files.find((f) => f.path === 'gazetteer/clearwater-sites.json')!.content) as { key: string; latitude: number; longitude: number }[];
    expect(points.map((p) => p.key).sort()).toEqual(inputs.catalog.sites.map((s) => s.id).sort());
  });
});

describe('the wall follows its inputs', () => {
  const overviewPanel = (w: Wall, title: RegExp) => panelsOf(w.dashboards.overview).find((p) => title.test(p.title ?? ''));

  it('a limit changed in a pack changes the figure and the colours', () => {
    const rules = inputs.rules.map((rule) => (rule.id === 'tap-pressure-low' ? { ...rule, warning: 150 } : rule));
    const changed = buildWall({ ...inputs, rules });
    const before = overviewPanel(wall, /末梢压力/);
    const after = overviewPanel(changed, /末梢压力/);
    expect(before?.title).toContain('≥ 140 kPa');
    expect(after?.title).toContain('≥ 150 kPa');
    expect(String(after?.targets?.[0]?.query)).toContain('"pressure" - 150');
    const village = panelsOf(changed.dashboards.village).find((p) => p.type === 'timeseries' && /压力/.test(p.title ?? ''));
    expect(village?.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value)).toEqual([null, 100, 150]);
  });

  it('the basemap is the configured tile server, or a plain area layer', async () => {
    const basemap = (w: Wall) => (panelsOf(w.dashboards.overview).find((p) => p.type === 'geomap')?.options as { basemap: { type: string; config: Record<string, unknown> } }).basemap;
    expect(basemap(wall)).toMatchObject({ type: 'geojson', config: { src: 'public/gazetteer/clearwater/clearwater-area.geojson' } });
    const tiled = buildWall(await wallInputs(config({ dashboards: { tiles: { url: 'https://tiles.example.cn/{z}/{x}/{y}.png', attribution: '© 示例' } } }), output));
    expect(basemap(tiled)).toEqual({ type: 'xyz', name: '底图 Basemap', config: { url: 'https://tiles.example.cn/{z}/{x}/{y}.png', attribution: '© 示例' } });
  });
});

describe('the production example (dashboards/example)', () => {
  const example = (file: string) => fileURLToPath(new URL(`../dashboards/example/${file}`, import.meta.url));

  it('its Clearwater config parses, and the compose file mounts the wall where that config tells Grafana to look', async () => {
    const parsed = parseConfig(parseYaml(await readFile(example('clearwater.yaml'), 'utf8')), { INFLUX_TOKEN: 'token' });
    if (!parsed.ok) throw new Error(parsed.problems);
    const { dashboards, influx } = parsed.config;
    expect(influx).toMatchObject({ api: 'v2', url: 'http://influxdb:8086', bucket: 'clearwater', token: 'token' });
    const compose = parseYaml(await readFile(example('compose.yaml'), 'utf8')) as { services: Record<string, { command?: string[]; environment?: Record<string, string>; volumes?: string[] }> };
    const { grafana, wall: builder } = compose.services;
    expect(builder?.command).toEqual(['dashboards', 'build', '-c', '/etc/clearwater/clearwater.yaml', '--out', '/wall']);
    expect(builder?.volumes).toContain('./wall:/wall');
    // The wall is mounted whole; the provider path and the provisioning folder are inside it.
    const mount = grafana?.volumes?.find((v) => v.startsWith('./wall:'))?.split(':')[1];
    expect(dashboards.path).toBe(`${mount}/dashboards`);
    expect(grafana?.environment?.GF_PATHS_PROVISIONING).toBe(`${mount}/provisioning`);
    expect(grafana?.volumes).toContain(`./wall/gazetteer:/usr/share/grafana/${dashboards.gazetteer.replace(/\/[^/]*$/, '')}:ro`);
    expect(grafana?.environment?.INFLUX_TOKEN).toBe('${INFLUX_TOKEN}');
    expect(dashboards.datasource).toMatchObject({ url: 'http://influxdb:8086', auth: 'token' });
  });
});
