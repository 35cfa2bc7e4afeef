/**
 * Live ticket changes: `GET /api/events` read with fetch (so the bearer token goes in a header),
 * parsed as server-sent events. When the connection drops, it says so (the banner) and comes back
 * with `Last-Event-ID`, so the server sends every change missed meanwhile before the live ones.
 */
import { backoffDelay } from '../network/backoff-delay.ts';
import { authHeaders } from './api.ts';
import type { NoticeSummary, Ticket, TicketEvent } from './types.ts';

export interface LiveChange {
  readonly event: TicketEvent;
  readonly ticket: Ticket;
}

export interface LiveHandlers {
  change(change: LiveChange): void;
  /** Where a ticket's notices stand now (a delivery outcome, not a change). */
  notices(ticketId: number, notices: NoticeSummary): void;
  connected(up: boolean): void;
}

/** Splits an SSE buffer into complete events and the rest. Pure. */
export function parseSse(buffer: string): { events: { id?: string; event?: string; data: string }[]; rest: string } {
  const events: { id?: string; event?: string; data: string }[] = [];
  let rest = buffer.replace(/\r\n/g, '\n');
  let end: number;
  while ((end = rest.indexOf('\n\n')) >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const fields: { id?: string; event?: string; data: string[] } = { data: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue; // a comment: the keep-alive
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (name === 'data') fields.data.push(value);
      else if (name === 'id') fields.id = value;
      else if (name === 'event') fields.event = value;
    }
    if (fields.data.length > 0) events.push({ ...(fields.id !== undefined && { id: fields.id }), ...(fields.event !== undefined && { event: fields.event }), data: fields.data.join('\n') });
  }
  return { events, rest };
}

/** Reconnecting after 1-2 s, doubling up to 30 s, half of each delay drawn at random (so pages do not return in step). */
const RECONNECT = { minMs: 2000, maxMs: 30_000, jitter: 0.5 } as const;

/** Follows the change stream until `stop()`; reconnects with the project's backoff (`RECONNECT`). */
export function follow(handlers: LiveHandlers, after?: number): { stop(): void } {
  let stopped = false;
  let lastId = after;
  let abort: AbortController | undefined;
  let failures = 0;
  const run = async () => {
    while (!stopped) {
      abort = new AbortController();
      try {
        const response = await fetch('/api/events', { headers: { ...authHeaders(), ...(lastId !== undefined && { 'last-event-id': String(lastId) }) }, signal: abort.signal });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        handlers.connected(true);
        failures = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const parsed = parseSse(buffer + value);
          buffer = parsed.rest;
          for (const event of parsed.events) {
            if (event.event === 'notices') {
              const said = JSON.parse(event.data) as { ticketId: number; notices: NoticeSummary };
              handlers.notices(said.ticketId, said.notices);
            } else if (event.event === 'ticket') {
              const change = JSON.parse(event.data) as LiveChange;
              lastId = change.event.id;
              handlers.change(change);
            }
          }
        }
      } catch {
        // dropped, refused or stopped: the banner shows it, then a retry
      }
      if (stopped) return;
      handlers.connected(false);
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures, RECONNECT, Math.random())));
    }
  };
  void run();
  return {
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}
