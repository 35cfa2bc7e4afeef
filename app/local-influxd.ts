/**
 * A private InfluxDB 1.x for the embedded default, the tests and the benchmarks: installs
 * Debian's `influxdb` when `influxd` is missing (scripts/install-influxdb.sh), starts it on a
 * free 127.0.0.1 port with its data in a temporary folder, waits until /ping answers, and stops
 * it (removing the folder) on `stop()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { stopChild } from './stop-child.ts';

export interface LocalInfluxd {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Stops influxd (SIGTERM, then SIGKILL after 10 s) and removes its data. */
  stop(): Promise<void>;
  /** Stops the server but keeps its port and data, as in an outage (fault tests). */
  pause(): Promise<void>;
  /** Starts it again after `pause`, on the same port with the same data. */
  resume(): Promise<void>;
}

export interface LocalInfluxdOptions {
  /** Databases to create once it answers. */
  databases?: string[];
  /** Install Debian's influxdb when influxd is missing (needs root or sudo). Default true. */
  install?: boolean;
  /** How long to wait for /ping, ms. Default 30 s. */
  startTimeoutMs?: number;
  /** Keep the data folder on stop (for inspection). Default false. */
  keepData?: boolean;
}

const installScript = fileURLToPath(new URL('../scripts/install-influxdb.sh', import.meta.url));

export function influxdInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v influxd'], { stdio: 'ignore' }).status === 0;
}

export function ensureInfluxdInstalled(): void {
  if (influxdInstalled()) return;
  const result = spawnSync('bash', [installScript], { stdio: 'inherit' });
  if (result.status !== 0 || !influxdInstalled()) {
    throw new Error('influxd is missing and installing Debian\'s influxdb failed; install it or set INFLUX_URL');
  }
}

/** $1 = config file, $2 = pid of the process that owns this influxd. */
const GUARDIAN = `influxd -config "$1" & pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT
while kill -0 $pid 2>/dev/null; do
  kill -0 "$2" 2>/dev/null || kill -TERM $pid 2>/dev/null
  sleep 1 & wait $!
done
wait $pid`;

function influxdConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
  logging-enabled = false
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
  index-version = "inmem"
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
  max-body-size = 0
[continuous_queries]
  enabled = false
`;
}

export async function startLocalInfluxd(options: LocalInfluxdOptions = {}): Promise<LocalInfluxd> {
  if (options.install !== false) ensureInfluxdInstalled();
  const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-influxd-'));
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [httpPort, rpcPort] = [await freePort(), await freePort()];
    const configPath = join(dataDir, 'influxdb.conf');
    await writeFile(configPath, influxdConfig(dataDir, httpPort, rpcPort));
    // influxd runs under a small guardian in its own process group: Ctrl-C at a terminal reaches
    // only Clearwater, which flushes its last writes before it stops influxd; and if Clearwater
    // dies without stopping it (SIGKILL), the guardian notices and stops influxd.
    const url = `http://127.0.0.1:${httpPort}`;
    let child: ChildProcess | undefined;
    try {
      child = await launch(configPath, url, options.startTimeoutMs ?? 30_000);
      for (const db of options.databases ?? []) await createDatabase(url, db);
      const keepData = options.keepData ?? false;
      return {
        url,
        dataDir,
        pid: child.pid ?? 0,
        stop: () => stopInfluxd(child, dataDir, keepData),
        pause: () => stopInfluxd(child, dataDir, true),
        resume: async () => {
          child = await launch(configPath, url, options.startTimeoutMs ?? 30_000);
        },
      };
    } catch (error) {
      lastError = error;
    }
  }
  await rm(dataDir, { recursive: true, force: true });
  throw lastError;
}

async function launch(configPath: string, url: string, timeoutMs: number): Promise<ChildProcess> {
  const child = spawn('sh', ['-c', GUARDIAN, 'influxd-guardian', configPath, String(process.pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForPing(url, child, timeoutMs);
    return child;
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`influxd exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`influxd did not answer ${url}/ping within ${timeoutMs} ms`);
}

async function stopInfluxd(child: ChildProcess | undefined, dataDir: string, keepData: boolean): Promise<void> {
  if (child) await stopChild(child);
  if (!keepData) await rm(dataDir, { recursive: true, force: true });
}

/** Runs one InfluxQL statement (1.x /query) and returns the parsed JSON. */
export async function influxQL(url: string, statement: string, db?: string): Promise<InfluxQLResponse> {
  const params = new URLSearchParams({ q: statement, epoch: 'ms' });
  if (db) params.set('db', db);
  const response = await fetch(`${url}/query`, { method: 'POST', body: params });
  const body = (await response.json()) as InfluxQLResponse;
  if (!response.ok) throw new Error(`InfluxQL failed (${response.status}): ${JSON.stringify(body)}`);
  const failed = body.results?.find((r) => r.error);
  if (failed) throw new Error(`InfluxQL error: ${failed.error}`);
  return body;
}

export interface InfluxQLSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
export interface InfluxQLResponse {
  results?: { statement_id: number; series?: InfluxQLSeries[]; error?: string }[];
  error?: string;
}

export async function createDatabase(url: string, db: string): Promise<void> {
  await influxQL(url, `CREATE DATABASE "${db.replaceAll('"', '')}"`);
}
