/**
 * The InfluxQL target of a panel, typed, and the pieces every dashboard's queries are made of.
 *
 * Neither @grafana/schema nor grafana-foundation-sdk has an InfluxDB query type
 * (grafana-foundation-sdk#447); as that SDK documents for custom data queries, the target is a
 * `DataQuery` extended with the data source's own fields, here those of Grafana's InfluxDB data
 * source in raw InfluxQL mode (public/app/plugins/datasource/influxdb/types.ts `InfluxQuery`:
 * `query`, `rawQuery`, `resultFormat`, `alias`).
 *
 * Queries are written with Grafana's macros left in: `$timeFilter`, `$__interval`, and template
 * variables as `/^$name$/` regexes (a multi-value variable expands to `(a|b)`). Grafana's backend
 * expands the macros (pkg/tsdb/influxdb/models/query.go `Build`); the query tests under test/
 * expand them the same way and run every query against a real InfluxDB.
 */
import type { DataQuery, DataSourceRef } from '@grafana/schema';

export type ResultFormat = 'time_series' | 'table';

export interface InfluxQLQuery extends DataQuery {
  datasource: DataSourceRef;
  /** Raw InfluxQL with Grafana's macros unexpanded. */
  query: string;
  /** Raw mode: `query` is sent as written, not built from the visual editor's parts. */
  rawQuery: true;
  /** time_series: one frame per series (tags as labels); table: tags as columns. */
  resultFormat: ResultFormat;
  /** Series name pattern, e.g. `$tag_site` (Grafana's alias patterns). */
  alias?: string;
}

/** An annotation query of the InfluxDB data source (its `AnnotationEditor`: query and column mapping). */
export interface InfluxQLAnnotationQuery extends InfluxQLQuery {
  fromAnnotations: true;
  textEditor: true;
  /** Column whose value is the annotation's text. */
  textColumn: string;
  /** Comma-separated columns whose values become the annotation's tags. */
  tagsColumn: string;
}

export const TIME_FILTER = '$timeFilter';
export const INTERVAL = '$__interval';

export interface TargetOptions {
  readonly format?: ResultFormat;
  readonly alias?: string;
  readonly hide?: boolean;
}

export function influxql(datasource: DataSourceRef, refId: string, query: string, options: TargetOptions = {}): InfluxQLQuery {
  return {
    refId,
    datasource,
    query,
    rawQuery: true,
    resultFormat: options.format ?? 'time_series',
    ...(options.alias === undefined ? {} : { alias: options.alias }),
    ...(options.hide ? { hide: true } : {}),
  };
}

/** `"name"`, an InfluxQL identifier (InfluxQL spec: identifiers, double-quoted). */
export function ident(name: string): string {
  return `"${name.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** `'text'`, an InfluxQL string literal. */
export function literal(text: string): string {
  return `'${text.replace(/['\\]/g, (c) => `\\${c}`)}'`;
}

/** `/^(a|b)$/`: one of these values exactly, as an InfluxQL regex literal. */
export function oneOf(values: readonly string[]): string {
  const escaped = values.map((v) => v.replace(/[\\^$.*+?()[\]{}|/]/g, (c) => `\\${c}`));
  return `/^(${escaped.join('|')})$/`;
}

/** `/^$name$/`: the template variable `name`, single- or multi-valued (Grafana: `(a|b)`). */
export function variable(name: string): string {
  return `/^$${name}$/`;
}

/** An InfluxQL duration literal, whole seconds. */
export function duration(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/**
 * 1 when `field >= level`, else 0, as an InfluxQL expression (InfluxDB 1.6+ math functions).
 * InfluxQL has no CASE; with d = field - level, d / (|d| + 1) lies in [0, 1) for d >= 0 and in
 * (-1, 0) for d < 0, so its floor is 0 or -1 exactly (for the registry's ranges, far from the
 * float limit where |d| + 1 rounds to |d|).
 */
export function atLeast(field: string, level: number): string {
  const d = `(${ident(field)} - ${level})`;
  return `(1 + floor(${d} / (abs(${d}) + 1)))`;
}

/** 1 when `field <= level`, else 0 (see `atLeast`). */
export function atMost(field: string, level: number): string {
  const d = `(${level} - ${ident(field)})`;
  return `(1 + floor(${d} / (abs(${d}) + 1)))`;
}

/** 1 inside [min, max] (either bound optional), else 0: the indicators added, less one when both. */
export function within(field: string, min: number | undefined, max: number | undefined): string {
  const parts = [min === undefined ? undefined : atLeast(field, min), max === undefined ? undefined : atMost(field, max)].filter((p) => p !== undefined);
  if (parts.length === 0) throw new Error(`within(${field}): give a min or a max`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(' + ')} - 1)`;
}

/** `WHERE` conditions joined with AND, the time filter last. */
export function where(...conditions: readonly (string | undefined)[]): string {
  return conditions.filter((c): c is string => c !== undefined && c !== '').join(' AND ');
}
