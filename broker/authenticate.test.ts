import { describe, expect, it } from 'vitest';
import { parseCatalog, type Catalog } from '../network/catalog.ts';
import { authenticate, type PasswordGuard } from './authenticate.ts';
import { CredentialCache, credentialCacheSchema } from './credential-cache.ts';
import { PasswordCheckQueue, passwordChecksSchema } from './password-checks.ts';

const catalogWith = (passwordHash: string): Catalog => {
  const parsed = parseCatalog({
    county: { id: 'c', name: 'C' },
    townships: [{ id: 't1', name: 'T1' }],
    villages: [{ id: 'v1', name: 'V1', township: 't1' }],
    zones: [{ id: 'z1', name: 'Z1' }],
    sites: [{ id: 's1', name: 'S1', kind: 'tap', township: 't1', village: 'v1', zone: 'z1', location: { lat: 29.5, lon: 119.7 } }],
    devices: [{ id: 'd1', site: 's1', passwordHash, intervalS: 60, metrics: ['turbidity'] }],
  });
  if (!parsed.ok) throw new Error(parsed.problems);
  return parsed.catalog;
};

/** A verifier that stands in for scrypt: `hash` is `scrypt$<the password>`; counts its calls. */
function guard(checks = { maxConcurrent: 2, maxQueued: 10 }) {
  const calls: string[] = [];
  const g: PasswordGuard = {
    cache: new CredentialCache(credentialCacheSchema.parse({})),
    checks: new PasswordCheckQueue(passwordChecksSchema.parse(checks)),
    verify: async (password, hash) => (calls.push(password), hash === `scrypt$${password}`),
  };
  return { g, calls };
}

const login = (catalog: Catalog, g: PasswordGuard, username: string, password: string) => authenticate(catalog, [], username, Buffer.from(password), g);

describe('authenticate with the credential cache', () => {
  it('runs scrypt for the first login only; the next with the same password is a cache hit', async () => {
    const catalog = catalogWith('scrypt$good-secret');
    const { g, calls } = guard();
    await expect(login(catalog, g, 'd1', 'good-secret')).resolves.toMatchObject({ ok: true, cached: false, principal: { deviceId: 'd1' } });
    await expect(login(catalog, g, 'd1', 'good-secret')).resolves.toMatchObject({ ok: true, cached: true, principal: { deviceId: 'd1' } });
    expect(calls).toEqual(['good-secret']);
  });

  it('refuses a wrong password after a cached good one, through scrypt, and keeps the good one', async () => {
    const catalog = catalogWith('scrypt$good-secret');
    const { g, calls } = guard();
    await login(catalog, g, 'd1', 'good-secret');
    await expect(login(catalog, g, 'd1', 'bad-secret')).resolves.toEqual({ ok: false, reason: 'bad_password' });
    await expect(login(catalog, g, 'd1', 'good-secret')).resolves.toMatchObject({ ok: true, cached: true });
    expect(calls).toEqual(['good-secret', 'bad-secret']);
  });

  it('checks again with scrypt when the catalog changes, and refuses the old password after a rotation', async () => {
    const { g, calls } = guard();
    await login(catalogWith('scrypt$old-secret'), g, 'd1', 'old-secret');
    const rotated = catalogWith('scrypt$new-secret');
    await expect(login(rotated, g, 'd1', 'old-secret')).resolves.toEqual({ ok: false, reason: 'bad_password' });
    await expect(login(rotated, g, 'd1', 'new-secret')).resolves.toMatchObject({ ok: true, cached: false });
    const reloaded = catalogWith('scrypt$new-secret'); // same credentials, new catalog object: emptied anyway
    await expect(login(reloaded, g, 'd1', 'new-secret')).resolves.toMatchObject({ ok: true, cached: false });
    expect(calls).toEqual(['old-secret', 'old-secret', 'new-secret', 'new-secret']);
  });

  it('never caches an unknown user (the decoy check runs every time)', async () => {
    const catalog = catalogWith('scrypt$good-secret');
    const { g, calls } = guard();
    await expect(login(catalog, g, 'nobody', 'good-secret')).resolves.toEqual({ ok: false, reason: 'unknown_user' });
    await expect(login(catalog, g, 'nobody', 'good-secret')).resolves.toEqual({ ok: false, reason: 'unknown_user' });
    expect(calls).toHaveLength(2);
  });

  it('refuses as busy, without hashing, when the password-check queue is full; a cached login still gets in', async () => {
    const catalog = catalogWith('scrypt$good-secret');
    const calls: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const g: PasswordGuard = {
      cache: new CredentialCache(credentialCacheSchema.parse({})),
      checks: new PasswordCheckQueue(passwordChecksSchema.parse({ maxConcurrent: 1, maxQueued: 1 })),
      verify: async (password, hash) => {
        calls.push(password);
        if (password !== 'good-secret') await held;
        return hash === `scrypt$${password}`;
      },
    };
    await login(catalog, g, 'd1', 'good-secret');
    const running = login(catalog, g, 'd1', 'guess-1');
    const queued = login(catalog, g, 'd1', 'guess-2');
    await expect(login(catalog, g, 'd1', 'guess-3')).resolves.toEqual({ ok: false, reason: 'busy', queued: 1 });
    await expect(login(catalog, g, 'd1', 'good-secret')).resolves.toMatchObject({ ok: true, cached: true });
    release();
    await expect(Promise.all([running, queued])).resolves.toEqual([
      { ok: false, reason: 'bad_password' },
      { ok: false, reason: 'bad_password' },
    ]);
    expect(calls).toEqual(['good-secret', 'guess-1', 'guess-2']);
  });
});
