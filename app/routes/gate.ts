/**
 * The one access check of every API route: who is calling (bearer token) and may they do this
 * (app/access.ts). Sends the 401/403 itself; routes stay a few lines around it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, identify, type Action, type ApiConfig, type Principal } from '../access.ts';

export type Gate = (request: FastifyRequest, reply: FastifyReply, action: Action, scope?: { village: string | null }) => { principal: Principal | undefined } | undefined;

/** The caller, or undefined once a 401/403 has been sent. */
export function gateFor(api: ApiConfig): Gate {
  const tokensConfigured = api.tokens.length > 0;
  return (request, reply, action, scope) => {
    const who = identify(request.headers.authorization, api.tokens);
    if (!who.ok) {
      void reply.code(401).header('www-authenticate', 'Bearer realm="clearwater"').send({ error: who.reason });
      return undefined;
    }
    const decision = authorize(who.principal, action, scope, tokensConfigured);
    if (!decision.allowed) {
      if (decision.status === 401) void reply.header('www-authenticate', 'Bearer realm="clearwater"');
      void reply.code(decision.status).send({ error: decision.reason });
      return undefined;
    }
    return { principal: who.principal };
  };
}

/** The audit "from where" of a request: the client address as Fastify sees it. */
export const originOf = (request: FastifyRequest): string => request.ip;
