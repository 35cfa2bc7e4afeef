/** The `clearwater` command as a user runs it: a real process, real stdin/stdout, exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { verifyPassword } from '../network/password.ts';

const bin = fileURLToPath(new URL('../bin/clearwater.js', import.meta.url));
const run = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, CLEARWATER_LOG_LEVEL: 'silent' } });

describe('clearwater CLI', () => {
  it('hashes a device password from stdin for the catalog', async () => {
    const result = run(['catalog', 'hash-password'], 'correct horse battery\n');
    expect(result.status).toBe(0);
    const hash = result.stdout.trim();
    expect(hash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
  });

  it('generates a 128-bit device secret and its hash', async () => {
    const result = run(['catalog', 'hash-password', '--generate']);
    expect(result.status).toBe(0);
    const [secret = '', hash = ''] = result.stdout.trim().split(' ');
    expect(Buffer.from(secret, 'base64url')).toHaveLength(16);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword(secret, hash)).toBe(true);
  });

  it('refuses a password too short for a device', () => {
    const result = run(['catalog', 'hash-password', 'abc']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('at least 8 characters');
  });

  it('checks the sample catalog', () => {
    const result = run(['catalog', 'check', fileURLToPath(new URL('../network/sample/county.yaml', import.meta.url))]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/13 villages, \d+ sites, 70 devices — valid/);
  });

  it('prints every problem of a bad config at once and exits non-zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-cli-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'broker: { port: 99999 }\ninflux: { api: v9 }\n');
    const result = run(['config', 'check', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('broker.port');
    expect(result.stderr).toContain('influx.api');
  });

  it('never prints secrets when showing a config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-cli-'));
    const file = join(dir, 'secrets.yaml');
    const observerHash = 'scrypt$16384$8$1$c2FsdA==$observer-hash-secret';
    await writeFile(
      file,
      stringify({
        api: { tokens: [{ name: 'County dispatch', role: 'dispatcher', token: 'bearer-token-secret-0123' }] },
        broker: { observers: [{ username: 'wall', passwordHash: observerHash }] },
        tickets: { store: 'postgres', url: 'postgres://clearwater:pg-url-secret@db.example:5432/clearwater?sslmode=require&sslpassword=pg-key-secret' },
        source: { kind: 'mqtt', url: 'mqtt://ingest:mqtt-url-secret@emqx.internal:1883', username: 'ingest', password: 'source-password-secret' },
        influx: { url: 'http://admin:influx-url-secret@influx.example:8086', username: 'admin' },
      }),
    );
    const env = { ...process.env, INFLUX_PASSWORD: 'hunter2-secret', INFLUX_TOKEN: 'tok-secret' };
    const result = spawnSync(process.execPath, [bin, 'config', 'check', file], { encoding: 'utf8', env });
    expect(result.status, result.stderr).toBe(0);
    for (const secret of ['hunter2-secret', 'tok-secret', 'bearer-token-secret', 'observer-hash-secret', 'pg-url-secret', 'pg-key-secret', 'mqtt-url-secret', 'source-password-secret', 'influx-url-secret']) {
      expect(result.stdout).not.toContain(secret);
    }
    // What is not secret stays readable.
    const shown = JSON.parse(result.stdout);
    expect(shown.api.tokens[0]).toEqual({ name: 'County dispatch', role: 'dispatcher', token: '***' });
    expect(shown.broker.observers[0]).toEqual({ username: 'wall', passwordHash: '***' });
    expect(shown.tickets.url).toBe('postgres://clearwater:***@db.example:5432/clearwater?sslmode=require&sslpassword=***');
    expect(shown.source).toMatchObject({ url: 'mqtt://ingest:***@emqx.internal:1883', username: 'ingest', password: '***' });
    expect(shown.influx).toMatchObject({ url: 'http://admin:***@influx.example:8086', username: 'admin', password: '***', token: '***' });
  });
});
