/**
 * Device passwords are stored in the catalog as scrypt hashes:
 *   scrypt$<N>$<r>$<p>$<salt base64>$<key base64>
 * scrypt is in Node's crypto (RFC 7914); parameters travel with the hash so they can be raised
 * without invalidating old entries.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;

/** OWASP's minimum for scrypt is N=2^17 with r=8; 2^14 keeps a 60-device reconnect storm under a second on 2 cores. */
export const DEFAULT_SCRYPT = { N: 16_384, r: 8, p: 1 } as const;

/**
 * For secrets this project generates (`clearwater catalog hash-password --generate`): 128 random
 * bits. scrypt's cost factor is there to slow down offline guessing of a stolen hash (NIST SP
 * 800-63B §5.1.1.2 asks for a salted, costly hash of memorized, i.e. guessable, secrets); a
 * 128-bit random secret cannot be guessed at any hash speed (2^127 tries on average), so its cost
 * buys nothing and only slows every login. N = 1024 (1 MiB, ~4 ms of a core here, 16× less than
 * DEFAULT_SCRYPT) leaves scrypt room for ~400 logins a second on 2 cores after a restart (the
 * verified-credential cache is empty then), where N = 16384 allows ~28: 10,000 devices in
 * ~25 s of scrypt instead of ~6 minutes (end to end: bench/README.md, bench:connections). Chosen passwords keep DEFAULT_SCRYPT; the parameters travel with
 * each hash, so both kinds live in one catalog.
 */
export const GENERATED_SECRET_SCRYPT = { N: 1024, r: 8, p: 1 } as const;

/** A device secret of 128 random bits, base64url (22 characters). */
export function generateSecret(): string {
  return randomBytes(16).toString('base64url');
}

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { ...options, maxmem: 256 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, options: { N: number; r: number; p: number } = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, options);
  return ['scrypt', options.N, options.r, options.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** True when `password` matches `hash`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (!N || !r || !p || salt.length === 0 || expected.length === 0) return false;
  const key = await derive(password, salt, { N, r, p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
