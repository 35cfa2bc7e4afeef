/**
 * Ticket routes: list with filters, one ticket with its audit trail, and what people do with a
 * ticket (acknowledge, resolve, close, assign, comment). Each route is a few lines around the
 * gate (gate.ts). Every change records the token's name and the client address. Tokens are
 * compared, never echoed or logged.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { severities } from '../../rules/severity.ts';
import type { Actor, TicketEdit, TicketStore, TransitionInput } from '../../rules/tickets/store.ts';
import { ticketStates } from '../../rules/tickets/ticket.ts';
import { canSee, visibleTo, type Principal } from '../access.ts';
import { digitsSchema, idSchema, instantSchema } from './fields.ts';
import { originOf, type Gate } from './gate.ts';

export interface TicketRoutesDeps {
  readonly store: Pick<TicketStore, 'list' | 'get' | 'transition' | 'edit' | 'outbox'>;
  /** The access check of the API routes (gate.ts). */
  readonly gate: Gate;
  /** Wall clock for people's changes, epoch ms. */
  readonly now: () => number;
}

export const ticketQuerySchema = z.object({
  state: z.enum(['open', 'all', ...ticketStates]).default('open').describe('open: open, acknowledged and suppressed tickets; all: every ticket; or one state'),
  village: z.string().min(1).optional().describe('Only tickets of this village'),
  site: z.string().min(1).optional().describe('Only tickets of this site'),
  rule: z.string().min(1).optional().describe('Only tickets of this rule id'),
  severity: z.enum(severities).optional().describe('Only tickets of this severity'),
  since: instantSchema.optional().describe('Only tickets opened at or after this instant (epoch ms digits or an RFC 3339 date-time)'),
  limit: digitsSchema.pipe(z.number().min(1).max(1000)).default(100).describe('At most this many tickets, 1-1000 (digits)'),
  offset: digitsSchema.default(0).describe('Skip this many of the newest first: the next page (digits)'),
});
export type TicketQuery = z.infer<typeof ticketQuerySchema>;

const idParamsSchema = z.object({ id: idSchema.describe('Ticket id (digits)') });
const deliveryParamsSchema = idParamsSchema.extend({ delivery: idSchema.describe('Delivery id (digits), from the ticket\'s `deliveries`') });
const note = z.string().max(2000);
const transitionBodySchema = z.strictObject({ note: note.optional().describe('Free text kept on the audit event') });
const assignBodySchema = z.strictObject({ assignee: z.string().min(1).max(120).nullable().describe('Who works the ticket; null unassigns'), note: note.optional() });
const commentBodySchema = z.strictObject({ note: note.min(1).describe('The comment') });

/** Verb in the URL → target state. */
const verbs = { acknowledge: 'acknowledged', resolve: 'resolved', close: 'closed' } as const satisfies Record<string, TransitionInput['to']>;

