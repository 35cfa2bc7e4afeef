/**
 * Readings of a site from InfluxDB, for the pages and routes that show them (the acknowledgement
 * page now, the console next). InfluxQL over `/query`, which InfluxDB 1.x, 2.x (DBRP mapping) and
 * 3.x answer; the browser never talks to InfluxDB itself.
 */
import { metricNames, type MetricName } from '../network/metrics.ts';
import { ID_PATTERN } from '../network/topic.ts';

export interface ReadingsSource {
  readonly url: string;
  readonly database: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** InfluxDB 2.x / 3.x: a token, sent as `Authorization: Token …`. */
  readonly token?: string | undefined;
}

export interface Reading {
  /** Epoch ms. */
  readonly at: number;
  readonly value: number;
}

/** The InfluxQL of a site's latest readings of one metric, newest first. Pure; refuses what is not an id or a metric. */
export function recentReadingsQuery(site: string, metric: string, sinceMs: number, limit: number): string {
  if (!ID_PATTERN.test(site)) throw new Error(`not a site id: ${site}`);
  if (!(metricNames as readonly string[]).includes(metric)) throw new Error(`not a metric: ${metric}`);
  return `SELECT "${metric}" FROM "telemetry" WHERE "site" = '${site}' AND time >= ${Math.trunc(sinceMs)}ms ORDER BY time DESC LIMIT ${Math.trunc(limit)}`;
}

export async function recentReadings(source: ReadingsSource, site: string, metric: MetricName, sinceMs: number, limit = 12): Promise<Reading[]> {
  const params = new URLSearchParams({ q: recentReadingsQuery(site, metric, sinceMs, limit), db: source.database, epoch: 'ms' });
  if (source.username) params.set('u', source.username);
  if (source.password) params.set('p', source.password);
  const response = await fetch(`${source.url.replace(/\/$/, '')}/query?${params}`, { headers: source.token ? { authorization: `Token ${source.token}` } : {}, signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`InfluxDB answered ${response.status} to a readings query`);
  const body = (await response.json()) as { results?: { series?: { values?: [number, number | null][] }[]; error?: string }[] };
  const error = body.results?.find((r) => r.error)?.error;
  if (error) throw new Error(`InfluxDB: ${error}`);
  return (body.results?.[0]?.series?.[0]?.values ?? []).flatMap(([at, value]) => (typeof value === 'number' ? [{ at, value }] : []));
}

export interface SeriesQuery {
  readonly site: string;
  readonly metrics: readonly MetricName[];
  /** Epoch ms, inclusive. */
  readonly since: number;
  readonly until: number;
  /** The width of one averaged point, ms (at least a minute). */
  readonly bucketMs: number;
}

/** The InfluxQL of a site's metrics averaged per bucket over a window. Pure; refuses what is not an id or a metric. */
export function siteSeriesQuery(query: SeriesQuery): string {
  if (!ID_PATTERN.test(query.site)) throw new Error(`not a site id: ${query.site}`);
  for (const metric of query.metrics) if (!(metricNames as readonly string[]).includes(metric)) throw new Error(`not a metric: ${metric}`);
  const fields = query.metrics.map((metric) => `mean("${metric}") AS "${metric}"`).join(', ');
  const bucket = `${Math.max(60, Math.round(query.bucketMs / 1000))}s`;
  return `SELECT ${fields} FROM "telemetry" WHERE "site" = '${query.site}' AND time >= ${Math.trunc(query.since)}ms AND time <= ${Math.trunc(query.until)}ms GROUP BY time(${bucket}) fill(none)`;
}

/** A site's metrics over a window, one averaged point per bucket, by metric. */
export async function siteSeries(source: ReadingsSource, query: SeriesQuery): Promise<Record<string, Reading[]>> {
  const params = new URLSearchParams({ q: siteSeriesQuery(query), db: source.database, epoch: 'ms' });
  if (source.username) params.set('u', source.username);
  if (source.password) params.set('p', source.password);
  const response = await fetch(`${source.url.replace(/\/$/, '')}/query?${params}`, { headers: source.token ? { authorization: `Token ${source.token}` } : {}, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`InfluxDB answered ${response.status} to a readings query`);
  const body = (await response.json()) as { results?: { series?: { columns: string[]; values: (number | null)[][] }[]; error?: string }[] };
  const error = body.results?.find((r) => r.error)?.error;
  if (error) throw new Error(`InfluxDB: ${error}`);
  const series = body.results?.[0]?.series?.[0];
  const out: Record<string, Reading[]> = Object.fromEntries(query.metrics.map((metric) => [metric, []]));
  if (!series) return out;
  for (const row of series.values) {
    const at = row[0];
    if (typeof at !== 'number') continue;
    series.columns.forEach((column, i) => {
      const value = row[i];
      if (i > 0 && typeof value === 'number') out[column]?.push({ at, value });
    });
  }
  return out;
}
