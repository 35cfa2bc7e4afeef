/**
 * A private Mosquitto for bench/external.ts: Debian's `mosquitto` binary on a free 127.0.0.1
 * port, its configuration in a temporary folder, started fresh for each run so no session of an
 * earlier run holds messages. Configured as ingest/README.md tells an operator to ("The broker
 * must keep what it acknowledged"): no limit on a subscriber's queue, so nothing acknowledged is
 * dropped while the ingest is behind. Persistence is off: the bench never restarts the broker.
 * Devices log in anonymously; Mosquitto's authentication is not what is measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../app/free-port.ts';
import { stopChild } from '../app/stop-child.ts';

export const MOSQUITTO_BINARY = process.env.MOSQUITTO_BINARY ?? '/usr/sbin/mosquitto';

export interface PrivateMosquitto {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The configuration file's text. Pure. */
export function mosquittoConfig(port: number): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    // 0 = no limit: the default 1000 drops QoS 1 messages for a subscriber that is behind.
    'max_queued_messages 0',
    'max_connections -1',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    '',
  ].join('\n');
}

function listening(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`mosquitto exited (${child.exitCode}) before listening on ${port}`));
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`mosquitto not listening on ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startMosquitto(): Promise<PrivateMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'clearwater-bench-mosquitto-'));
  const port = await freePort();
  const file = join(dir, 'mosquitto.conf');
  await writeFile(file, mosquittoConfig(port));
  const child = spawn(MOSQUITTO_BINARY, ['-c', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`cannot start ${MOSQUITTO_BINARY} (Debian package mosquitto): ${error.message}`)));
  });
  await spawned;
  await listening(port, child, 10_000);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
