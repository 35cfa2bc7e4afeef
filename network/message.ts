/**
 * The telemetry payload of the wire contract (README.md, "Wire contract in one glance"):
 *   {"ts": 1764324000000, "seq": 17, "readings": {"turbidity": 0.31, "pressure": {"value": 0.32, "unit": "MPa"}}}
 *   {"samples": [{"ts": "2026-11-28T10:00:00Z", "readings": {"free_chlorine": 0.42}}, ...]}
 * The envelope is checked as a whole; readings are checked one by one (ingest/decode.ts) so a
 * bad reading does not spoil the good ones beside it.
 */
import { z } from 'zod';

/** Largest accepted payload: 64 KiB (the wire contract; README.md, "Wire contract in one glance"). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** RFC 3339 date-time, e.g. 2026-11-28T10:00:00Z or 2026-11-28T18:00:00.250+08:00. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export const timestampSchema = z.union([
  z.number().int().nonnegative().describe('Epoch milliseconds'),
  z.string().regex(RFC3339, 'an RFC 3339 date-time with a zone').describe('RFC 3339 date-time'),
]);

export const readingValueSchema = z.union([
  z.number().describe('Value in the metric canonical unit'),
  z.strictObject({ value: z.number(), unit: z.string().max(16) }).describe('Value in any unit the registry converts'),
]);
export type ReadingValue = z.infer<typeof readingValueSchema>;

const readings = z.record(z.string().max(64), z.unknown()).describe('Metric name → reading');

export const sampleSchema = z.object({
  ts: timestampSchema,
  seq: z.number().int().nonnegative().optional().describe('Per-device sequence number, increasing'),
  readings,
  quality: z
    .record(z.string().max(64), z.literal('uncertain'))
    .optional()
    .describe('Readings whose source flagged them Uncertain (an OPC UA StatusCode, OPC 10000-4 §7.39): stored with a `<metric>_quality` field'),
});

/**
 * A batch of samples: loggers typically sample every minute and upload every 15 min to 2 h in
 * batches (practice; not from a standard).
 */
export const batchSchema = z.object({ samples: z.array(sampleSchema).min(1).max(10_000) });

/** Unknown keys beside `ts`, `seq`, `readings` and `samples` are ignored, so firmware may add metadata. */
export const telemetryMessageSchema = z.union([sampleSchema, batchSchema]);
export type TelemetryMessage = z.infer<typeof telemetryMessageSchema>;
export type Sample = z.infer<typeof sampleSchema>;

/** Epoch milliseconds of a wire timestamp (already schema-checked). */
export function timestampMs(ts: number | string): number {
  return typeof ts === 'number' ? ts : Date.parse(ts);
}

export const deviceStatuses = ['online', 'offline'] as const;
export type DeviceStatus = (typeof deviceStatuses)[number];