export function registerTicketRoutes(app: FastifyInstance, deps: TicketRoutesDeps): void {
  const { gate } = deps;
  /** The ticket as the caller may know it: one outside a village admin's villages is as absent as an unknown id. */
  const visible = async (id: number, principal: Principal | undefined) => {
    const found = await deps.store.get(id);
    return found && visibleTo(principal, found.ticket) ? found : undefined;
  };

  app.get('/api/tickets', async (request, reply) => {
    const caller = gate(request, reply, 'read');
    if (!caller) return reply;
    const query = ticketQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'bad query', problems: z.prettifyError(query.error) });
    const { principal } = caller;
    const { state, village, site, rule, severity, since, limit, offset } = query.data;
    // A village admin's limit applies after the scope filter, so fetch the whole list for them.
    const scoped = principal?.role === 'village_admin';
    const tickets = await deps.store.list({ state, village, site, ruleId: rule, severity, since, ...(scoped ? {} : { limit, offset }) });
    const shown = scoped ? tickets.filter((t) => canSee(principal, t)).slice(offset, offset + limit) : tickets;
    // Where each ticket's notices stand (sent, failed, pending, throttled, fell back): null before any.
    const notices = await deps.store.outbox.summaries(shown.map((t) => t.id));
    return { tickets: shown.map((t) => ({ ...t, notices: notices.get(t.id) ?? null })) };
  });

  app.get('/api/tickets/:id', async (request, reply) => {
    // The gate first: a caller it refuses learns nothing about ids.
    const caller = gate(request, reply, 'read');
    if (!caller) return reply;
    const params = idParamsSchema.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad ticket id', problems: z.prettifyError(params.error) });
    const found = await visible(params.data.id, caller.principal);
    if (!found) return reply.code(404).send({ error: `no ticket ${params.data.id}` });
    // Who was told, by which channel, when, and with what result.
    const deliveries = (await deps.store.outbox.deliveries(params.data.id)).map(({ id, recipient, channel, kind, state, attempts, createdAt, notBefore, sentAt, detail, eventId }) => ({ id, eventId, recipient, channel, kind, state, attempts, createdAt, notBefore, sentAt, detail }));
    return { ...found, deliveries };
  });

  /** A write route on one ticket: token, id, body, scope, then the store call. */
  function write<Body>(path: string, bodySchema: z.ZodType<Body>, act: (id: number, body: Body, by: Actor) => ReturnType<TicketStore['transition']>): void {
    app.post(path, async (request, reply) => {
      const caller = gate(request, reply, 'write');
      if (!caller?.principal) return reply;
      const params = idParamsSchema.safeParse(request.params);
      if (!params.success) return reply.code(400).send({ error: 'bad ticket id', problems: z.prettifyError(params.error) });
      const body = bodySchema.safeParse(request.body ?? {});
      if (!body.success) return reply.code(400).send({ error: 'bad body', problems: z.prettifyError(body.error) });
      if (!(await visible(params.data.id, caller.principal))) return reply.code(404).send({ error: `no ticket ${params.data.id}` });
      const notes = (body.data as { note?: string }).note;
      const by: Actor = { at: deps.now(), actor: caller.principal.name, origin: originOf(request), ...(notes !== undefined && { note: notes }) };
      const outcome = await act(params.data.id, body.data, by);
      if (!outcome.ok) return reply.code(outcome.reason === 'not_found' ? 404 : 409).send({ error: outcome.detail });
      return { ticket: outcome.ticket };
    });
  }

  for (const [verb, to] of Object.entries(verbs)) {
    write(`/api/tickets/:id/${verb}`, transitionBodySchema, (id, _body, by) => deps.store.transition({ id, to, ...by }));
  }
  write(`/api/tickets/:id/assign`, assignBodySchema, (id, body, by) => deps.store.edit(id, { type: 'assign', assignee: body.assignee } satisfies TicketEdit, by));
  write(`/api/tickets/:id/comment`, commentBodySchema, (id, _body, by) => deps.store.edit(id, { type: 'comment' }, by));

  // A notice given up for good (its reason kept on the delivery) is sent again: pending, due now.
  app.post('/api/tickets/:id/deliveries/:delivery/resend', async (request, reply) => {
    const caller = gate(request, reply, 'write');
    if (!caller?.principal) return reply;
    const params = deliveryParamsSchema.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad ticket or delivery id', problems: z.prettifyError(params.error) });
    if (!(await visible(params.data.id, caller.principal))) return reply.code(404).send({ error: `no ticket ${params.data.id}` });
    const delivery = (await deps.store.outbox.deliveries(params.data.id)).find((d) => d.id === params.data.delivery);
    if (!delivery) return reply.code(404).send({ error: `no delivery ${params.data.delivery} of ticket ${params.data.id}` });
    if (!(await deps.store.outbox.resend(delivery.id, deps.now()))) return reply.code(409).send({ error: `delivery ${delivery.id} is ${delivery.state}; only a failed one is sent again` });
    return { resent: delivery.id };
  });
}
