import { describe, expect, it } from 'vitest';
import { classifyWriteFailure, writeFailureOf } from './write-errors.ts';

const policy = { minRetryDelayMs: 1000, maxRetryDelayMs: 60_000, jitter: 0.2 };

describe('classifyWriteFailure', () => {
  it.each([
    [{ statusCode: 400, message: 'partial write: field type conflict' }, 'reject'],
    [{ statusCode: 413, message: 'too large' }, 'reject'],
    [{ statusCode: 422, message: 'points beyond retention policy' }, 'reject'],
    [{ statusCode: 404, message: 'database not found' }, 'retry'],
    [{ statusCode: 401, message: 'unauthorized' }, 'retry'],
    [{ statusCode: 429, message: 'slow down' }, 'retry'],
    [{ statusCode: 503, message: 'unavailable' }, 'retry'],
    [{ message: 'connect ECONNREFUSED' }, 'retry'],
  ])('%o → %s', (failure, kind) => {
    expect(classifyWriteFailure(failure, 1, policy, 0).kind).toBe(kind);
  });

  it('honours Retry-After, capped by the longest delay', () => {
    expect(classifyWriteFailure({ statusCode: 503, retryAfterMs: 7000, message: '' }, 1, policy, 0.9)).toEqual({ kind: 'retry', afterMs: 7000 });
    expect(classifyWriteFailure({ statusCode: 429, retryAfterMs: 3_600_000, message: '' }, 1, policy, 0)).toEqual({ kind: 'retry', afterMs: 60_000 });
  });

  it('backs off exponentially with jitter, up to the cap (network/backoff.ts)', () => {
    const delays = [1, 2, 3, 4, 10].map((attempt) => classifyWriteFailure({ message: 'down' }, attempt, policy, 0));
    expect(delays.map((d) => (d.kind === 'retry' ? d.afterMs : -1))).toEqual([1000, 2000, 4000, 8000, 60_000]);
    const jittered = classifyWriteFailure({ message: 'down' }, 3, policy, 0.5);
    expect(jittered).toEqual({ kind: 'retry', afterMs: 3600 });
  });
});

describe('writeFailureOf', () => {
  it('reads the status and a Retry-After in seconds', () => {
    expect(writeFailureOf({ statusCode: 503, message: 'x', headers: { 'retry-after': '12' } })).toEqual({ statusCode: 503, retryAfterMs: 12_000, message: 'x' });
    expect(writeFailureOf(new Error('socket hang up'))).toEqual({ message: 'socket hang up' });
  });
});

describe('writeFailureOf with the client\'s HttpError', async () => {
  const { HttpError } = await import('@influxdata/influxdb-client');
  it('reads Retry-After through retryAfter()', () => {
    const error = new HttpError(429, 'Too Many Requests', '{"error":"slow down"}', '30', 'application/json');
    expect(writeFailureOf(error)).toMatchObject({ statusCode: 429, retryAfterMs: 30_000 });
  });
});
