/**
 * Decodes one MQTT telemetry publish into accepted points and rejections. Pure: no I/O, the
 * clock is an argument. Every rule of the wire contract (README.md, "Wire contract in one glance";
 * the rejection reasons of ingest/README.md) is checked here.
 */
import type { Catalog, Device } from '../network/catalog.ts';
import { batchSchema, MAX_PAYLOAD_BYTES, sampleSchema, timestampMs, type Sample } from '../network/message.ts';
import { isMetricName, toCanonical, type MetricName } from '../network/metrics.ts';
import { parseTopic, type DeviceTopic } from '../network/topic.ts';

export const rejectReasons = [
  'oversize',
  'invalid_topic',
  'unknown_device',
  'topic_mismatch',
  'invalid_utf8',
  'invalid_json',
  'invalid_envelope',
  'invalid_timestamp',
  'future_timestamp',
  'ancient_timestamp',
  'empty_readings',
  'unknown_metric',
  'undeclared_metric',
  'invalid_value',
  'unknown_unit',
  'non_finite',
  'out_of_range',
] as const;
export type RejectReason = (typeof rejectReasons)[number];

export interface Rejection {
  readonly reason: RejectReason;
  readonly detail: string;
  /** The metric concerned, when one reading was rejected rather than the whole message. */
  readonly metric?: string;
}

/** One accepted sample of one device: canonical values at one event time. */
export interface TelemetryPoint {
  readonly device: Device;
  /** Event time, epoch milliseconds. */
  readonly ts: number;
  readonly seq?: number;
  readonly values: ReadonlyMap<MetricName, number>;
  /** Metrics whose source flagged them Uncertain (OPC UA); absent when none. */
  readonly uncertain?: ReadonlySet<MetricName>;
}

export interface DecodeLimits {
  /** Readings stamped further ahead than this are rejected (clock skew allowance). */
  readonly maxFutureMs: number;
  /** Readings older than this are rejected (retention horizon). */
  readonly maxAgeMs: number;
}

/**
 * `ts` more than 5 minutes in the future, or older than the retention horizon (30 days), is
 * rejected (`future_timestamp`, `ancient_timestamp`: ingest/README.md, "Rejection reasons").
 */
export const DEFAULT_LIMITS: DecodeLimits = { maxFutureMs: 5 * 60_000, maxAgeMs: 30 * 86_400_000 };

export interface Decoded {
  /** Device resolved from the topic, when it is in the catalog. */
  readonly device?: Device;
  readonly points: TelemetryPoint[];
  readonly rejections: Rejection[];
}

const reject = (reason: RejectReason, detail: string, metric?: string): Rejection =>
  metric === undefined ? { reason, detail } : { reason, detail, metric };

export function decodeTelemetry(
  catalog: Catalog,
  topic: string,
  payload: Uint8Array,
  receivedAt: number,
  limits: DecodeLimits = DEFAULT_LIMITS,
): Decoded {
  const parsedTopic = parseTopic(topic);
  if (!parsedTopic.ok) return failed(reject('invalid_topic', parsedTopic.detail));
  return decodeDeviceTelemetry(catalog, parsedTopic.topic, payload, receivedAt, limits);
}

/** As `decodeTelemetry`, for a topic already parsed (the ingest parses it once per message). */
export function decodeDeviceTelemetry(catalog: Catalog, topic: DeviceTopic, payload: Uint8Array, receivedAt: number, limits: DecodeLimits): Decoded {
  const { site, device: deviceId } = topic;
  const device = catalog.device(deviceId);
  if (!device) return failed(reject('unknown_device', `device "${deviceId}" is not in the catalog`));
  if (device.site.id !== site) {
    return failed(reject('topic_mismatch', `device ${deviceId} is at site ${device.site.id}, not ${site}`), device);
  }
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return failed(reject('oversize', `payload is ${payload.byteLength} bytes, limit ${MAX_PAYLOAD_BYTES}`), device);
  }
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(payload));
  } catch (error) {
    const reason = error instanceof TypeError ? 'invalid_utf8' : 'invalid_json';
    return failed(reject(reason, reason === 'invalid_utf8' ? 'payload is not valid UTF-8' : (error as Error).message), device);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return failed(reject('invalid_envelope', `payload is ${describe(document)}, not an object`), device);
  }
  const points: TelemetryPoint[] = [];
  const rejections: Rejection[] = [];
  // Fast path for the common shape {ts: epoch ms, seq?, readings: {...}}; everything else goes
  // through the zod schema, which also words the errors.
  const common = document as { ts?: unknown; seq?: unknown; readings?: unknown; samples?: unknown };
  if (isCommonSample(common)) {
    decodeSample(device, common, receivedAt, limits, points, rejections);
    return { device, points, rejections };
  }
  // Pick the branch by its key so errors name the field at fault, not "no union member matched".
  const envelope = ('samples' in common ? batchSchema : sampleSchema).safeParse(document);
  if (!envelope.success) {
    const timestampIssue = envelope.error.issues.some((issue) => issue.path.at(-1) === 'ts');
    const detail = envelope.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return failed(reject(timestampIssue ? 'invalid_timestamp' : 'invalid_envelope', detail.slice(0, 500)), device);
  }
  // Readings are read from the document itself: zod's record output drops keys such as
  // "__proto__", which must be reported as unknown metrics, not silently lost.
  const samples = 'samples' in envelope.data ? envelope.data.samples : [envelope.data];
  const rawSamples = Array.isArray(common.samples) ? (common.samples as { readings: Record<string, unknown> }[]) : [common as { readings: Record<string, unknown> }];
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    const raw: Sample = { ts: sample.ts, readings: rawSamples[i]?.readings ?? {} };
    if (sample.seq !== undefined) raw.seq = sample.seq;
    if (sample.quality !== undefined) raw.quality = sample.quality;
    decodeSample(device, raw, receivedAt, limits, points, rejections);
  }
  return { device, points, rejections };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The shape nearly every device sends, checked by hand: what sampleSchema accepts with a numeric ts. */
