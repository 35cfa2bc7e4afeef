/**
 * InfluxDB line protocol for Clearwater's three measurements, the one encoder of the project
 * (InfluxDB 1.x/2.x "Line protocol" reference: `measurement,tag=v field=v timestamp`):
 *
 *   telemetry,device=…,site=…,site_kind=…,township=…,village=…,zone=… pressure=312.4,turbidity=0.21 1764324000000
 *   ticket,change=opened,rule=…,severity=warning,site=…,state=open,tier=village,village=… ticket_id=17i,value=3.2 1764324000000
 *   pipeline messages=120i,readings_accepted=340i,… 1764324000000
 *
 * - `telemetry`: tags from the catalog only (never from a payload), one float field per metric.
 * - `ticket`: one point per ticket change (an audit event), for Grafana annotations.
 * - `pipeline`: the process's own health, integer counters and gauges.
 *
 * Timestamps are epoch milliseconds (the writer sends `precision=ms`). Tags are sorted by key,
 * as InfluxDB prefers; empty tag values are left out (InfluxDB refuses them).
 */
import type { Device } from './catalog.ts';
import type { MetricName } from './metrics.ts';

/** Escapes a measurement, tag key or tag value (commas, spaces, equals signs, backslashes). */
export function escapeKey(text: string): string {
  return text.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
}

/** Quotes and escapes a string field value. */
export function escapeString(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** `measurement,k=v,…` with tags sorted by key; empty values are left out. Pure. */
export function seriesPrefix(measurement: string, tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags)
    .filter((k) => tags[k] !== '')
    .sort();
  return [escapeKey(measurement), ...keys.map((k) => `${escapeKey(k)}=${escapeKey(tags[k] ?? '')}`)].join(',');
}

/** Floats keep full precision and no `i` suffix, so a whole number stays a float field. */
export function formatFloat(value: number): string {
  return String(value);
}

/** One validated telemetry point: a catalog device, event time, canonical values. */
export interface TelemetryPointLike {
  readonly device: Device;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly values: ReadonlyMap<MetricName, number>;
  /** Metrics flagged Uncertain by their source: a string field `<metric>_quality="uncertain"` beside the value. */
  readonly uncertain?: ReadonlySet<MetricName>;
}

const telemetryPrefixes = new WeakMap<Device, string>();

function telemetryPrefix(device: Device): string {
  let prefix = telemetryPrefixes.get(device);
  if (prefix === undefined) {
    prefix = seriesPrefix('telemetry', device.tags);
    telemetryPrefixes.set(device, prefix);
  }
  return prefix;
}

/** The `telemetry` line of a point; the device's tag prefix is computed once per device. Pure. */
export function telemetryLine(point: TelemetryPointLike): string {
  let fields = '';
  for (const [metric, value] of point.values) fields += `${fields ? ',' : ''}${metric}=${formatFloat(value)}`;
  if (point.uncertain) for (const metric of point.uncertain) fields += `,${metric}_quality="uncertain"`;
  return `${telemetryPrefix(point.device)} ${fields} ${point.ts}`;
}

/** One ticket change as an annotation point. */
export interface TicketPoint {
  readonly ticketId: number;
  readonly ruleId: string;
  readonly site: string;
  readonly village: string | null;
  /** The ticket's severity and state after the change. */
  readonly severity: string;
  readonly state: string;
  readonly tier: string;
  /** What happened: the audit event type (opened, acknowledged, tier_raised, …). */
  readonly change: string;
  /** The reading behind the change, canonical unit; absent for people's changes. */
  readonly value: number | null;
  /** When the change happened, epoch ms. */
  readonly at: number;
}

/**
 * The `ticket` line of a change. `change` is a tag, so two changes of one ticket in the same
 * millisecond (opened, then suppressed by a silence) stay two points. Pure.
 */
export function ticketLine(point: TicketPoint): string {
  const tags: Record<string, string> = { rule: point.ruleId, severity: point.severity, site: point.site, state: point.state, tier: point.tier, change: point.change };
  if (point.village !== null) tags.village = point.village;
  const value = point.value === null || !Number.isFinite(point.value) ? '' : `,value=${formatFloat(point.value)}`;
  return `${seriesPrefix('ticket', tags)} ticket_id=${point.ticketId}i${value} ${point.at}`;
}

/**
 * The `pipeline` line: integer counters and gauges by field name, tagged with the process that
 * wrote them (`instance`), so that several instances' counters stay apart. Pure.
 */
export function pipelineLine(instance: string, fields: Readonly<Record<string, number>>, at: number): string {
  const encoded = Object.entries(fields).map(([name, value]) => `${escapeKey(name)}=${Math.round(value)}i`);
  return `${seriesPrefix('pipeline', { instance })} ${encoded.join(',')} ${at}`;
}
