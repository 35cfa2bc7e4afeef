/**
 * The HTTP server of a Clearwater process: health, Prometheus metrics, the API under /api, the
 * dispatcher console under /. Routes are thin:
 * query strings are checked by zod, every route passes the gate (routes/gate.ts: bearer token,
 * app/access.ts; Host header for answers without a token, app/host-check.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ApiConfig } from './access.ts';
import { hostPolicy } from './host-check.ts';
import { gateFor } from './routes/gate.ts';
import { registerAckRoutes, type AckRoutesDeps } from './routes/ack.ts';
import { registerEventRoutes, type EventRoutesDeps } from './routes/events.ts';
import { registerSiteRoutes, type SiteRoutesDeps } from './routes/sites.ts';
import { registerRuleRoutes } from './routes/rules.ts';
import { registerMeRoute } from './routes/me.ts';
import { registerConsole, type ConsoleBundle } from './console.ts';
import type { ConsoleConfig } from './console-config.ts';
import type { Rule } from '../rules/kinds/index.ts';
import { registerSilenceRoutes, type SilenceRoutesDeps } from './routes/silences.ts';
import { registerTicketRoutes, type TicketRoutesDeps } from './routes/tickets.ts';

export { ticketQuerySchema, type TicketQuery } from './routes/tickets.ts';

export interface HttpDeps {
  metrics: Registry;
  health(): Record<string, unknown>;
  /** The address or name the server listens on (`http.host`): decides which Host headers name it (host-check.ts). */
  boundHost: string;
  /** Ticket and silence routes share the store, the access config and the clock. */
  tickets: { store: TicketRoutesDeps['store'] & SilenceRoutesDeps['store']; api: ApiConfig; now: () => number };
  /** The acknowledgement links of messages (`/ack/<token>`), when notifications are on. */
  ack?: AckRoutesDeps | undefined;
  /** Live ticket changes (`/api/events`). */
  events?: Omit<EventRoutesDeps, 'gate'> | undefined;
  /** The catalog and site readings (`/api/catalog`, `/api/sites/:site/readings`). */
  sites?: Omit<SiteRoutesDeps, 'gate'> | undefined;
  /** The loaded rules (`/api/rules`). */
  rules?: (() => readonly Rule[]) | undefined;
  /** The dispatcher console under `/` (console.ts). */
  console?: { bundle: ConsoleBundle; config: ConsoleConfig } | undefined;
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  // No logger: request headers carry bearer tokens.
  // maxParamLength: an acknowledgement link's token is about 150 characters (fastify's default is 100).
  // forceCloseConnections: open event streams (/api/events) must not hold a shutdown up.
  const app = Fastify({ logger: false, routerOptions: { maxParamLength: 600 }, forceCloseConnections: true });
  const { api } = deps.tickets;
  const hosts = hostPolicy(deps.boundHost, api.allowedHosts);
  const healthGate = gateFor(api, hosts, 'healthz');
  const metricsGate = gateFor(api, hosts, 'metrics');

  app.get('/healthz', async (request, reply) => {
    if (!healthGate(request, reply, 'read')) return reply;
    return { status: 'ok', ...deps.health() };
  });

  app.get('/metrics', async (request, reply) => {
    if (!metricsGate(request, reply, 'read')) return reply;
    reply.header('content-type', deps.metrics.contentType);
    return deps.metrics.metrics();
  });

  const routes = { store: deps.tickets.store, gate: gateFor(api, hosts), now: deps.tickets.now };
  registerTicketRoutes(app, routes);
  registerSilenceRoutes(app, routes);
  if (deps.ack) registerAckRoutes(app, deps.ack);
  if (deps.events) registerEventRoutes(app, { ...deps.events, gate: routes.gate });
  if (deps.sites) registerSiteRoutes(app, { ...deps.sites, gate: routes.gate });
  if (deps.rules) registerRuleRoutes(app, { gate: routes.gate, rules: deps.rules });
  registerMeRoute(app, routes.gate);
  if (deps.console) registerConsole(app, deps.console.bundle, deps.console.config, { anonymousRead: api.tokens.length === 0 });

  return app;
}
