/**
 * Who may do what with tickets over the HTTP API. Bearer tokens (RFC 6750 §2.1) name a principal
 * with a role; `authorize` is the one pure decision, and routes are a few lines around it.
 *
 *   dispatcher     read and write every ticket
 *   village_admin  read and write only tickets of their villages
 *   viewer         read only
 *   no token       read only, and only while no tokens are configured (the 127.0.0.1 default)
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

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

export const apiSchema = z
  .object({
    tokens: z
      .array(apiTokenSchema)
      .default([])
      .refine((tokens) => new Set(tokens.map((t) => t.token)).size === tokens.length, { message: 'tokens must be distinct' })
      .describe('Bearer tokens of the ticket API; none: reads stay open, writes are refused'),
  })
  .describe('Access to the ticket API');
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
 * May `principal` do `action` (on `ticket`, when one is named)? Without a ticket, a village
 * admin's read is allowed and the caller filters the list with `canSee`.
 */
export function authorize(principal: Principal | undefined, action: Action, ticket: { village: string | null } | undefined, tokensConfigured: boolean): Decision {
  if (!principal) {
    if (action === 'read' && !tokensConfigured) return { allowed: true };
    return { allowed: false, status: 401, reason: action === 'write' ? 'a bearer token is required to change tickets' : 'a bearer token is required' };
  }
  if (action === 'write' && principal.role === 'viewer') return { allowed: false, status: 403, reason: `${principal.name} may only read tickets` };
  if (ticket && !canSee(principal, ticket)) return { allowed: false, status: 403, reason: `${principal.name} may not act on tickets of village ${ticket.village ?? '(none)'}` };
  return { allowed: true };
}

/** Whether the ticket is in the principal's scope (village admins: their villages only). */
export function canSee(principal: Principal, ticket: { village: string | null }): boolean {
  return principal.role !== 'village_admin' || (ticket.village !== null && principal.villages.includes(ticket.village));
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
