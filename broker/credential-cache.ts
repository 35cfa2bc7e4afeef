/**
 * Verified credentials, remembered so a device that logs in again costs an HMAC, not a scrypt.
 *
 * Why: the catalog keeps each password as a salted scrypt hash with a cost factor, as NIST SP
 * 800-63B §5.1.1.2 asks of stored secrets, and on a 2-core machine one scrypt at N = 16384, r = 8
 * takes ~70 ms of a core. 10,000 devices reconnecting after an outage would queue ~6 minutes of
 * scrypt. After a password verified, this cache keeps HMAC-SHA256(key, principal ‖ stored hash ‖
 * password) under the principal, with a key drawn at random when the process starts and never
 * written anywhere. A later login presenting the same secret is checked by recomputing that tag
 * and comparing in constant time; every login is still checked against the device's own secret
 * (no device skips authentication), but the scrypt is paid once per device per process. A wrong
 * password misses and goes through scrypt (and the throttle) as before; the good entry stays.
 *
 * What it holds: never the password, only a 32-byte tag that is useless without the in-memory
 * key (someone who can read this process's memory can read passwords off the sockets anyway).
 * The stored hash is part of the tag, so a changed catalog hash can never be answered from an
 * old entry; `forget`/`forgetAll` drop entries at once, and `sync(catalog)` empties the cache
 * when it is handed a different catalog than the one it was filled against.
 *
 * Bounded: at most `maxEntries` principals, the least recently verified forgotten first (one
 * entry is ~200 bytes: 10,000 devices hold ~2 MB).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const credentialCacheSchema = z
  .object({
    maxEntries: z
      .number()
      .int()
      .nonnegative()
      .default(20_000)
      .describe('Principals (devices, observers) whose verified password is remembered as an HMAC tag; the least recently verified are forgotten first; 0 switches the cache off (every login runs scrypt)'),
  })
  .describe('Verified-credential cache: a device logging in again with the password scrypt already verified in this process is checked by HMAC-SHA256 instead');
export type CredentialCacheConfig = z.infer<typeof credentialCacheSchema>;

export class CredentialCache {
  /** Principal → its tag; Map order is the LRU order (re-inserted on every hit). */
  private readonly tags = new Map<string, Buffer>();
  private readonly key: Buffer;
  private source: object | undefined;

  constructor(private readonly config: CredentialCacheConfig, key: Buffer = randomBytes(32)) {
    this.key = key;
  }

  /** True when `password` is the one verified for `principal` against `storedHash`. */
  has(principal: string, storedHash: string, password: string): boolean {
    const held = this.tags.get(principal);
    if (!held) return false;
    if (!timingSafeEqual(held, this.tag(principal, storedHash, password))) return false;
    this.tags.delete(principal);
    this.tags.set(principal, held);
    return true;
  }

  /** Remembers a password scrypt just verified for `principal` against `storedHash`. */
  remember(principal: string, storedHash: string, password: string): void {
    if (this.config.maxEntries === 0) return;
    this.tags.delete(principal);
    while (this.tags.size >= this.config.maxEntries) {
      const oldest = this.tags.keys().next();
      if (oldest.done) break;
      this.tags.delete(oldest.value);
    }
    this.tags.set(principal, this.tag(principal, storedHash, password));
  }

  forget(principal: string): void {
    this.tags.delete(principal);
  }

  forgetAll(): void {
    this.tags.clear();
  }

  /** Empties the cache when `catalog` is not the one it was filled against (a reload hands a new object). */
  sync(catalog: object): void {
    if (this.source !== catalog) this.forgetAll();
    this.source = catalog;
  }

  get size(): number {
    return this.tags.size;
  }

  private tag(principal: string, storedHash: string, password: string): Buffer {
    // Length-prefixed fields, so no two (principal, hash, password) triples share an input.
    const hmac = createHmac('sha256', this.key);
    for (const field of [principal, storedHash, password]) {
      const bytes = Buffer.from(field, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      hmac.update(length).update(bytes);
    }
    return hmac.digest();
  }
}
