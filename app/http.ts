/**
 * The HTTP API of a Clearwater process: health, Prometheus metrics and tickets. Routes are thin:
 * query strings are checked by zod, answers come from the components.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';

export interface HttpDeps {
  metrics: Registry;
  health(): Record<string, unknown>;
  listTickets(query: TicketQuery): Promise<unknown[]>;
}

export const ticketQuerySchema = z.object({
  state: z.enum(['open', 'all']).default('open').describe('open: open and acknowledged tickets; all: every ticket'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type TicketQuery = z.infer<typeof ticketQuerySchema>;

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({ logger: false });

  app.get('/healthz', async () => ({ status: 'ok', ...deps.health() }));

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.metrics();
  });

  app.get('/api/tickets', async (request, reply) => {
    const query = ticketQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'bad query', problems: z.prettifyError(query.error) });
    return { tickets: await deps.listTickets(query.data) };
  });

  return app;
}
