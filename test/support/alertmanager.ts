/**
 * A private Prometheus Alertmanager (Debian's prometheus-alertmanager 0.25, installed by
 * scripts/install-test-peers.sh when missing) on a free port of 127.0.0.1, clustering off, a
 * temporary storage folder and a config of its own (by default one `null` receiver that notifies
 * nobody), for tests that push alerts and read them back.
 *
 *   const am = await startAlertmanager();
 *   await fetch(`${am.url}/api/v2/alerts`, { method: 'POST', body: … });
 *   await am.alerts();                    // GET /api/v2/alerts
 *   await am.received('resolved');        // alertmanager_alerts_received_total{status="resolved"}
 *   await am.stop();
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../app/free-port.ts';
import { stopChild } from '../../app/stop-child.ts';

const installScript = fileURLToPath(new URL('../../scripts/install-test-peers.sh', import.meta.url));
const BINARY = 'prometheus-alertmanager';

/** One receiver that notifies nobody: Alertmanager keeps, groups and lists the alerts all the same. */
export const NULL_RECEIVER_CONFIG = `route:
  receiver: 'null'
  group_wait: 0s
receivers:
  - name: 'null'
`;

/** gettableAlert of the API v2. */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly generatorURL?: string;
  readonly fingerprint: string;
  readonly receivers: { name: string }[];
  readonly status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] };
}

export interface Alertmanager {
  readonly url: string;
  /** GET /api/v2/alerts: the alerts Alertmanager holds that have not ended (it lists no alert whose endsAt has passed). */
  alerts(filter?: readonly string[]): Promise<GettableAlert[]>;
  /** alertmanager_alerts_received_total for API v2 pushes, by the status Alertmanager gave them. */
  received(status: 'firing' | 'resolved'): Promise<number>;
  stop(): Promise<void>;
}

export async function startAlertmanager(options: { config?: string } = {}): Promise<Alertmanager> {
  if (spawnSync('sh', ['-c', `command -v ${BINARY}`], { stdio: 'ignore' }).status !== 0) spawnSync('bash', [installScript], { stdio: 'inherit' });
  const dir = await mkdtemp(join(tmpdir(), 'clearwater-alertmanager-'));
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, options.config ?? NULL_RECEIVER_CONFIG);
  // freePort can lose a race to another process: a few tries, each on a new port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = await launch(configFile, join(dir, 'data'), port);
    if (started.ok) return handle(`http://127.0.0.1:${port}`, started.child, dir);
    if (attempt === 3) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`prometheus-alertmanager did not start: ${started.reason}`);
    }
  }
}

async function launch(configFile: string, storage: string, port: number): Promise<{ ok: true; child: ChildProcess } | { ok: false; reason: string }> {
  const child = spawn(
    BINARY,
    [`--config.file=${configFile}`, `--storage.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Readiness, not a timing: /-/ready answers 200 once the config is loaded (bounded by attempts).
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) return { ok: false, reason: stderr.trim() || `exit ${child.exitCode}` };
    try {
      if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) return { ok: true, child };
    } catch {
      // not listening yet
    }
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  child.kill('SIGKILL');
  await exited;
  return { ok: false, reason: `not ready after 200 polls; ${stderr.trim()}` };
}

function handle(url: string, child: ChildProcess, dir: string): Alertmanager {
  return {
    url,
    async alerts(filter = []) {
      const query = new URLSearchParams(filter.map((matcher): [string, string] => ['filter', matcher]));
      const response = await fetch(`${url}/api/v2/alerts${filter.length > 0 ? `?${query}` : ''}`);
      if (!response.ok) throw new Error(`GET /api/v2/alerts: ${response.status} ${await response.text()}`);
      return (await response.json()) as GettableAlert[];
    },
    async received(status) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`alertmanager_alerts_received_total{status="${status}",version="v2"}`));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    },
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
