/**
 * The acknowledgement link in a message: a token bound to one ticket and one recipient, expiring,
 * signed with the deployment's key (HMAC-SHA256, RFC 2104), so the phone page can act on it
 * without a login. Its id (`jti`) is recorded when used, so a second use changes nothing.
 *
 *   token = base64url(JSON {t: ticket, r: recipient, e: expires at (epoch s), j: id}) "." base64url(HMAC(key, payload))
 *
 * A compact form of a JSON Web Token's claims and HS256 signature (RFC 7519 §4.1, RFC 7518
 * §3.2) without the header, since the algorithm is fixed. Pure apart from the id's randomness.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AckClaims {
  readonly ticketId: number;
  readonly recipient: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  /** The link's id: a used id is refused (replay). */
  readonly jti: string;
}

export type AckVerdict = { ok: true; claims: AckClaims } | { ok: false; reason: 'malformed' | 'tampered' | 'expired'; detail: string };

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');
const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

/** A new link token for `ticketId` and `recipient`, valid for `ttlMs` from `now`. */
export function signAckLink(key: Buffer, claim: { ticketId: number; recipient: string; now: number; ttlMs: number }, jti = randomBytes(12).toString('base64url')): string {
  const payload = b64(JSON.stringify({ t: claim.ticketId, r: claim.recipient, e: Math.floor((claim.now + claim.ttlMs) / 1000), j: jti }));
  return `${payload}.${b64(mac(key, payload))}`;
}

/** Checks a token's signature, then its expiry at `now`. */
export function verifyAckLink(key: Buffer, token: string, now: number): AckVerdict {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) return { ok: false, reason: 'malformed', detail: 'not a link of this system' };
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'tampered', detail: 'the link was changed or is not ours' };
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', detail: 'unreadable link' };
  }
  const { t, r, e, j } = (body ?? {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(t) || typeof r !== 'string' || !Number.isSafeInteger(e) || typeof j !== 'string') return { ok: false, reason: 'malformed', detail: 'unreadable link' };
  const claims: AckClaims = { ticketId: t as number, recipient: r, expiresAt: (e as number) * 1000, jti: j };
  if (now >= claims.expiresAt) return { ok: false, reason: 'expired', detail: `the link expired at ${new Date(claims.expiresAt).toISOString()}` };
  return { ok: true, claims };
}
