import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, postJson, unreachableReason } from './http-post.ts';

describe('parseRetryAfter (RFC 9110 §10.2.3)', () => {
  const now = Date.UTC(2025, 5, 1, 8, 0, 0);
  it.each([
    ['delay-seconds', '120', 120_000],
    ['with spaces', ' 30 ', 30_000],
    ['zero', '0', undefined],
    ['an HTTP-date ahead of the clock', 'Sun, 01 Jun 2025 08:02:00 GMT', 120_000],
    ['an HTTP-date already past', 'Sun, 01 Jun 2025 07:59:00 GMT', undefined],
    ['unreadable', 'soon', undefined],
    ['negative', '-5', undefined],
    ['absent', null, undefined],
  ])('%s', (_, value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
});

describe('unreachableReason', () => {
  it.each([
    ['a timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'no answer within 5000 ms'],
    ['a refused connection', new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }), 'connection failed: ECONNREFUSED'],
    ['a closed socket', new TypeError('fetch failed', { cause: new Error('other side closed') }), 'connection failed: other side closed'],
  ])('%s', (_, error, reason) => {
    expect(unreachableReason(error, 5000)).toBe(reason);
  });
});

describe('postJson', () => {
  it('gives up on a peer that takes the request and never answers', async () => {
    const server = createServer(() => {
      // holds every request open
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      expect(await postJson({ url, body: '{}', timeoutMs: 200, now: 0 })).toEqual({ kind: 'unreachable', reason: 'no answer within 200 ms' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
