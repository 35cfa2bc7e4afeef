import { describe, expect, it } from 'vitest';
import { CredentialCache, credentialCacheSchema } from './credential-cache.ts';

const HASH = 'scrypt$16384$8$1$c2FsdA==$a2V5';
const cache = (maxEntries = 10) => new CredentialCache(credentialCacheSchema.parse({ maxEntries }));

describe('CredentialCache', () => {
  it('knows a remembered password, and nothing else', () => {
    const c = cache();
    c.remember('device:d1', HASH, 'right-secret');
    expect(c.has('device:d1', HASH, 'right-secret')).toBe(true);
    expect(c.has('device:d1', HASH, 'wrong-secret')).toBe(false);
    expect(c.has('device:d2', HASH, 'right-secret')).toBe(false);
  });

  it('misses when the stored hash changed (a new catalog entry for the device)', () => {
    const c = cache();
    c.remember('device:d1', HASH, 'right-secret');
    expect(c.has('device:d1', 'scrypt$16384$8$1$b3RoZXI=$a2V5', 'right-secret')).toBe(false);
  });

  it('does not confuse fields that concatenate alike', () => {
    const c = cache();
    c.remember('device:d1', HASH, 'x');
    expect(c.has('device:d1x', HASH, '')).toBe(false);
  });

  it('never holds the password itself', () => {
    const c = cache();
    c.remember('device:d1', HASH, 'right-secret');
    const held = [...(c as unknown as { tags: Map<string, Buffer> }).tags.values()];
    expect(held.map((tag) => tag.length)).toEqual([32]);
    expect(held[0]?.includes(Buffer.from('right-secret'))).toBe(false);
  });

  it('forgets one principal, all of them, or all when handed another catalog', () => {
    const c = cache();
    const first = {};
    c.sync(first);
    c.remember('device:d1', HASH, 'a-secret');
    c.remember('device:d2', HASH, 'b-secret');
    c.forget('device:d1');
    expect(c.has('device:d1', HASH, 'a-secret')).toBe(false);
    expect(c.has('device:d2', HASH, 'b-secret')).toBe(true);
    c.sync(first);
    expect(c.size).toBe(1);
    c.sync({});
    expect(c.size).toBe(0);
    c.remember('device:d1', HASH, 'a-secret');
    c.forgetAll();
    expect(c.has('device:d1', HASH, 'a-secret')).toBe(false);
  });

  it('forgets the least recently verified past maxEntries', () => {
    const c = cache(2);
    c.remember('device:d1', HASH, 's1');
    c.remember('device:d2', HASH, 's2');
    expect(c.has('device:d1', HASH, 's1')).toBe(true); // d1 is now the most recent
    c.remember('device:d3', HASH, 's3');
    expect(c.size).toBe(2);
    expect(c.has('device:d2', HASH, 's2')).toBe(false);
    expect(c.has('device:d1', HASH, 's1')).toBe(true);
    expect(c.has('device:d3', HASH, 's3')).toBe(true);
  });

  it('remembers nothing with maxEntries 0', () => {
    const c = cache(0);
    c.remember('device:d1', HASH, 's1');
    expect(c.has('device:d1', HASH, 's1')).toBe(false);
  });
});
