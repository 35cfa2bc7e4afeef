/**
 * What Grafana does to a panel's InfluxQL before InfluxDB sees it, for tests that run the wall's
 * queries against a real InfluxDB (no Grafana server can be installed on these machines):
 *
 * 1. The frontend picks the interval: the time range over the panel's max data points, rounded
 *    to a "nice" step, at least the panel's min interval or the data source's `timeInterval`
 *    (packages/grafana-data/src/datetime/rangeutil.ts `calculateInterval`, `roundInterval`).
 * 2. The frontend replaces template variables; the InfluxDB data source formats a multi-value
 *    or include-All variable as a regex alternation `(a|b)`, each value regex-escaped, and a
 *    single-valued one as it is (public/app/plugins/datasource/influxdb/datasource.ts
 *    `interpolateQueryExpr`).
 * 3. The backend expands the macros of a raw query (pkg/tsdb/influxdb/models/query.go `Build`):
 *    `$timeFilter` → `time >= <from>ms and time <= <to>ms`, then `$interval`, `$__interval_ms`
 *    and `$__interval`, the interval written as the plugin SDK's gtime.FormatInterval writes it
 *    (whole units, truncated: 90 s is "1m").
 */

export interface TimeRange {
  /** Epoch ms. */
  readonly from: number;
  readonly to: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000 };

/** "20s", "1m", "6h", "1d": Grafana's interval text (rangeutil `describeInterval`), in ms. */
export function intervalMs(text: string): number {
  const match = /^(\d+)(ms|[smhdwMy])$/.exec(text.trim());
  const unit = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
  if (!match || unit === undefined) throw new Error(`not a Grafana interval: "${text}"`);
  return Number(match[1]) * unit;
}

/** `now`, `now-6h`: Grafana's relative time, without rounding (`/d`), in epoch ms. */
export function relativeTime(text: string, now: number): number {
  if (text === 'now') return now;
  const match = /^now-(.+)$/.exec(text);
  if (!match?.[1]) throw new Error(`unsupported relative time "${text}"`);
  return now - intervalMs(match[1]);
}

/** The panel's range: the dashboard's, shifted back by the panel's `timeShift`. */
export function panelRange(range: TimeRange, timeShift?: string): TimeRange {
  const shift = timeShift ? intervalMs(timeShift) : 0;
  return { from: range.from - shift, to: range.to - shift };
}

/** rangeutil.ts `roundInterval`: the step Grafana rounds an interval to, ms. */
export function roundInterval(ms: number): number {
  const steps: readonly [number, number][] = [
    [10, 1], [15, 10], [35, 20], [75, 50], [150, 100], [350, 200], [750, 500], [1500, 1000], [3500, 2000], [7500, 5000],
    [12_500, 10_000], [17_500, 15_000], [25_000, 20_000], [45_000, 30_000], [90_000, 60_000], [210_000, 120_000], [450_000, 300_000],
    [750_000, 600_000], [1_050_000, 900_000], [1_500_000, 1_200_000], [2_700_000, 1_800_000], [5_400_000, 3_600_000], [9_000_000, 7_200_000],
    [16_200_000, 10_800_000], [32_400_000, 21_600_000], [86_400_000, 43_200_000], [604_800_000, 86_400_000], [1_814_400_000, 604_800_000], [3_628_800_000, 2_592_000_000],
  ];
  for (const [below, step] of steps) if (ms < below) return step;
  return 31_536_000_000;
}

/** rangeutil.ts `calculateInterval`: range / max data points, rounded, at least `lowLimit`. */
export function calculateInterval(range: TimeRange, maxDataPoints: number, lowLimit?: string): number {
  const rounded = roundInterval((range.to - range.from) / maxDataPoints);
  const low = lowLimit ? intervalMs(lowLimit) : 1;
  return Math.max(rounded, low);
}

/** grafana-plugin-sdk-go gtime.FormatInterval: the largest whole unit, truncated. */
export function formatInterval(ms: number): string {
  const units: readonly [string, number][] = [['y', 31_536_000_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  for (const [unit, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

/** A template variable's current value, as the dashboard's variable defines it. */
export interface VariableValue {
  readonly value: string | readonly string[];
  readonly multi: boolean;
  readonly includeAll: boolean;
}

/** packages/grafana-data escapeRegex. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

/** The InfluxDB data source's `interpolateQueryExpr`. */
export function formatVariable(variable: VariableValue): string {
  const { value } = variable;
  if (!variable.multi && !variable.includeAll) return typeof value === 'string' ? value : value.join(',');
  if (typeof value === 'string') return escapeRegex(value);
  const escaped = value.map(escapeRegex);
  return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
}

/** templateSrv.replace for the declared variables: `$name`, `${name}`, `[[name]]`; the rest is left. */
export function interpolate(query: string, variables: Readonly<Record<string, VariableValue>>): string {
  return query.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const variable = variables[name];
    return variable ? formatVariable(variable) : whole;
  });
}

/** The backend's macro expansion of a raw InfluxQL query. */
export function expandMacros(query: string, range: TimeRange, interval: number): string {
  const text = formatInterval(interval);
  return query
    .replaceAll('$timeFilter', `time >= ${Math.floor(range.from)}ms and time <= ${Math.floor(range.to)}ms`)
    .replaceAll('$interval', text)
    .replaceAll('$__interval_ms', String(interval))
    .replaceAll('$__interval', text);
}

export interface PanelQueryContext {
  /** The dashboard's time range. */
  readonly range: TimeRange;
  readonly variables: Readonly<Record<string, VariableValue>>;
  /** Grafana sends the panel's width in pixels; the tests use one figure. */
  readonly maxDataPoints: number;
  /** The data source's `jsonData.timeInterval`, the lowest interval where the panel sets none. */
  readonly datasourceInterval?: string;
}

/** A panel's query as InfluxDB receives it. */
export function panelQuery(query: string, panel: { readonly interval?: string; readonly timeShift?: string; readonly maxDataPoints?: number }, context: PanelQueryContext) {
  const range = panelRange(context.range, panel.timeShift);
  const interval = calculateInterval(range, panel.maxDataPoints ?? context.maxDataPoints, panel.interval ?? context.datasourceInterval);
  return { range, interval, query: expandMacros(interpolate(query, context.variables), range, interval) };
}
