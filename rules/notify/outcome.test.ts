import { describe, expect, it } from 'vitest';
import type { SendResult } from './channel.ts';
import { outcomeOf, type OutcomeContext } from './outcome.ts';
import { notifyPolicySchema } from './policy.ts';

const NOW = 1_000_000_000;
const policy = notifyPolicySchema.parse({ retry: { minMs: 5000, maxMs: 600_000, jitter: 0 }, fallback: { after: '15m' }, giveUpAfter: '24h' });
const context = (overrides: Partial<OutcomeContext> = {}): OutcomeContext => ({ channel: 'dingtalk', now: NOW, policy, random: 0, fallbackReaches: true, ...overrides });
const row = (attempts: number, dueMinutesAgo = 0) => ({ attempts, notBefore: NOW - dueMinutesAgo * 60_000 });
const failure = (kind: 'transient' | 'throttled' | 'permanent', retryAfterMs?: number): SendResult => ({ ok: false, failure: kind, reason: 'x', ...(retryAfterMs !== undefined && { retryAfterMs }) });

describe('what happens to a row after a send', () => {
  it('is sent when the peer took it', () => {
    expect(outcomeOf({ ok: true, detail: 'ok' }, row(0), context())).toEqual({ state: 'sent', at: NOW, detail: 'ok' });
  });

  it.each([
    [0, 5000],
    [1, 10_000],
    [3, 40_000],
    [20, 600_000],
  ])('retries a transient failure after an exponential backoff (attempts so far %i → %i ms)', (attempts, wait) => {
    expect(outcomeOf(failure('transient'), row(attempts), context({ channel: 'email' }))).toMatchObject({ state: 'retry', nextAttemptAt: NOW + wait });
  });

  it('honours Retry-After, and waits out a throttle', () => {
    expect(outcomeOf(failure('transient', 42_000), row(0), context({ channel: 'email' }))).toMatchObject({ state: 'retry', nextAttemptAt: NOW + 42_000 });
    expect(outcomeOf(failure('throttled', 60_000), row(0), context())).toMatchObject({ state: 'retry', nextAttemptAt: NOW + 60_000 });
  });

  it('falls back from DingTalk to SMS when DingTalk refuses for good, or would not deliver within 15 minutes', () => {
    expect(outcomeOf(failure('permanent'), row(0), context())).toMatchObject({ state: 'fallen_back', channel: 'sms' });
    expect(outcomeOf(failure('throttled', 600_000), row(0), context())).toMatchObject({ state: 'retry' }); // delivered 10 min after it was due: within 15
    expect(outcomeOf(failure('throttled', 600_000), row(0, 6), context())).toMatchObject({ state: 'fallen_back', channel: 'sms' }); // 16 min: past 15
    expect(outcomeOf(failure('throttled', 60_000), row(0, 1), context())).toMatchObject({ state: 'retry' });
  });

  it('does not fall back when SMS cannot reach the person, or from another channel', () => {
    expect(outcomeOf(failure('permanent'), row(0), context({ fallbackReaches: false }))).toMatchObject({ state: 'failed' });
    expect(outcomeOf(failure('permanent'), row(0), context({ channel: 'email' }))).toMatchObject({ state: 'failed' });
  });

  it('gives up, keeping the reason, a notice still failing a day after it was due', () => {
    expect(outcomeOf(failure('transient'), row(30, 24 * 60 + 1), context({ channel: 'email' }))).toMatchObject({ state: 'failed', detail: expect.stringMatching(/given up after 24 h/) });
  });
});