function isCommonSample(doc: { ts?: unknown; seq?: unknown; readings?: unknown; samples?: unknown }): doc is Sample & { ts: number } {
  const { ts, seq, readings } = doc;
  return (
    doc.samples === undefined &&
    (doc as { quality?: unknown }).quality === undefined &&
    typeof ts === 'number' &&
    Number.isSafeInteger(ts) &&
    ts >= 0 &&
    (seq === undefined || (typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 0)) &&
    typeof readings === 'object' &&
    readings !== null &&
    !Array.isArray(readings) &&
    Object.keys(readings).every((key) => key.length <= 64)
  );
}

function failed(rejection: Rejection, device?: Device): Decoded {
  return device ? { device, points: [], rejections: [rejection] } : { points: [], rejections: [rejection] };
}

function decodeSample(
  device: Device,
  sample: Sample,
  receivedAt: number,
  limits: DecodeLimits,
  points: TelemetryPoint[],
  rejections: Rejection[],
): void {
  const ts = timestampMs(sample.ts);
  if (!Number.isFinite(ts)) return void rejections.push(reject('invalid_timestamp', `ts ${JSON.stringify(sample.ts)} is not a date`));
  if (ts > receivedAt + limits.maxFutureMs) {
    return void rejections.push(reject('future_timestamp', `ts ${new Date(ts).toISOString()} is more than ${limits.maxFutureMs / 60_000} min ahead`));
  }
  if (ts < receivedAt - limits.maxAgeMs) {
    return void rejections.push(reject('ancient_timestamp', `ts ${new Date(ts).toISOString()} is older than the retention horizon`));
  }
  const values = new Map<MetricName, number>();
  for (const [metric, raw] of Object.entries(sample.readings)) {
    const outcome = decodeReading(device, metric, raw);
    if ('reason' in outcome) rejections.push(outcome);
    else values.set(outcome.metric, outcome.value);
  }
  if (values.size > 0) {
    const point: { device: Device; ts: number; seq?: number; values: Map<MetricName, number>; uncertain?: Set<MetricName> } = { device, ts, values };
    if (sample.seq !== undefined) point.seq = sample.seq;
    const uncertain = sample.quality && Object.keys(sample.quality).filter((m): m is MetricName => values.has(m as MetricName));
    if (uncertain && uncertain.length > 0) point.uncertain = new Set(uncertain);
    points.push(point);
  }
  else if (Object.keys(sample.readings).length === 0) rejections.push(reject('empty_readings', 'sample has no readings'));
}

function decodeReading(device: Device, metric: string, raw: unknown): Rejection | { metric: MetricName; value: number } {
  if (!isMetricName(metric)) return reject('unknown_metric', `"${metric.slice(0, 64)}" is not a metric of the registry`, metric);
  if (!device.metrics.has(metric)) return reject('undeclared_metric', `device ${device.id} does not declare ${metric}`, metric);
  let value: unknown = raw;
  let unit: string | undefined;
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    const { value: v, unit: u } = raw as { value?: unknown; unit?: unknown };
    if (typeof u !== 'string' || keys.length !== 2 || !keys.includes('value')) {
      return reject('invalid_value', `${metric} must be a number or {value, unit}`, metric);
    }
    value = v;
    unit = u;
  }
  if (typeof value !== 'number') return reject('invalid_value', `${metric} is ${describe(value)}, not a number`, metric);
  const converted = toCanonical(metric, value, unit);
  if (!converted.ok) return reject(converted.reason, converted.detail, metric);
  return { metric, value: converted.value };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 32))}`;
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
