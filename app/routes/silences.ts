/**
 * Silence routes (maintenance windows): create, list, expire. A silence keeps the tickets it
 * matches (state `suppressed`, see rules/tickets/silence.ts); it never stops evaluation.
 *
 *   dispatcher     any silence
 *   village_admin  only silences naming one of their villages; others answer 404 as unknown ids
 *   viewer         read only
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { durationSchema } from '../../network/duration.ts';
import { silenceActive, silenceMatcherFields, type Silence } from '../../rules/tickets/silence.ts';
import type { TicketStore } from '../../rules/tickets/store.ts';
import { visibleTo } from '../access.ts';
import { idSchema, instantSchema } from './fields.ts';
import { originOf, type Gate } from './gate.ts';

export interface SilenceRoutesDeps {
  readonly store: Pick<TicketStore, 'createSilence' | 'listSilences' | 'getSilence' | 'expireSilence'>;
  /** The access check of the API routes (gate.ts). */
  readonly gate: Gate;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
}

/** Longest silence: a maintenance window is days, not a way to switch a rule off. Operational choice. */
export const MAX_SILENCE_MS = 14 * 24 * 3_600_000;

export const silenceBodySchema = z
  .strictObject({
    ...silenceMatcherFields,
    startsAt: instantSchema.optional().describe('Start (epoch ms or an RFC 3339 date-time); default now'),
    endsAt: instantSchema.optional().describe('End (epoch ms or an RFC 3339 date-time); give this or `duration`'),
    duration: durationSchema.optional().describe('Length, e.g. "4h"; give this or `endsAt`'),
    reason: z.string().min(3).max(500).describe('Why, for the audit trail, e.g. "冲洗管网 flushing mains"'),
  })
  .refine((b) => [b.ruleId, b.site, b.village, b.device].some((v) => v !== undefined), { message: 'name at least one of ruleId, site, village, device' })
  .refine((b) => (b.endsAt === undefined) !== (b.duration === undefined), { message: 'give exactly one of endsAt and duration', path: ['endsAt'] });

const idParamsSchema = z.object({ id: idSchema.describe('Silence id (digits)') });
const listQuerySchema = z.object({ state: z.enum(['active', 'all']).default('active').describe('active: in force now; all: every silence') });

export function registerSilenceRoutes(app: FastifyInstance, deps: SilenceRoutesDeps): void {
  const { gate } = deps;

  app.get('/api/silences', async (request, reply) => {
    const caller = gate(request, reply, 'read');
    if (!caller) return reply;
    const query = listQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'bad query', problems: z.prettifyError(query.error) });
    const now = deps.now();
    const silences = await deps.store.listSilences(query.data.state === 'active' ? { activeAt: now } : {});
    const { principal } = caller;
    return { silences: silences.filter((s) => visibleTo(principal, s)).map((s) => ({ ...s, active: silenceActive(s, now) })) };
  });

  app.post('/api/silences', async (request, reply) => {
    const caller = gate(request, reply, 'write');
    if (!caller?.principal) return reply;
    const body = silenceBodySchema.safeParse(request.body ?? {});
    if (!body.success) return reply.code(400).send({ error: 'bad body', problems: z.prettifyError(body.error) });
    const { startsAt: start, endsAt: end, duration, reason, ...matcher } = body.data;
    if (!gate(request, reply, 'write', { village: matcher.village ?? null })) return reply;
    const now = deps.now();
    const startsAt = start ?? now;
    const endsAt = end ?? startsAt + (duration ?? 0);
    if (endsAt <= Math.max(startsAt, now)) return reply.code(400).send({ error: 'the silence must end in the future, after it starts' });
    if (endsAt - startsAt > MAX_SILENCE_MS) return reply.code(400).send({ error: `a silence lasts at most ${MAX_SILENCE_MS / 86_400_000} days` });
    const silence = await deps.store.createSilence({ ...matcher, startsAt, endsAt, reason, createdAt: now, actor: caller.principal.name, origin: originOf(request) });
    return reply.code(201).send({ silence });
  });

  app.post('/api/silences/:id/expire', async (request, reply) => {
    const caller = gate(request, reply, 'write');
    if (!caller?.principal) return reply;
    const params = idParamsSchema.safeParse(request.params);
    if (!params.success) return reply.code(400).send({ error: 'bad silence id', problems: z.prettifyError(params.error) });
    // A silence outside a village admin's villages is as absent as an unknown id.
    const silence: Silence | undefined = await deps.store.getSilence(params.data.id);
    if (!silence || !visibleTo(caller.principal, silence)) return reply.code(404).send({ error: `no silence ${params.data.id}` });
    const outcome = await deps.store.expireSilence(params.data.id, { at: deps.now(), actor: caller.principal.name, origin: originOf(request) });
    if (!outcome.ok) return reply.code(outcome.reason === 'not_found' ? 404 : 409).send({ error: outcome.detail });
    return { silence: outcome.silence };
  });
}
