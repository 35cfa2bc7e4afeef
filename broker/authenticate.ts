/**
 * Who is connecting: a catalog device (username = device id, password checked against the scrypt
 * hash in the catalog) or an observer account from the config. Unknown users and wrong passwords
 * are refused alike, so the answer does not reveal which ids exist.
 *
 * Every login is checked against the principal's own secret. A password this process verified
 * already is checked by the credential cache (an HMAC, credential-cache.ts); any other goes
 * through scrypt behind the bounded queue (password-checks.ts), and when that queue is full the
 * login is refused as `busy` before anything is hashed.
 */
import type { Catalog } from '../network/catalog.ts';
import { verifyPassword } from '../network/password.ts';
import type { Principal } from './acl.ts';
import type { CredentialCache } from './credential-cache.ts';
import type { PasswordCheckQueue } from './password-checks.ts';

export interface ObserverAccount {
  readonly username: string;
  readonly passwordHash: string;
}

export type Authentication =
  | { ok: true; principal: Principal; cached: boolean }
  | { ok: false; reason: 'unknown_user' | 'bad_password' | 'no_credentials' }
  /** No password check was run: the queue was full (`queued` waiting), or the client left while it waited. */
  | { ok: false; reason: 'busy'; queued: number }
  | { ok: false; reason: 'abandoned' };

export interface PasswordGuard {
  readonly cache: CredentialCache;
  readonly checks: PasswordCheckQueue;
  /** The scrypt check; injected by tests to count calls. */
  readonly verify?: (password: string, hash: string) => Promise<boolean>;
  /** True once the connecting client went away: a queued check is then skipped. */
  readonly abandoned?: () => boolean;
}

/** A hash for unknown users, so their check costs what a real one costs. */
const DECOY_HASH = 'scrypt$16384$8$1$Y2xlYXJ3YXRlci1kZWNveQ==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

type Check = { ok: true; cached: boolean } | { ok: false } | Extract<Authentication, { reason: 'busy' | 'abandoned' }>;

/** `key` names the principal in the cache; undefined: the decoy, never cached. */
async function check(guard: PasswordGuard, key: string | undefined, secret: string, hash: string): Promise<Check> {
  if (key !== undefined && guard.cache.has(key, hash, secret)) return { ok: true, cached: true };
  const verify = guard.verify ?? verifyPassword;
  const outcome = await guard.checks.run(() => verify(secret, hash), guard.abandoned);
  if (!outcome.ran) return outcome.reason === 'queue_full' ? { ok: false, reason: 'busy', queued: outcome.queued } : { ok: false, reason: 'abandoned' };
  if (!outcome.value) return { ok: false };
  if (key !== undefined) guard.cache.remember(key, hash, secret);
  return { ok: true, cached: false };
}

export async function authenticate(
  catalog: Catalog,
  observers: readonly ObserverAccount[],
  username: string | undefined,
  password: Buffer | undefined,
  guard: PasswordGuard,
): Promise<Authentication> {
  if (!username || !password) return { ok: false, reason: 'no_credentials' };
  guard.cache.sync(catalog);
  const secret = password.toString('utf8');
  const device = catalog.device(username);
  if (device) {
    const result = await check(guard, `device:${device.id}`, secret, device.passwordHash);
    if ('reason' in result) return result;
    return result.ok ? { ok: true, principal: { kind: 'device', deviceId: device.id, siteId: device.site.id }, cached: result.cached } : { ok: false, reason: 'bad_password' };
  }
  const observer = observers.find((o) => o.username === username);
  if (observer) {
    const result = await check(guard, `observer:${username}`, secret, observer.passwordHash);
    if ('reason' in result) return result;
    return result.ok ? { ok: true, principal: { kind: 'observer', username }, cached: result.cached } : { ok: false, reason: 'bad_password' };
  }
  const result = await check(guard, undefined, secret, DECOY_HASH);
  if ('reason' in result) return result;
  return { ok: false, reason: 'unknown_user' };
}
