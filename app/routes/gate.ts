/**
 * The one access check of every route: who is calling (bearer token), may they do this
 * (app/access.ts), and, for a request answered without a token, does its Host header name this
 * server (app/host-check.ts). Sends the 401/403/421 itself; routes stay a few lines around it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, identify, tokenRequired, type Action, type ApiConfig, type OpenableRoute, type Principal } from '../access.ts';
import { checkHost, type HostPolicy } from '../host-check.ts';

export type Gate = (request: FastifyRequest, reply: FastifyReply, action: Action, scope?: { village: string | null }) => { principal: Principal | undefined } | undefined;

/** The caller, or undefined once a 401/403/421 has been sent. `route`: one `api.open` may list. */
export function gateFor(api: ApiConfig, hosts: HostPolicy, route?: OpenableRoute): Gate {
  const required = tokenRequired(api, route);
  return (request, reply, action, scope) => {
    // A token that is presented is checked even where none is needed.
    const who = identify(request.headers.authorization, api.tokens);
    if (!who.ok) {
      void reply.code(401).header('www-authenticate', 'Bearer realm="clearwater"').send({ error: who.reason });
      return undefined;
    }
    const decision = authorize(who.principal, action, scope, required);
    if (!decision.allowed) {
      if (decision.status === 401) void reply.header('www-authenticate', 'Bearer realm="clearwater"');
      void reply.code(decision.status).send({ error: decision.reason });
      return undefined;
    }
    if (!who.principal) {
      const host = checkHost(request.headers.host, hosts);
      // [RFC 9110 §15.5.20] 421: a target URI that does not match an origin this server is
      // configured for (§4.3.1). Not 403: nothing about the caller's rights is wrong, the request
      // names another server, and 421 tells a client (or a person reading it) exactly that.
      if (!host.allowed) {
        void reply.code(421).header('cache-control', 'no-store').send({ error: host.reason });
        return undefined;
      }
    }
    return { principal: who.principal };
  };
}

/** The audit "from where" of a request: the client address as Fastify sees it. */
export const originOf = (request: FastifyRequest): string => request.ip;
