/**
 * 供水总览 Network overview, the dashboard of the monitoring wall: compliance figures in large
 * stat panels, active tickets by severity, silent devices, the network map coloured by each
 * site's worst active ticket, active tickets by village, compliance over time and each device's
 * last report. Pure.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import type { MetricName } from '../network/metrics.ts';
import { complianceFigures } from './compliance.ts';
import { severityName, ticketAnnotations, wallDashboard, type WallContext } from './dashboard.ts';
import { networkExtent } from './gazetteer.ts';
import { siteMap } from './geomap.ts';
import { influxql } from './influxql.ts';
import { band, cell, sideBySide } from './layout.ts';
import { silentDeviceRules } from './limits.ts';
import { barGauge, stat, table, timeSeries } from './panels.ts';
import { activeTicketsQuery, complianceQuery, lastReportQuery, siteKindIs, TELEMETRY } from './queries.ts';
import { countSteps, OK_COLOUR, plainSteps, severityColour } from './thresholds.ts';
import { units } from './units.ts';

export const OVERVIEW_UID = 'clearwater-overview';
export const AREA_FILE = 'clearwater-area.geojson';

function complianceStats(context: WallContext): Panel[] {
  return complianceFigures(context.rules).map((figure) =>
    stat({
      title: figure.title,
      description: figure.description,
      unit: units.percent,
      decimals: 1,
      min: 0,
      max: 100,
      thresholds: figure.thresholds,
      targets: [influxql(context.datasource, 'A', complianceQuery({ band: figure.band, where: [siteKindIs(figure.siteKinds)] }))],
    }),
  );
}

function ticketStats(context: WallContext): Panel[] {
  const { datasource, tickets } = context;
  const bySeverity = [...context.severities].reverse().map((severity) =>
    stat({
      title: `未处理工单 · ${severityName(severity)}`,
      description: `Active tickets (open, acknowledged or suppressed) of severity ${severity}, by each ticket's last change in the ticket measurement.`,
      unit: units.count,
      noValue: '0',
      thresholds: countSteps(severityColour(severity)),
      targets: [influxql(datasource, 'A', activeTicketsQuery(tickets, { severity }))],
    }),
  );
  const silent = silentDeviceRules(context.rules);
  if (silent.length === 0) return bySeverity;
  const intervals = silent.map((r) => (r.intervals === undefined ? r.id : `${r.id}: ${r.intervals} reporting intervals`)).join('; ');
  return [
    ...bySeverity,
    stat({
      title: '离线设备 Silent devices',
      description: `Devices silent past their reporting interval: the active tickets of the stale rules (${intervals}), which also open when a device's last will says offline.`,
      unit: units.count,
      noValue: '0',
      thresholds: countSteps(severityColour('warning')),
      targets: [influxql(datasource, 'A', activeTicketsQuery(tickets, { rules: silent.map((r) => r.id) }))],
    }),
  ];
}

function networkMap(context: WallContext): Panel {
  const { datasource, tickets } = context;
  const sites = influxql(datasource, 'sites', `SELECT count(*) FROM ${TELEMETRY} WHERE $timeFilter GROUP BY "site"`, { format: 'table' });
  return siteMap({
    title: '管网地图 Network map',
    description: 'Every site that reported in the time range (green), coloured by its most severe active ticket: blue maintenance, orange warning, red critical.',
    settings: context.settings,
    extent: networkExtent(context.catalog),
    areaPath: context.settings.gazetteer.replace(/[^/]*$/, AREA_FILE),
    layers: [
      { name: '站点 Sites', colour: OK_COLOUR, size: 8, query: sites, label: true },
      ...context.severities.map((severity) => ({
        name: severityName(severity),
        colour: severityColour(severity),
        size: 14,
        query: influxql(datasource, severity, activeTicketsQuery(tickets, { severity, groupBy: 'site' }), { format: 'table' }),
      })),
    ],
  });
}

function ticketsByVillage(context: WallContext): Panel {
  return barGauge({
    title: '各村未处理工单 Active tickets by village',
    unit: units.count,
    thresholds: countSteps(severityColour('warning')),
    targets: [influxql(context.datasource, 'A', activeTicketsQuery(context.tickets, { groupBy: 'village' }), { alias: '$tag_village' })],
    overrides: context.catalog.villages.map((v) => ({ matcher: { id: 'byName', options: v.id }, properties: [{ id: 'displayName', value: v.name }] })),
    noValue: '0',
  });
}

function complianceTrend(context: WallContext): Panel {
  const figures = complianceFigures(context.rules);
  return timeSeries({
    title: '合格率趋势 Compliance over time',
    description: 'The compliance figures above per interval.',
    unit: units.percent,
    min: 0,
    max: 100,
    interval: '1m',
    targets: figures.map((figure, i) =>
      influxql(context.datasource, String.fromCharCode(65 + i), complianceQuery({ band: figure.band, where: [siteKindIs(figure.siteKinds)], overTime: true }), { alias: figure.title }),
    ),
  });
}

/** Devices grouped by the first metric they declare: one query per group finds their last report. */
function reportGroups(context: WallContext): Map<MetricName, string[]> {
  const groups = new Map<MetricName, string[]>();
  for (const device of context.catalog.devices) {
    const [metric] = device.metrics;
    if (metric) groups.set(metric, [...(groups.get(metric) ?? []), device.id]);
  }
  return groups;
}

function lastReports(context: WallContext): Panel {
  const groups = [...reportGroups(context)];
  return table({
    title: '设备最后上报 Last report by device',
    description: `Each device's last reading within the last day, oldest first; a device silent for longer is missing here and counted under Silent devices.`,
    unit: units.timeAgo,
    thresholds: plainSteps(),
    targets: groups.map(([metric, devices], i) => influxql(context.datasource, String.fromCharCode(65 + i), lastReportQuery(metric, devices, 86_400_000), { format: 'table' })),
    transformations: [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName: { value: true }, renameByName: { Time: '最后上报 Last report', device: '设备 Device' } } },
      { id: 'sortBy', options: { sort: [{ field: '最后上报 Last report', desc: false }] } },
    ],
    // A unit on the defaults skips time fields (Grafana's field options): the report's time gets it by name.
    overrides: [
      { matcher: { id: 'byName', options: '最后上报 Last report' }, properties: [{ id: 'unit', value: units.timeAgo }] },
      { matcher: { id: 'byName', options: '设备 Device' }, properties: [{ id: 'unit', value: 'string' }] },
    ],
  });
}

export function overviewDashboard(context: WallContext): Dashboard {
  return wallDashboard(context, {
    uid: OVERVIEW_UID,
    title: `${context.catalog.county.name} · 供水总览 Network overview`,
    description: 'The monitoring wall: compliance with GB 5749-2022 and GB/T 32063-2015, active tickets, the network map and data freshness.',
    annotations: ticketAnnotations(context),
    items: [
      ...sideBySide(7, complianceStats(context)),
      ...sideBySide(5, ticketStats(context)),
      band(14, cell(15, networkMap(context)), cell(9, ticketsByVillage(context))),
      band(10, cell(14, complianceTrend(context)), cell(10, lastReports(context))),
    ],
  });
}
