/**
 * Ticket routes: list, one ticket with its audit trail, and the people's transitions
 * (acknowledge, resolve, close). Each route is a few lines around `identify` and `authorize`.
 * Tokens are compared, never echoed or logged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TicketStore, TransitionInput } from '../../rules/tickets/store.ts';
import { authorize, canSee, identify, type Action, type ApiConfig, type Principal } from '../access.ts';

export interface TicketRoutesDeps {
  readonly store: Pick<TicketStore, 'list' | 'get' | 'transition'>;
  readonly api: ApiConfig;
  /** Wall clock for people's transitions, epoch ms. */
  readonly now: () => number;
}

export const ticketQuerySchema = z.object({
  state: z.enum(['open', 'all']).default('open').describe('open: open and acknowledged tickets; all: every ticket'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type TicketQuery = z.infer<typeof ticketQuerySchema>;

const idParamsSchema = z.object({ id: z.coerce.number().int().positive() });
const transitionBodySchema = z.object({ note: z.string().max(2000).optional().describe('Free text kept on the audit event') }).strict();

/** Verb in the URL → target state. */
const verbs = { acknowledge: 'acknowledged', resolve: 'resolved', close: 'closed' } as const satisfies Record<string, TransitionInput['to']>;

export function registerTicketRoutes(app: FastifyInstance, deps: TicketRoutesDeps): void {
  const tokensConfigured = deps.api.tokens.length > 0;

  /** The caller, or undefined after a 401/403 has been sent. */
  const gate = (request: FastifyRequest, reply: FastifyReply, action: Action, ticket?: { village: string | null }): { principal: Principal | undefined } | undefined => {
    const who = identify(request.headers.authorization, deps.api.tokens);
    if (!who.ok) {
      void reply.code(401).header('www-authenticate', 'Bearer realm="clearwater"').send({ error: who.reason });
      return undefined;
    }
    const decision = authorize(who.principal, action, ticket, tokensConfigured);
    if (!decision.allowed) {
      if (decision.status === 401) void reply.header('www-authenticate', 'Bearer realm="clearwater"');
      void reply.code(decision.status).send({ error: decision.reason });
      return undefined;
    }
    return { principal: who.principal };
  };

  app.get('/api/tickets', async (request, reply) => {
    const query = ticketQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'bad query', problems: z.prettifyError(query.error) });
    const caller = gate(request, reply, 'read');
    if (!caller) return reply;
    const { principal } = caller;
    // A village admin's limit applies after the filter, so fetch the whole list for them.
    const scoped = principal?.role === 'village_admin';
    const tickets = await deps.store.list({ state: query.data.state, ...(scoped ? {} : { limit: query.data.limit }) });
    return { tickets: scoped ? tickets.filter((t) => canSee(principal, t)).slice(0, query.data.limit) : tickets };
  });

  app.get('/api/tickets/:id', async (request, reply) => {
    const params = idParamsSchema.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad ticket id' });
    // Authenticate before looking up, so an unknown token learns nothing about ids.
    if (!gate(request, reply, 'read')) return reply;
    const found = await deps.store.get(params.data.id);
    // A ticket outside the caller's villages answers 403, as writes do.
    if (!found) return reply.code(404).send({ error: `no ticket ${params.data.id}` });
    if (!gate(request, reply, 'read', found.ticket)) return reply;
    return found;
  });

  for (const [verb, to] of Object.entries(verbs)) {
    app.post(`/api/tickets/:id/${verb}`, async (request, reply) => {
      const params = idParamsSchema.safeParse(request.params);
      if (!params.success) return reply.code(400).send({ error: 'bad ticket id' });
      const caller = gate(request, reply, 'write');
      if (!caller?.principal) return reply;
      const body = transitionBodySchema.safeParse(request.body ?? {});
      if (!body.success) return reply.code(400).send({ error: 'bad body', problems: z.prettifyError(body.error) });
      const found = await deps.store.get(params.data.id);
      if (!found) return reply.code(404).send({ error: `no ticket ${params.data.id}` });
      if (!gate(request, reply, 'write', found.ticket)) return reply;
      const outcome = await deps.store.transition({ id: params.data.id, to, at: deps.now(), actor: caller.principal.name, ...(body.data.note === undefined ? {} : { note: body.data.note }) });
      if (!outcome.ok) return reply.code(outcome.reason === 'not_found' ? 404 : 409).send({ error: outcome.detail });
      return { ticket: outcome.ticket };
    });
  }
}
