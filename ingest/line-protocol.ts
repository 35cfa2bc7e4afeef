/**
 * InfluxDB line protocol for the `telemetry` measurement (shared/DESIGN.md, "InfluxDB schema"):
 *   telemetry,device=…,site=…,site_kind=…,township=…,village=…,zone=… pressure=312.4,turbidity=0.21 1764324000000
 * Tags come from the catalog only; one float field per metric; millisecond timestamps.
 */
import type { Device } from '../network/catalog.ts';
import type { TelemetryPoint } from './decode.ts';

/** Escapes a measurement, tag key or tag value (commas, spaces, equals signs). */
export function escapeKey(text: string): string {
  return text.replace(/[,= \\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n');
}

/** Escapes a string field value. */
export function escapeString(text: string): string {
  return `"${text.replace(/["\\]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** `measurement,k=v,…` with tags sorted by key, as InfluxDB prefers. Pure. */
export function seriesPrefix(measurement: string, tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags)
    .filter((k) => tags[k] !== '')
    .sort();
  return [escapeKey(measurement), ...keys.map((k) => `${escapeKey(k)}=${escapeKey(tags[k] ?? '')}`)].join(',');
}

/** Floats are written with full precision; integers keep no `i` suffix so the field stays a float. */
export function formatFloat(value: number): string {
  return String(value);
}

const prefixes = new WeakMap<Device, string>();

function telemetryPrefix(device: Device): string {
  let prefix = prefixes.get(device);
  if (prefix === undefined) {
    prefix = seriesPrefix('telemetry', device.tags);
    prefixes.set(device, prefix);
  }
  return prefix;
}

export function telemetryLine(point: TelemetryPoint): string {
  let fields = '';
  for (const [metric, value] of point.values) fields += `${fields ? ',' : ''}${metric}=${formatFloat(value)}`;
  return `${telemetryPrefix(point.device)} ${fields} ${point.ts}`;
}
