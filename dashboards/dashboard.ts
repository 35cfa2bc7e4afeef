/**
 * What a wall dashboard shares: the schema version it is written for, the time zone of the
 * county, the links between the dashboards, the ticket annotations and the template variables.
 * Pure.
 *
 * Grafana version: the JSON is the classic dashboard model at schemaVersion 39, what Grafana
 * 10.4 writes; newer Grafana migrates it on load (migrations 40-42 touch the refresh type, the
 * time picker's time_options and hideFrom overrides, none of which the wall uses), see
 * dashboards/README.md.
 */
import {
  DashboardCursorSync,
  VariableHide,
  VariableRefresh,
  VariableSort,
  type AnnotationQuery,
  type Dashboard,
  type DataSourceRef,
  type VariableModel,
} from '@grafana/schema';
import type { CatalogFile } from '../network/catalog.ts';
import type { DashboardSettings } from './config.ts';
import { ident, influxql, literal, type InfluxQLAnnotationQuery } from './influxql.ts';
import { layout, type LayoutItem } from './layout.ts';
import type { LimitRule } from './limits.ts';
import { ticketAnnotationQuery, type TicketWindow } from './queries.ts';
import { severityColour } from './thresholds.ts';

export const SCHEMA_VERSION = 39;
export const WALL_TAG = 'clearwater';

/** Everything a dashboard is built from. */
export interface WallContext {
  readonly settings: DashboardSettings;
  readonly datasource: DataSourceRef;
  readonly catalog: CatalogFile;
  /** The rules of the packs the engine loads. */
  readonly rules: readonly LimitRule[];
  /** Ticket severities, least to most severe (rules/severity.ts). */
  readonly severities: readonly string[];
  readonly tickets: TicketWindow;
}

export const severityNames: Readonly<Record<string, string>> = { critical: '严重 Critical', warning: '警告 Warning', maintenance: '维护 Maintenance' };

export function severityName(severity: string): string {
  return severityNames[severity] ?? severity;
}

/** One annotation query over ticket changes: the change as text, the subject as tags. */
export function ticketAnnotation(context: WallContext, name: string, colour: string, conditions: readonly string[]): AnnotationQuery<InfluxQLAnnotationQuery> {
  return {
    name,
    datasource: context.datasource,
    enable: true,
    iconColor: colour,
    target: {
      ...influxql(context.datasource, 'tickets', ticketAnnotationQuery(conditions), { format: 'table' }),
      fromAnnotations: true,
      textEditor: true,
      textColumn: 'change',
      tagsColumn: 'rule,site,village,severity,state',
    },
  };
}

/**
 * Ticket changes from the `ticket` measurement as annotations, one query per severity (most
 * severe first) in its colour; `conditions` narrow them (a village, a plant).
 */
export function ticketAnnotations(context: WallContext, conditions: readonly string[] = [], label = '工单 Tickets'): AnnotationQuery<InfluxQLAnnotationQuery>[] {
  return [...context.severities]
    .reverse()
    .map((severity) => ticketAnnotation(context, `${label} · ${severityName(severity)}`, severityColour(severity), [...conditions, `${ident('severity')} = ${literal(severity)}`]));
}

export interface TagVariableSpec {
  readonly name: string;
  readonly label: string;
  /** The tag whose values are offered. */
  readonly key: string;
  /** Conditions of `SHOW TAG VALUES … WHERE` (other variables chain in here). */
  readonly where?: readonly string[];
  readonly multi?: boolean;
  readonly hide?: boolean;
}

/** A query variable over a `telemetry` tag; multi-valued ones include All. */
export function tagVariable(context: WallContext, spec: TagVariableSpec): VariableModel {
  const conditions = spec.where && spec.where.length > 0 ? ` WHERE ${spec.where.join(' AND ')}` : '';
  return {
    type: 'query',
    name: spec.name,
    label: spec.label,
    datasource: context.datasource,
    query: `SHOW TAG VALUES FROM ${ident('telemetry')} WITH KEY = ${ident(spec.key)}${conditions}`,
    refresh: VariableRefresh.onDashboardLoad,
    sort: VariableSort.alphabeticalAsc,
    multi: spec.multi ?? false,
    includeAll: spec.multi ?? false,
    ...(spec.hide ? { hide: VariableHide.hideVariable } : {}),
    options: [],
  };
}

export interface WallDashboardSpec {
  /** Stable across builds: the provisioned dashboard keeps its URL. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly items: readonly LayoutItem[];
  readonly variables?: readonly VariableModel[];
  readonly annotations: readonly AnnotationQuery[];
  readonly time?: { readonly from: string; readonly to: string };
}

export function wallDashboard(context: WallContext, spec: WallDashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [WALL_TAG],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: false,
    graphTooltip: DashboardCursorSync.Crosshair,
    timezone: context.catalog.county.timeZone,
    time: { from: spec.time?.from ?? 'now-24h', to: spec.time?.to ?? 'now' },
    refresh: context.settings.refresh,
    timepicker: { refresh_intervals: ['30s', '1m', '5m', '15m'] },
    links: [{ type: 'dashboards', tags: [WALL_TAG], asDropdown: false, title: 'Clearwater', includeVars: false, keepTime: true, icon: 'external link', targetBlank: false, tooltip: '' }],
    annotations: { list: [...spec.annotations] },
    templating: { list: [...(spec.variables ?? [])] },
    panels: layout(spec.items),
  };
}
