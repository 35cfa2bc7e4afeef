/**
 * From a monitored item's DataValue to the ingest's input, pure. A reading becomes the same
 * telemetry message a device would publish over MQTT (`water/{site}/{device}/telemetry`,
 * `{ts, readings: {metric: {value, unit}}}`), so it takes the same path: decode, validate,
 * convert the unit through the metric registry, spool, InfluxDB, rules. Readings of one device
 * with one timestamp share a message.
 *
 * Timestamp policy (`timestamps`): `source` takes the SourceTimestamp, the instrument's, and
 * falls back to the ServerTimestamp when the server sent none; `server` the other way round.
 * With neither, the time of arrival. (OPC 10000-4 §7.7: a server may omit either.)
 */
import type { IncomingPublish } from '../ingest.ts';
import { OPCUA_BAD_STATUS_REASON } from '../dead-letters.ts';
import { classifyStatus, describeStatus } from './status.ts';

export interface ItemValue {
  readonly value: unknown;
  readonly statusCode: number;
  readonly statusName?: string;
  readonly sourceMs?: number;
  readonly serverMs?: number;
}

/** A mapping resolved against the catalog and the server. */
export interface MappedItem {
  readonly site: string;
  readonly device: string;
  readonly metric: string;
  /** NodeId or browse path, as configured. */
  readonly node: string;
  /** The node's EUInformation displayName, when it has one. */
  readonly unit?: string;
}

export type ItemOutcome =
  | { readonly kind: 'reading'; readonly item: MappedItem; readonly ts: number; readonly value: unknown; readonly uncertain: boolean }
  | { readonly kind: 'rejected'; readonly item: MappedItem; readonly publish: IncomingPublish; readonly reason: typeof OPCUA_BAD_STATUS_REASON; readonly detail: string }
  | { readonly kind: 'gone'; readonly item: MappedItem; readonly statusCode: number; readonly detail: string };

export type TimestampPolicy = 'source' | 'server';

/** The reading's event time under the policy. Pure. */
export function readingTime(value: Pick<ItemValue, 'sourceMs' | 'serverMs'>, policy: TimestampPolicy, receivedAt: number): number {
  const [first, second] = policy === 'source' ? [value.sourceMs, value.serverMs] : [value.serverMs, value.sourceMs];
  return first ?? second ?? receivedAt;
}

export function telemetryTopic(item: Pick<MappedItem, 'site' | 'device'>): string {
  return `water/${item.site}/${item.device}/telemetry`;
}

/** What one DataValue means. Pure. */
export function itemOutcome(item: MappedItem, value: ItemValue, policy: TimestampPolicy, accepted: ReadonlySet<number>, receivedAt: number): ItemOutcome {
  const quality = classifyStatus(value.statusCode, accepted);
  const ts = readingTime(value, policy, receivedAt);
  const status = describeStatus(value.statusCode, value.statusName);
  if (quality === 'gone') return { kind: 'gone', item, statusCode: value.statusCode, detail: `${item.node} (${item.device} ${item.metric}) answers ${status}` };
  if (quality === 'bad') {
    const payload = Buffer.from(JSON.stringify({ node: item.node, metric: item.metric, status: value.statusName ?? null, statusCode: value.statusCode, value: typeof value.value === 'number' ? value.value : null, ts }));
    const publish: IncomingPublish = { topic: telemetryTopic(item), payload, deviceId: item.device };
    return { kind: 'rejected', item, publish, reason: OPCUA_BAD_STATUS_REASON, detail: `${item.node} reported ${status}: the value is not usable (OPC 10000-4 §7.39)` };
  }
  return { kind: 'reading', item, ts, value: value.value, uncertain: quality === 'uncertain' };
}

type Reading = Extract<ItemOutcome, { kind: 'reading' }>;

/** Readings grouped into one telemetry message per device and timestamp, with how many each holds. Pure. */
export function telemetryMessages(readings: readonly Reading[]): { readonly publish: IncomingPublish; readonly readings: number }[] {
  const groups = new Map<string, { item: MappedItem; ts: number; readings: Record<string, unknown>; quality: Record<string, 'uncertain'> }>();
  for (const reading of readings) {
    const key = `${reading.item.device}\u0000${reading.ts}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { item: reading.item, ts: reading.ts, readings: {}, quality: {} }));
    const { metric, unit } = reading.item;
    group.readings[metric] = unit === undefined ? reading.value : { value: reading.value, unit };
    if (reading.uncertain) group.quality[metric] = 'uncertain';
  }
  return [...groups.values()].map((group) => {
    const message = Object.keys(group.quality).length > 0 ? { ts: group.ts, readings: group.readings, quality: group.quality } : { ts: group.ts, readings: group.readings };
    const publish: IncomingPublish = { topic: telemetryTopic(group.item), payload: Buffer.from(JSON.stringify(message)), qos: 1, deviceId: group.item.device };
    return { publish, readings: Object.keys(group.readings).length };
  });
}
