/**
 * The HTTP API of a Clearwater process: health, Prometheus metrics, tickets and silences. Routes are thin:
 * query strings are checked by zod, answers come from the components, access by app/access.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { registerSilenceRoutes, type SilenceRoutesDeps } from './routes/silences.ts';
import { registerTicketRoutes, type TicketRoutesDeps } from './routes/tickets.ts';

export { ticketQuerySchema, type TicketQuery } from './routes/tickets.ts';

export interface HttpDeps {
  metrics: Registry;
  health(): Record<string, unknown>;
  /** Ticket and silence routes share the store, the tokens and the clock. */
  tickets: TicketRoutesDeps & { store: TicketRoutesDeps['store'] & SilenceRoutesDeps['store'] };
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  // No logger: request headers carry bearer tokens.
  const app = Fastify({ logger: false });

  app.get('/healthz', async () => ({ status: 'ok', ...deps.health() }));

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.metrics();
  });

  registerTicketRoutes(app, deps.tickets);
  registerSilenceRoutes(app, deps.tickets);

  return app;
}
