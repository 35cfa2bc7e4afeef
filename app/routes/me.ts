/**
 * `GET /api/me`: who the caller's token says they are, so a client shows only what they may do:
 * name, role, villages (a village administrator's scope) and whether they may change tickets.
 * Without a token, where the configuration lets anyone read: the anonymous, read-only caller.
 */
import type { FastifyInstance } from 'fastify';
import type { Gate } from './gate.ts';

export function registerMeRoute(app: FastifyInstance, gate: Gate): void {
  app.get('/api/me', async (request, reply) => {
    const caller = gate(request, reply, 'read');
    if (!caller) return reply;
    const { principal } = caller;
    return principal
      ? { name: principal.name, role: principal.role, villages: principal.villages, canWrite: principal.role !== 'viewer' }
      : { name: null, role: 'anonymous', villages: [], canWrite: false };
  });
}
