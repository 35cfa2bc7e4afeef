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
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TicketChange } from '../../rules/tickets/store.ts';
import type { TicketChangeStream } from '../../rules/tickets/stream.ts';
import { visibleTo } from '../access.ts';
import { digitsSchema } from './fields.ts';
import type { Gate } from './gate.ts';

export interface EventRoutesDeps {
  readonly gate: Gate;
  readonly stream: Pick<TicketChangeStream, 'subscribe'>;
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
    socket.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // [SSE] a retry field tells the client how long to wait before reconnecting, ms.
    socket.write('retry: 2000\n\n');
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
    const heartbeat = setInterval(() => send(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
    socket.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}
