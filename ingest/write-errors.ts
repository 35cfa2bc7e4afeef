/**
 * What to do when InfluxDB refuses a write. Pure, table-tested.
 * - 429 and 5xx, timeouts and connection errors: transient; retry after `Retry-After` when the
 *   server sent one, else after an exponential backoff with jitter.
 * - 400 (bad line, field type conflict), 413 (too large), 422 (outside retention): the same lines
 *   will never succeed; split the batch to find them and dead-letter only those.
 * - 401/403/404 (credentials, missing database or bucket): a configuration fault, not bad data;
 *   keep the lines and retry until an operator fixes it.
 */
import { retryDelay } from '../network/backoff.ts';

export type WriteVerdict = { kind: 'retry'; afterMs: number } | { kind: 'reject'; status: number; detail: string };

/** The replayer's retry settings (replayerSchema), in network/backoff.ts terms. */
export interface WriteRetryPolicy {
  readonly minRetryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** 0..1: the delay is drawn from [d × (1 − jitter), d]. */
  readonly jitter: number;
}

export interface WriteFailure {
  readonly statusCode?: number;
  readonly retryAfterMs?: number;
  readonly message: string;
}

const PERMANENT = new Set([400, 413, 422]);

/** Whether InfluxDB will refuse the same lines again (400, 413, 422); everything else is transient. */
export function isPermanentWriteFailure(failure: WriteFailure): boolean {
  return failure.statusCode !== undefined && PERMANENT.has(failure.statusCode);
}

/** `attempt` counts failures of this batch so far, 1 for the first. `random` is in [0, 1). */
export function classifyWriteFailure(failure: WriteFailure, attempt: number, policy: WriteRetryPolicy, random: number): WriteVerdict {
  const status = failure.statusCode;
  if (status !== undefined && isPermanentWriteFailure(failure)) return { kind: 'reject', status, detail: failure.message };
  const backoff = { minMs: policy.minRetryDelayMs, maxMs: policy.maxRetryDelayMs, jitter: policy.jitter };
  return { kind: 'retry', afterMs: retryDelay(attempt, backoff, random, failure.retryAfterMs) };
}

/** Reads status and Retry-After from an error of @influxdata/influxdb-client (HttpError) or the network. */
export function writeFailureOf(error: unknown): WriteFailure {
  const e = error as { statusCode?: unknown; retryAfter?: () => number; message?: unknown; headers?: Record<string, unknown> } | undefined;
  const failure: { statusCode?: number; retryAfterMs?: number; message: string } = { message: String(e?.message ?? error) };
  if (typeof e?.statusCode === 'number') failure.statusCode = e.statusCode;
  // HttpError.retryAfter() is the Retry-After header in seconds (0 when absent or a date).
  const seconds = typeof e?.retryAfter === 'function' ? e.retryAfter() : Number(e?.headers?.['retry-after']);
  if (Number.isFinite(seconds) && seconds > 0) failure.retryAfterMs = seconds * 1000;
  return failure;
}
