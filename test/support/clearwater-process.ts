/**
 * A Clearwater process of its own (`bin/clearwater.js start`), for fault tests that kill it,
 * measure its memory, or must not share an event loop with the load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const bin = fileURLToPath(new URL('../../bin/clearwater.js', import.meta.url));

export interface ClearwaterProcess {
  readonly pid: number;
  readonly mqttUrl: string;
  readonly http: string;
  /** Resident memory now, MiB (VmRSS). */
  rssMiB(): Promise<number>;
  /** Log lines seen so far (pino JSON). */
  readonly logs: Record<string, unknown>[];
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Writes `config.yaml` into `dir` (ports 0, logs as JSON) and starts the process. */
export async function startClearwater(dir: string, config: Record<string, unknown>): Promise<ClearwaterProcess> {
  const path = join(dir, 'config.yaml');
  // Logs stay at info as JSON: the ports are read from the start-up lines.
  await writeFile(path, stringify({ broker: { port: 0 }, http: { port: 0 }, dataDir: join(dir, 'data'), ...config, log: { level: 'info', pretty: false } }));
  const child = spawn(process.execPath, [bin, 'start', '-c', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const ports = await new Promise<{ mqtt: number; http: string }>((resolve, reject) => {
    let mqtt = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'MQTT broker listening') mqtt = Number(entry.port);
      if (typeof entry.msg === 'string' && entry.msg.includes('HTTP API listening')) resolve({ mqtt, http: String(entry.url) });
    });
    child.once('exit', (code) => reject(new Error(`clearwater exited with ${code} before it was ready:\n${stderr}`)));
  });
  return {
    pid: child.pid ?? 0,
    mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}`,
    http: ports.http,
    logs,
    async rssMiB() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    kill: (signal) => killed(child, signal),
  };
}

function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
