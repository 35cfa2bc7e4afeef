/** The `clearwater` command as a user runs it: a real process, real stdin/stdout, exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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

  it('refuses a password too short for a device', () => {
    const result = run(['catalog', 'hash-password', 'abc']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('at least 8 characters');
  });

  it('checks the sample catalog', () => {
    const result = run(['catalog', 'check', fileURLToPath(new URL('../network/sample/county.yaml', import.meta.url))]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/13 villages, \d+ sites, 60 devices — valid/);
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
    const result = spawnSync(process.execPath, [bin, 'config', 'check'], { encoding: 'utf8', env: { ...process.env, INFLUX_PASSWORD: 'hunter2-secret', INFLUX_TOKEN: 'tok-secret' } });
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('hunter2-secret');
    expect(result.stdout).not.toContain('tok-secret');
  });
});
