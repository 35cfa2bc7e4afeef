import { describe, expect, it } from 'vitest';
import { signAckLink, verifyAckLink } from './ack-link.ts';

const key = Buffer.from('0123456789abcdef0123456789abcdef');
const NOW = Date.UTC(2026, 11, 1, 2, 0);
const token = signAckLink(key, { ticketId: 17, recipient: 'tongmen-admin', now: NOW, ttlMs: 24 * 3_600_000 }, 'link-1');

describe('acknowledgement links', () => {
  it('carry the ticket, the recipient and the expiry, signed', () => {
    expect(verifyAckLink(key, token, NOW + 60_000)).toEqual({ ok: true, claims: { ticketId: 17, recipient: 'tongmen-admin', expiresAt: NOW + 24 * 3_600_000, jti: 'link-1' } });
  });

  it('expire', () => {
    expect(verifyAckLink(key, token, NOW + 24 * 3_600_000)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuse a changed ticket id, another key, and junk', () => {
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ t: 18, r: 'tongmen-admin', e: NOW / 1000 + 86_400, j: 'link-1' })).toString('base64url');
    expect(verifyAckLink(key, `${forged}.${signature}`, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
    expect(verifyAckLink(Buffer.from('another key of the same length!!'), token, NOW)).toMatchObject({ ok: false, reason: 'tampered' });
    expect(verifyAckLink(key, `${payload}`, NOW)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyAckLink(key, `${payload}.${signature}.x`, NOW)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyAckLink(key, '<script>.x', NOW)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('draw a fresh id for every link', () => {
    const a = signAckLink(key, { ticketId: 1, recipient: 'r', now: NOW, ttlMs: 1000 });
    const b = signAckLink(key, { ticketId: 1, recipient: 'r', now: NOW, ttlMs: 1000 });
    expect(a).not.toBe(b);
  });
});
