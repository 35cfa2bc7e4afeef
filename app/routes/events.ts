/**
 * Live ticket changes for the console: `GET /api/events` is a server-sent event stream
 * (HTML Living Standard, "Server-sent events") of the one stream of ticket changes, one event per
 * change, its `id` the change's event id. A client that lost its connection comes back with
 * `Last-Event-ID` (or `?after=`) and gets every change it missed first, in order, then the live
 * ones: no change is missed. A village administrator gets only their villages' changes.
 *
 * The console reads it with `fetch` (so it can send its bearer token as a header, which
 * EventSource cannot); any SSE client works. A comment line every `heartbeatMs` keeps proxies
 * from closing an idle stream. A client that does not read is cut off once it is more than
 * `MAX_BUFFERED_BYTES` behind; it reconnects with Last-Event-ID and catches up from the store.
 *
 * Between the changes, `notices` events say where a ticket's notifications stand whenever this
 * instance's sender records an outcome (sent, failed, throttled): not changes of the ticket, so
 * they carry no id; a client that reconnects reloads them with the ticket list.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { OutboxAccess, TicketChange } from '../../rules/tickets/store.ts';
import type { NoticeSummary } from '../../rules/tickets/outbox.ts';
import type { Ticket } from '../../rules/tickets/ticket.ts';
import type { TicketChangeStream } from '../../rules/tickets/stream.ts';
import { visibleTo } from '../access.ts';
import { digitsSchema } from './fields.ts';
import type { Gate } from './gate.ts';

export interface EventRoutesDeps {
  readonly gate: Gate;
  readonly stream: Pick<TicketChangeStream, 'subscribe'>;
  /** Delivery outcomes, sent as `notices` events (this instance's sender only). */
  readonly notices?: { readonly outbox: Pick<OutboxAccess, 'onOutcome' | 'summaries'>; readonly ticket: (id: number) => Promise<Pick<Ticket, 'village'> | undefined> } | undefined;
  /** How often an idle stream gets a comment line, ms. Default 15 s. */
  readonly heartbeatMs?: number;
}

/** A client this far behind is disconnected (it catches up from the store when it reconnects). */
const MAX_BUFFERED_BYTES = 1 << 20;
const querySchema = z.object({ after: digitsSchema.optional().describe('Send the changes after this event id first') });

/** One change as an SSE event. Pure. */
export function sseEvent(change: TicketChange): string {
  const { event, ticket } = change;
  return `id: ${event.id}\nevent: ticket\ndata: ${JSON.stringify({ event, ticket })}\n\n`;
}

/** A ticket's notice summary as an SSE event (no id: it is not a change, and a reconnect reloads the list). Pure. */
export function noticesEvent(ticketId: number, notices: NoticeSummary): string {
  return `event: notices\ndata: ${JSON.stringify({ ticketId, notices })}\n\n`;
}

export function registerEventRoutes(app: FastifyInstance, deps: EventRoutesDeps): void {
  app.get('/api/events', async (request, reply) => {
    const caller = deps.gate(request, reply, 'read');
    if (!caller) return reply;
    const query = querySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'bad query', problems: z.prettifyError(query.error) });
    const header = request.headers['last-event-id'];
    const lastEventId = typeof header === 'string' && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
    const after = lastEventId ?? query.data.after;

    reply.hijack();
    const socket = reply.raw;
    // The head goes out with the first write, after the subscription below is in place: a client
    // that loads the ticket list once the stream answered misses no change in between.
    socket.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (text: string) => {
      if (socket.writableLength > MAX_BUFFERED_BYTES) {
        socket.destroy();
        return;
      }
      socket.write(text);
    };
    const unsubscribe = await deps.stream.subscribe(
      `sse ${caller.principal?.name ?? 'anonymous'} ${request.ip}`,
      (changes) => {
        for (const change of changes) if (visibleTo(caller.principal, change.ticket)) send(sseEvent(change));
      },
      after,
    );
    if (request.raw.socket.destroyed) {
      unsubscribe(); // gone while subscribing: its close event has passed
      return;
    }
    // [SSE] a retry field tells the client how long to wait before reconnecting, ms.
    send('retry: 2000\n\n');
    const heartbeat = setInterval(() => send(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
    const notices = deps.notices;
    const stopNotices = notices?.outbox.onOutcome((ticketId) => {
      void (async () => {
        const ticket = await notices.ticket(ticketId);
        if (!ticket || !visibleTo(caller.principal, ticket)) return;
        const summary = (await notices.outbox.summaries([ticketId])).get(ticketId);
        if (summary && !socket.destroyed) send(noticesEvent(ticketId, summary));
      })().catch((error: unknown) => request.log.warn({ err: error, ticketId }, 'notice summary for the event stream failed'));
    });
    socket.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      stopNotices?.();
    });
  });
}
