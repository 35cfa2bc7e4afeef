import { describe, expect, it } from 'vitest';
import { parseSse } from './live.ts';

describe('reading server-sent events', () => {
  it('splits complete events, keeps the rest, skips comments', () => {
    const { events, rest } = parseSse('retry: 2000\n\n: keep-alive\n\nid: 5\nevent: ticket\ndata: {"a":1}\n\nid: 6\nevent: tic');
    expect(events).toEqual([{ id: '5', event: 'ticket', data: '{"a":1}' }]);
    expect(rest).toBe('id: 6\nevent: tic');
  });

  it('joins data lines and reads CRLF', () => {
    expect(parseSse('data: one\r\ndata: two\r\n\r\n').events).toEqual([{ data: 'one\ntwo' }]);
  });
});
