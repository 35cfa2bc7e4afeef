/**
 * Debian's victoria-metrics as a real server for the unmodified InfluxDB v2 write path: it
 * accepts /api/v2/write and is read back through /api/v1/export.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../app/free-port.ts';

const installScript = fileURLToPath(new URL('../../scripts/install-influxdb.sh', import.meta.url));

export async function startVictoriaMetrics(): Promise<{ url: string; stop(): Promise<void> }> {
  if (spawnSync('sh', ['-c', 'command -v victoria-metrics'], { stdio: 'ignore' }).status !== 0) {
    spawnSync('bash', [installScript, '--with-victoria-metrics'], { stdio: 'inherit' });
  }
  const dir = await mkdtemp(join(tmpdir(), 'clearwater-vm-'));
  const port = await freePort();
  const child = spawn('victoria-metrics', [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}`, '-loggerLevel=ERROR', '-search.latencyOffset=0s'], {
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // starting
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('victoria-metrics did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Series exported by /api/v1/export for a selector, one object per series. */
export async function exportSeries(url: string, selector: string): Promise<{ metric: Record<string, string>; values: number[]; timestamps: number[] }[]> {
  await fetch(`${url}/internal/force_flush`);
  const response = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': selector })}`);
  const text = await response.text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
}
