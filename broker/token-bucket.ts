/**
 * Per-device publish rate limit: a token bucket, pure. A device reporting every 1-15 minutes never
 * meets it; a device in a loop (firmware bug, replay gone wrong, stolen credentials) is slowed
 * down first and disconnected only when it would have to wait longer than `maxDelayMs`.
 *
 * Slowing down is back-pressure, not loss: the broker holds the publish in `authorizePublish`,
 * and Aedes, which runs `authorizePublish` for every publish parsed from one socket read, reads
 * nothing more from that socket until they all called back (broker/README.md, "Limits",
 * `rateLimit`), so the device's TCP window fills and it waits.
 */
import { z } from 'zod';

export const rateLimitSchema = z
  .object({
    messagesPerSecond: z.number().positive().default(50).describe('Sustained publishes a second one device may send (all its connections together)'),
    burst: z.number().int().min(1).default(200).describe('Publishes a device may send at once after a quiet spell (bucket size), e.g. a backlog after an outage'),
    maxDelayMs: z
      .number()
      .int()
      .nonnegative()
      .default(5000)
      .describe('Longest a publish is held for a token, ms; a publish that would wait longer disconnects the device (0: never hold, disconnect at once)'),
  });
export type RateLimit = z.infer<typeof rateLimitSchema>;

/** Tokens may go below zero: each negative token is a publish already promised a later slot. */
export interface Bucket {
  readonly tokens: number;
  readonly atMs: number;
}

export type Admission =
  | { readonly kind: 'now' }
  | { readonly kind: 'delayed'; readonly waitMs: number }
  | { readonly kind: 'refused'; readonly waitMs: number };

/** A device seen for the first time starts with a full bucket. */
export function fullBucket(limit: RateLimit, nowMs: number): Bucket {
  return { tokens: limit.burst, atMs: nowMs };
}

/** Takes one token for a publish arriving at `nowMs`: now, after a wait, or not at all. */
export function admit(bucket: Bucket, limit: RateLimit, nowMs: number): { bucket: Bucket; admission: Admission } {
  const elapsedMs = Math.max(0, nowMs - bucket.atMs);
  const tokens = Math.min(limit.burst, bucket.tokens + (elapsedMs * limit.messagesPerSecond) / 1000);
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, atMs: nowMs }, admission: { kind: 'now' } };
  const waitMs = Math.ceil(((1 - tokens) * 1000) / limit.messagesPerSecond);
  // A refused publish takes no token: the device is disconnected, its reservation would only
  // punish its next connection.
  if (waitMs > limit.maxDelayMs) return { bucket: { tokens, atMs: nowMs }, admission: { kind: 'refused', waitMs } };
  return { bucket: { tokens: tokens - 1, atMs: nowMs }, admission: { kind: 'delayed', waitMs } };
}
