/**
 * What happens to an outbox row after a send, pure: delivered; tried again after a backoff that
 * honours `Retry-After` (transient) or after the peer's throttle (throttled); given up for good
 * (permanent, or still failing `giveUpAfter` after it was due) and kept with its reason; or, on
 * the fallback channel's way (DingTalk → SMS), sent there instead once DingTalk failed for good or
 * has not delivered within `fallback.after`.
 */
import { retryDelay } from '../../network/backoff.ts';
import type { OutboxOutcome, OutboxRow } from '../tickets/outbox.ts';
import type { ChannelKind, SendResult } from './channel.ts';
import type { NotifyPolicy } from './policy.ts';

export interface OutcomeContext {
  readonly channel: ChannelKind;
  readonly now: number;
  readonly policy: NotifyPolicy;
  /** [0, 1), for the retry jitter. */
  readonly random: number;
  /** Whether the fallback channel can reach this row's recipient. */
  readonly fallbackReaches: boolean;
}

export function outcomeOf(result: SendResult, row: Pick<OutboxRow, 'attempts' | 'notBefore'>, context: OutcomeContext): OutboxOutcome {
  const { now, policy } = context;
  if (result.ok) return { state: 'sent', at: now, detail: result.detail };
  const reason = `${result.failure}: ${result.reason}`.slice(0, 500);
  const canFallBack = context.channel === policy.fallback.from && policy.fallback.to !== context.channel && context.fallbackReaches;
  const fallBack = (why: string): OutboxOutcome => ({ state: 'fallen_back', at: now, detail: `${reason}; ${why}, sent by ${policy.fallback.to} instead`, channel: policy.fallback.to });
  if (result.failure === 'permanent') return canFallBack ? fallBack('failed for good') : { state: 'failed', at: now, detail: reason };
  const wait = result.failure === 'throttled' ? (result.retryAfterMs ?? policy.retry.maxMs) : retryDelay(row.attempts + 1, { minMs: policy.retry.minMs, maxMs: policy.retry.maxMs, jitter: policy.retry.jitter }, context.random, result.retryAfterMs);
  const nextAttemptAt = now + wait;
  if (canFallBack && nextAttemptAt - row.notBefore > policy.fallback.after) return fallBack(`not delivered within ${Math.round(policy.fallback.after / 60_000)} min`);
  if (now - row.notBefore > policy.giveUpAfter) return { state: 'failed', at: now, detail: `${reason}; given up after ${Math.round(policy.giveUpAfter / 3_600_000)} h` };
  return { state: 'retry', at: now, nextAttemptAt, detail: reason };
}
