/**
 * `clearwater simulate -c simulators/sample/simulate.yaml` as a user runs it: a real process
 * against a real (bare) Aedes broker on an ephemeral port, the file's settings with the flags
 * given beside it on top.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../simulators/broker.fixtures.ts';

const bin = fileURLToPath(new URL('../bin/clearwater.js', import.meta.url));
const sample = fileURLToPath(new URL('../simulators/sample/simulate.yaml', import.meta.url));
const env = { ...process.env, CLEARWATER_LOG_LEVEL: 'silent' };
const HOUR_MS = 3_600_000;

let broker: TestBroker;
let url = '';
let subscriber: MqttClient;
const telemetry: { topic: string; ts: number }[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
  url = broker.url;
  subscriber = await connectAsync(url, { clientId: 'simulate-cli-test' });
  subscriber.on('message', (topic, payload) => {
    if (topic.endsWith('/telemetry')) telemetry.push({ topic, ts: (JSON.parse(payload.toString()) as { ts: number }).ts });
  });
  await subscriber.subscribeAsync('water/#', { qos: 1 });
});

afterAll(async () => {
  await subscriber?.endAsync();
  await broker.close();
});

/** Runs the command without blocking this process, whose event loop serves the broker. */
async function simulate(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'simulate', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, stderr };
}

describe('clearwater simulate -c FILE', () => {
  it('runs the sample file against the broker given beside it: a day of history at 600×, only the devices asked for', async () => {
    const startedAt = Date.now();
    const result = await simulate(['-c', sample, '--broker', url, '--only', 'tongmen-end-tap-wq', '--duration', '3']);
    expect(result.status, result.stderr).toBe(0);
    expect(new Set(telemetry.map((m) => m.topic))).toEqual(new Set(['water/tongmen-end-tap/tongmen-end-tap-wq/telemetry']));
    // A minute's interval of simulated time is 0.1 s at 600×: many readings, from a day back.
    expect(telemetry.length).toBeGreaterThan(10);
    const earliest = Math.min(...telemetry.map((m) => m.ts));
    expect(earliest).toBeLessThan(startedAt - 23 * HOUR_MS);
    expect(earliest).toBeGreaterThan(startedAt - 25 * HOUR_MS);
  });

  it('shows its help with the file given', () => {
    const result = spawnSync(process.execPath, [bin, 'simulate', '-c', sample, '--help'], { env, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/-c, --config <file>\s+Simulator configuration/);
  });

  it('refuses a bad file with every problem at once, before connecting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-simulate-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'speed: 0\nbackfillMs: soon\nscenarios: [{ kind: flood }]\n');
    const result = spawnSync(process.execPath, [bin, 'simulate', '-c', file, '--broker', 'mqtt://127.0.0.1:1'], { env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    for (const field of ['speed', 'backfillMs', 'scenarios']) expect(result.stderr).toContain(field);
  });
});
