/**
 * Who may do what over the HTTP API. Bearer tokens (RFC 6750 §2.1) name a principal with a role;
 * `authorize` and `visibleTo` are the pure decisions, and routes are a few lines around them.
 *
 *   dispatcher     read and write every ticket and silence
 *   village_admin  read and write only tickets and silences of their villages; others do not
 *                  exist for them (404, as an unknown id)
 *   viewer         read only
 *   no token       read only, and only while no tokens are configured (the 127.0.0.1 default),
 *                  or on the routes listed in `api.open`; the Host header must name this
 *                  server (host-check.ts)
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { parseConfiguredHost } from './host-check.ts';

export const roles = ['dispatcher', 'village_admin', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const apiTokenSchema = z
  .object({
    token: z.string().min(16).describe('The bearer secret, at least 16 characters; never logged'),
    name: z.string().min(1).describe('Who holds it; recorded as the actor of ticket events'),
    role: z.enum(roles).describe('dispatcher: every ticket; village_admin: tickets of `villages`; viewer: read only'),
    villages: z.array(z.string().min(1)).optional().describe('Village ids a village_admin may act on'),
  })
  .refine((entry) => entry.role !== 'village_admin' || (entry.villages?.length ?? 0) > 0, {
    message: 'a village_admin token needs at least one village',
    path: ['villages'],
  });
export type ApiToken = z.infer<typeof apiTokenSchema>;

/** Routes that `api.open` may answer without a token while tokens are configured. */
export const openableRoutes = ['healthz', 'metrics'] as const;
export type OpenableRoute = (typeof openableRoutes)[number];

export const apiSchema = z
  .object({
    tokens: z
      .array(apiTokenSchema)
      .default([])
      .refine((tokens) => new Set(tokens.map((t) => t.token)).size === tokens.length, { message: 'tokens must be distinct' })
      .describe('Bearer tokens of the API; none: reads stay open (Host-checked), writes are refused'),
    open: z
      .array(z.enum(openableRoutes))
      .default([])
      .refine((routes) => new Set(routes).size === routes.length, { message: 'list each route once' })
      .describe(
        'Which of healthz and metrics answer without a token while tokens are configured. Default none: /healthz names the MQTT port and ' +
          'the spool depth, /metrics the county-wide ticket, alarm and device figures, and a scraper can send a token ' +
          '(Prometheus scrape_config `authorization: { credentials_file: … }`, default type Bearer; a viewer token suffices). ' +
          'List healthz for a probe that cannot send headers. Ignored without tokens (then everything readable is open)',
      ),
    allowedHosts: z
      .array(z.string().refine((host) => parseConfiguredHost(host) !== undefined, { message: 'a host name or IP address, without a port' }))
      .default([])
      .describe(
        'Names (or addresses) besides http.host by which requests without a token may reach the API, e.g. `clearwater.county.lan` ' +
          'behind a reverse proxy; without a token, other Host headers are refused with 421 so that DNS rebinding cannot read the API. Exact names, no port, no wildcards',
      ),
  })
  .describe('Access to the HTTP API');
export type ApiConfig = z.infer<typeof apiSchema>;

/** The holder of a token, without the secret. */
export interface Principal {
  readonly name: string;
  readonly role: Role;
  readonly villages: readonly string[];
}

export type Action = 'read' | 'write';
export type Decision = { allowed: true } | { allowed: false; status: 401 | 403; reason: string };

/**
 * May a caller without a token read here? Only while no tokens are configured, or on a route
 * listed in `api.open`.
 */
export function tokenRequired(api: Pick<ApiConfig, 'tokens' | 'open'>, route?: OpenableRoute): boolean {
  return api.tokens.length > 0 && !(route !== undefined && api.open.includes(route));
}

/**
 * May `principal` do `action` (in the village of `scope`, when one is named: a new silence's)?
 * Tickets and silences that exist are checked with `visibleTo` instead, so that those outside a
 * village admin's scope answer 404 as unknown ids do. Without a scope, a village admin's read is
 * allowed and the caller filters the list with `visibleTo`.
 */
export function authorize(principal: Principal | undefined, action: Action, scope: { village: string | null } | undefined, tokenIsRequired: boolean): Decision {
  if (!principal) {
    if (action === 'read' && !tokenIsRequired) return { allowed: true };
    return { allowed: false, status: 401, reason: action === 'write' ? 'a bearer token is required to change tickets' : 'a bearer token is required' };
  }
  if (action === 'write' && principal.role === 'viewer') return { allowed: false, status: 403, reason: `${principal.name} may only read tickets` };
  if (scope && !canSee(principal, scope)) return { allowed: false, status: 403, reason: `${principal.name} may not act on tickets of village ${scope.village ?? '(none)'}` };
  return { allowed: true };
}

/** Whether the ticket (or silence) is in the principal's scope (village admins: their villages only). */
export function canSee(principal: Principal, ticket: { village: string | null }): boolean {
  return principal.role !== 'village_admin' || (ticket.village !== null && principal.villages.includes(ticket.village));
}

/**
 * Whether a ticket or silence exists for the caller: a gated caller without a token (no tokens
 * configured) sees all. Routes answer 404 `no ticket N` otherwise, so that ids do not leak.
 */
export function visibleTo(principal: Principal | undefined, item: { village: string | null }): boolean {
  return principal === undefined || canSee(principal, item);
}

export type Identify = { ok: true; principal: Principal | undefined } | { ok: false; reason: string };

/** Resolves an Authorization header against the configured tokens. Absent header: no principal. */
export function identify(header: string | undefined, tokens: readonly ApiToken[]): Identify {
  if (header === undefined || header === '') return { ok: true, principal: undefined };
  // [RFC 6750 §2.1] credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive.
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header.trim());
  if (!match) return { ok: false, reason: 'malformed Authorization header; expected "Bearer <token>"' };
  const presented = Buffer.from(match[1]!);
  const entry = tokens.find((t) => {
    const known = Buffer.from(t.token);
    return known.length === presented.length && timingSafeEqual(known, presented);
  });
  if (!entry) return { ok: false, reason: 'unknown token' };
  return { ok: true, principal: { name: entry.name, role: entry.role, villages: entry.villages ?? [] } };
}
