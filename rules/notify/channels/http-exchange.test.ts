import { describe, expect, it } from 'vitest';
import { excerpt, retryAfterMs } from './http-exchange.ts';

const NOW = Date.parse('2026-12-01T08:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    ['absent', null, undefined],
    ['empty', ' ', undefined],
    ['delay-seconds', '120', 120_000],
    ['an HTTP-date ahead', 'Tue, 01 Dec 2026 08:00:30 GMT', 30_000],
    ['an HTTP-date past: no wait', 'Tue, 01 Dec 2026 07:00:00 GMT', 0],
    ['unreadable', 'soon', undefined],
  ])('%s', (_, value, expected) => {
    expect(retryAfterMs(value, NOW)).toBe(expected);
  });
});

describe('excerpt', () => {
  it('puts an answer on one line and cuts it', () => {
    expect(excerpt('a\n  b\tc')).toBe('a b c');
    expect(excerpt('x'.repeat(300), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});
