/**
 * Who is connecting: a catalog device (username = device id, password checked against the scrypt
 * hash in the catalog) or an observer account from the config. Unknown users and wrong passwords
 * are refused alike, so the answer does not reveal which ids exist.
 */
import type { Catalog } from '../network/catalog.ts';
import { verifyPassword } from '../network/password.ts';
import type { Principal } from './acl.ts';

export interface ObserverAccount {
  readonly username: string;
  readonly passwordHash: string;
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: 'unknown_user' | 'bad_password' | 'no_credentials' };

/** A hash for unknown users, so their check costs what a real one costs. */
const DECOY_HASH = 'scrypt$16384$8$1$Y2xlYXJ3YXRlci1kZWNveQ==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export async function authenticate(
  catalog: Catalog,
  observers: readonly ObserverAccount[],
  username: string | undefined,
  password: Buffer | undefined,
): Promise<Authentication> {
  if (!username || !password) return { ok: false, reason: 'no_credentials' };
  const secret = password.toString('utf8');
  const device = catalog.device(username);
  if (device) {
    const ok = await verifyPassword(secret, device.passwordHash);
    return ok ? { ok: true, principal: { kind: 'device', deviceId: device.id, siteId: device.site.id } } : { ok: false, reason: 'bad_password' };
  }
  const observer = observers.find((o) => o.username === username);
  if (observer) {
    const ok = await verifyPassword(secret, observer.passwordHash);
    return ok ? { ok: true, principal: { kind: 'observer', username } } : { ok: false, reason: 'bad_password' };
  }
  await verifyPassword(secret, DECOY_HASH);
  return { ok: false, reason: 'unknown_user' };
}
