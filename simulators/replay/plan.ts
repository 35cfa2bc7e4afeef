/**
 * Dataset replay, the pure part: recorded samples of one station (canonical values, each with
 * its own timestamp) → the wire messages one catalog device publishes for them (DESIGN.md, "The
 * wire contract"), in time order, each with the instant it is due. Text in, messages out; no
 * clock, no network (the adapter is dataset-replay.ts).
 *
 * - Only the metrics the device's catalog entry declares are sent (ingest refuses the others as
 *   `undeclared_metric`); what was left out is counted per metric.
 * - A row whose timestamp is not after the previous one (a duplicate or a step back) is counted
 *   and left out: a device's readings increase in time, and a duplicate would overwrite the
 *   same InfluxDB point anyway.
 * - A row with no value the device declares is a gap, counted, not a message.
 * - Timestamps keep their spacing; `shiftMs` moves them all (0 keeps the data's own times).
 */
import type { MetricName } from '../../network/metrics.ts';

/** One recorded row: its instant (epoch ms, the data's own time line) and canonical values. */
export interface RecordedSample {
  readonly ts: number;
  readonly values: ReadonlyMap<MetricName, number>;
}

/** One MQTT publish of the replay. */
export interface WireMessage {
  /** Shifted epoch ms at which it is due: its (last) sample's timestamp, when a logger would upload it. */
  readonly dueMs: number;
  /** The telemetry payload: `{ts, seq, readings}`, or `{samples: [...]}` for a batch. */
  readonly payload: string;
  /** Samples (rows) it carries. */
  readonly samples: number;
}

export interface ReplayPlanOptions {
  /** Metrics the device declares. */
  readonly metrics: ReadonlySet<MetricName>;
  /** Added to every timestamp, ms (0 = the data's own times). */
  readonly shiftMs: number;
  /** Keep rows at or after this instant of the data's own time line, epoch ms. */
  readonly fromMs?: number | undefined;
  /** Keep rows before this instant of the data's own time line, epoch ms. */
  readonly toMs?: number | undefined;
  /** Samples per message: 1 = one telemetry message a row, more = `samples` batches. */
  readonly batch: number;
}

export interface ReplayPlan {
  readonly messages: WireMessage[];
  /** Rows sent (each once). */
  readonly readings: number;
  /** Rows in the from/to window with no declared value. */
  readonly gaps: number;
  /** Rows left out for a timestamp not after the previous row's. */
  readonly outOfOrder: number;
  /** Values left out because the device does not declare their metric, per metric. */
  readonly undeclared: Partial<Record<MetricName, number>>;
  /** Shifted timestamps of the first and last rows sent (undefined when none is). */
  readonly firstMs?: number;
  readonly lastMs?: number;
}

/** Rows inside [fromMs, toMs) of the data's own time line. Pure. */
export function withinWindow<S extends RecordedSample>(samples: readonly S[], fromMs?: number, toMs?: number): S[] {
  return samples.filter((s) => (fromMs === undefined || s.ts >= fromMs) && (toMs === undefined || s.ts < toMs));
}

export type TimeShift = { readonly keepTime: true } | { readonly keepTime: false; readonly startMs?: number | undefined };

/**
 * The shift that puts the first row at `startMs`; by default at `nowMs` minus the rows' span,
 * so that the last row is due at the moment the replay started, and, paced at any speed ≥ 1,
 * no timestamp is ever ahead of the wall clock (ingest refuses readings more than 5 minutes in
 * the future). `keepTime`: 0. Pure.
 */
export function timeShiftMs(firstMs: number, lastMs: number, shift: TimeShift, nowMs: number): number {
  if (shift.keepTime) return 0;
  const startMs = shift.startMs ?? nowMs - (lastMs - firstMs);
  return startMs - firstMs;
}

type Reading = { readonly ts: number; readonly readings: Partial<Record<MetricName, number>> };

/** Builds the messages of one device from its recorded rows (in file order). Pure. */
export function replayPlan(samples: readonly RecordedSample[], options: ReplayPlanOptions): ReplayPlan {
  const undeclared: Partial<Record<MetricName, number>> = {};
  const kept: Reading[] = [];
  let gaps = 0;
  let outOfOrder = 0;
  let previousTs = -Infinity;
  for (const sample of withinWindow(samples, options.fromMs, options.toMs)) {
    if (sample.ts <= previousTs) {
      outOfOrder++;
      continue;
    }
    previousTs = sample.ts;
    const readings: Partial<Record<MetricName, number>> = {};
    let declared = 0;
    for (const [metric, value] of sample.values) {
      if (options.metrics.has(metric)) {
        readings[metric] = value;
        declared++;
      } else undeclared[metric] = (undeclared[metric] ?? 0) + 1;
    }
    if (declared === 0) gaps++;
    else kept.push({ ts: sample.ts + options.shiftMs, readings });
  }
  const messages = options.batch <= 1 ? kept.map((r, seq) => single(r, seq)) : batches(kept, options.batch);
  const bounds = kept.length === 0 ? {} : { firstMs: kept[0]!.ts, lastMs: kept.at(-1)!.ts };
  return { messages, readings: kept.length, gaps, outOfOrder, undeclared, ...bounds };
}

function single(reading: Reading, seq: number): WireMessage {
  return { dueMs: reading.ts, payload: JSON.stringify({ ts: reading.ts, seq, readings: reading.readings }), samples: 1 };
}

function batches(readings: readonly Reading[], size: number): WireMessage[] {
  const messages: WireMessage[] = [];
  for (let i = 0; i < readings.length; i += size) {
    const group = readings.slice(i, i + size);
    messages.push({ dueMs: group.at(-1)!.ts, payload: JSON.stringify({ samples: group }), samples: group.length });
  }
  return messages;
}
