/**
 * Node-RED for the benchmark's peer run, installed on demand into a cache folder of its own
 * (never into the project's dependencies): Node-RED 4.1 (5.x needs Node 22) and
 * node-red-contrib-influxdb for its `influxdb batch` node. The first run installs from the npm
 * registry (about 100 MB, half a minute); later runs find it there.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const NODE_RED_VERSION = '4.1.8';
export const INFLUXDB_NODES_VERSION = '0.7.0';

/** `$CLEARWATER_BENCH_CACHE`, default ~/.cache/clearwater-bench/node-red-<version>. */
export function noderedDir(): string {
  const cache = process.env.CLEARWATER_BENCH_CACHE ?? join(homedir(), '.cache', 'clearwater-bench');
  return join(cache, `node-red-${NODE_RED_VERSION}-influxdb-${INFLUXDB_NODES_VERSION}`);
}

/** The folder with node_modules/node-red in it, installing first when it is not there. */
export async function ensureNodered(log: (text: string) => void): Promise<string> {
  const dir = noderedDir();
  if (existsSync(join(dir, 'node_modules', 'node-red', 'package.json')) && existsSync(join(dir, 'node_modules', 'node-red-contrib-influxdb', 'package.json'))) return dir;
  log(`installing node-red@${NODE_RED_VERSION} and node-red-contrib-influxdb@${INFLUXDB_NODES_VERSION} into ${dir}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ private: true, description: 'Node-RED for the Clearwater benchmark (bench/nodered-install.ts)' })}\n`);
  await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', `node-red@${NODE_RED_VERSION}`, `node-red-contrib-influxdb@${INFLUXDB_NODES_VERSION}`], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  return dir;
}
