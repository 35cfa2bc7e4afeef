/**
 * Starts a whole Clearwater process in the test, on ephemeral ports, against the run's InfluxDB
 * with a database of the test's own, and a data folder in /tmp.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseConfig, type Config } from '../../app/config.ts';
import { influxQL } from '../../app/local-influxd.ts';
import { createLogger } from '../../app/log.ts';
import { startPipeline, type RunningPipeline } from '../../app/pipeline.ts';
import { derivedPassword } from '../../simulators/credentials.ts';

export interface TestPipeline extends RunningPipeline {
  readonly config: Config;
  readonly database: string;
  readonly http: string;
  readonly mqttUrl: string;
  /** InfluxQL against the test's database. */
  query(statement: string): Promise<unknown[][]>;
  close(): Promise<void>;
}

export async function startTestPipeline(influxUrl: string, database: string, overrides: Record<string, unknown> = {}): Promise<TestPipeline> {
  const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-test-'));
  const parsed = parseConfig({
    dataDir,
    broker: { port: 0 },
    http: { port: 0 },
    influx: { url: influxUrl, api: 'v1', database, flushIntervalMs: 100 },
    log: { level: process.env.TEST_LOG ?? 'silent', pretty: false },
    ...overrides,
  });
  if (!parsed.ok) throw new Error(parsed.problems);
  const { config } = parsed;
  const pipeline = await startPipeline(config, { log: createLogger(config.log.level, false) });
  return {
    ...pipeline,
    config,
    database,
    http: `http://127.0.0.1:${pipeline.httpPort}`,
    mqttUrl: `mqtt://127.0.0.1:${pipeline.mqttPort}`,
    async query(statement) {
      const result = await influxQL(influxUrl, statement, database);
      return result.results?.[0]?.series?.flatMap((s) => s.values) ?? [];
    },
    async close() {
      await pipeline.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Connects as a catalog device of the sample network (demo-derived password unless given). */
export function connectDevice(url: string, deviceId: string, options: IClientOptions = {}): Promise<MqttClient> {
  return connect(url, { username: deviceId, password: derivedPassword(deviceId), clientId: `${deviceId}-${Math.random().toString(16).slice(2, 8)}`, ...options });
}

export function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One sample of the process's /metrics; `token`: a bearer token, needed once `api.tokens` are configured. */
export async function metric(http: string, name: string, token?: string): Promise<number> {
  const response = await fetch(`${http}/metrics`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
