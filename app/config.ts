/**
 * The one configuration of a Clearwater process: a YAML file checked by zod, then environment
 * overrides. Every problem is reported at once; nothing touches the network here.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { brokerSchema } from '../broker/broker.ts';
import { dashboardsSchema } from '../dashboards/config.ts';
import { apiSchema } from './access.ts';
import { consoleSchema } from './console-config.ts';
import { ticketStoreSchema } from '../rules/tickets/config.ts';
import { lifecyclePolicySchema } from '../rules/tickets/policy.ts';
import { notifySchema } from '../rules/notify/config.ts';
import { deadLetterSchema } from '../ingest/dead-letters.ts';
import { influxSchema } from '../ingest/influx-writer.ts';
import { mqttSourceSchema } from '../ingest/mqtt-source.ts';
import { plantsSchema } from '../ingest/opcua/config.ts';
import { replayerSchema } from '../ingest/replayer.ts';
import { spoolSchema } from '../ingest/spool.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export const configSchema = z.object({
  catalog: z.string().default(resolve(root, 'network/sample/county.yaml')).describe('Network catalog (YAML)'),
  rulePacks: z
    .array(z.string())
    .default(['tap-water', 'bursts', 'yellow-water', 'sensor-health', 'gb5749-plant-outlet', 'plant-filters'].map((pack) => resolve(root, `rules/packs/${pack}.yaml`)))
    .describe('Rule pack files'),
  rulesTickMs: z.number().int().positive().default(10_000).describe('How often time-driven rules (stale devices) and ticket timers (escalation, silences, flapping) are checked, ms'),
  selfReportMs: z
    .number()
    .int()
    .min(1000)
    .default(10_000)
    .describe('How often the process writes its own health (the `pipeline` measurement, the pipeline health dashboard) to InfluxDB, ms'),
  instance: z
    .string()
    .regex(/^[\w.:-]{1,64}$/, 'letters, digits and . _ : - only, at most 64')
    .optional()
    .describe("This process's name in its `pipeline` points (the `instance` tag), so that several instances' counters stay apart; default: the machine's host name"),
  dataDir: z.string().default('.clearwater').describe('Folder for the spool, the ticket database, dead letters and the rule-state snapshot; kept private (0700, files 0600)'),
  broker: brokerSchema.prefault({}).describe('The embedded MQTT broker the devices log in to: listeners, connection limits, rate limit, login throttle'),
  lifecycle: lifecyclePolicySchema,
  tickets: ticketStoreSchema.prefault({ store: 'sqlite' }).describe('Where tickets live: a SQLite file in dataDir (embedded default) or PostgreSQL (several instances)'),
  source: z
    .discriminatedUnion('kind', [z.object({ kind: z.literal('embedded').describe('Devices publish to the embedded broker (`broker`)') }), mqttSourceSchema])
    .default({ kind: 'embedded' })
    .describe('Where device publishes come from: the embedded broker, or a subscription to an external one (`clearwater ingest`)'),
  plants: plantsSchema,
  http: z
    .object({
      host: z.string().default('127.0.0.1').describe('Address of the HTTP API; 127.0.0.1 keeps it on this machine. Also which Host headers a request without a token may carry (app/host-check.ts)'),
      port: z.number().int().min(0).max(65_535).default(8080).describe('HTTP port; 0 picks a free one'),
    })
    .prefault({})
    .describe('The HTTP API: tickets, silences, /healthz, /metrics'),
  api: apiSchema.prefault({}).describe('Bearer tokens of the ticket API (dispatchers, village administrators, viewers)'),
  notify: notifySchema,
  console: consoleSchema,
  influx: influxSchema
    .extend({
      url: z.url().optional().describe('InfluxDB base URL; absent: start a private influxd for this run'),
      batchSize: replayerSchema.shape.batchLines,
      flushIntervalMs: replayerSchema.shape.flushIntervalMs,
    })
    .prefault({})
    .describe('Where readings are written: InfluxDB through the 1.x write API (`api: v1`) or the v2 one'),
  spool: spoolSchema
    .extend({
      fullWaitMs: z.number().int().nonnegative().default(5000).describe('How long a publish waits for room in a full spool before it is refused, ms'),
      drainTimeoutMs: z.number().int().nonnegative().default(10_000).describe('On stop, how long to keep writing the spool to InfluxDB; the rest is written after the next start, ms'),
    })
    .prefault({})
    .describe('Where readings become durable before the PUBACK (dataDir/spool.db)'),
  replay: replayerSchema.omit({ batchLines: true, flushIntervalMs: true }).prefault({}).describe('Retries and backlog replay to InfluxDB'),
  ingest: z
    .object({
      maxFutureMs: z.number().int().nonnegative().default(5 * 60_000).describe('Readings stamped further ahead are rejected, ms'),
      maxAgeMs: z.number().int().positive().default(30 * 86_400_000).describe('Readings older than this are rejected (retention horizon), ms'),
    })
    .prefault({})
    .describe('Which reading timestamps the ingest accepts'),
  deadLetters: deadLetterSchema.omit({ path: true }).prefault({}).describe('Rejected input, kept in dataDir/dead-letters.db within a count and a byte cap'),
  dashboards: dashboardsSchema
    .prefault({})
    .describe('The Grafana wall `clearwater dashboards build` writes: the data source it provisions, the map\'s basemap, where Grafana finds the files (dashboards/README.md)'),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Lowest level logged (pino); silent logs nothing'),
      pretty: z.boolean().optional().describe('Human-readable lines; default when stdout is a terminal'),
    })
    .prefault({})
    .describe('Log lines on stdout (pino: JSON, or human-readable lines)'),
});
export type Config = z.infer<typeof configSchema>;

/** Environment variables that override the file, and where they go. */
export const envOverrides: Record<string, { path: string[]; type: 'string' | 'number' }> = {
  CLEARWATER_CATALOG: { path: ['catalog'], type: 'string' },
  CLEARWATER_DATA_DIR: { path: ['dataDir'], type: 'string' },
  CLEARWATER_MQTT_HOST: { path: ['broker', 'host'], type: 'string' },
  CLEARWATER_MQTT_PORT: { path: ['broker', 'port'], type: 'number' },
  CLEARWATER_HTTP_HOST: { path: ['http', 'host'], type: 'string' },
  CLEARWATER_HTTP_PORT: { path: ['http', 'port'], type: 'number' },
  CLEARWATER_LOG_LEVEL: { path: ['log', 'level'], type: 'string' },
  CLEARWATER_SOURCE_KIND: { path: ['source', 'kind'], type: 'string' },
  CLEARWATER_SOURCE_URL: { path: ['source', 'url'], type: 'string' },
  CLEARWATER_SOURCE_CLIENT_ID: { path: ['source', 'clientId'], type: 'string' },
  CLEARWATER_SOURCE_USERNAME: { path: ['source', 'username'], type: 'string' },
  CLEARWATER_SOURCE_PASSWORD: { path: ['source', 'password'], type: 'string' },
  CLEARWATER_SOURCE_TOPIC: { path: ['source', 'topic'], type: 'string' },
  CLEARWATER_SOURCE_CONNECTIONS: { path: ['source', 'connections'], type: 'number' },
  INFLUX_URL: { path: ['influx', 'url'], type: 'string' },
  INFLUX_API: { path: ['influx', 'api'], type: 'string' },
  INFLUX_DATABASE: { path: ['influx', 'database'], type: 'string' },
  INFLUX_RETENTION_POLICY: { path: ['influx', 'retentionPolicy'], type: 'string' },
  INFLUX_USERNAME: { path: ['influx', 'username'], type: 'string' },
  INFLUX_PASSWORD: { path: ['influx', 'password'], type: 'string' },
  INFLUX_TOKEN: { path: ['influx', 'token'], type: 'string' },
  INFLUX_ORG: { path: ['influx', 'org'], type: 'string' },
  INFLUX_BUCKET: { path: ['influx', 'bucket'], type: 'string' },
};

type Tree = { [key: string]: unknown };

/** Applies the environment overrides to a parsed document. Pure. */
export function applyEnv(document: Tree, env: Record<string, string | undefined>): Tree {
  const result: Tree = structuredClone(document);
  for (const [name, { path, type }] of Object.entries(envOverrides)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let node = result;
    for (const key of path.slice(0, -1)) {
      const child = node[key];
      node = (node[key] = typeof child === 'object' && child !== null ? child : {}) as Tree;
    }
    node[path.at(-1)!] = type === 'number' && /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  return result;
}

export type ConfigParse = { ok: true; config: Config } | { ok: false; problems: string };

/** Validates a document; relative paths are resolved against `baseDir`. Pure. */
export function parseConfig(document: unknown, env: Record<string, string | undefined> = {}, baseDir = process.cwd()): ConfigParse {
  const tree = typeof document === 'object' && document !== null && !Array.isArray(document) ? (document as Tree) : document === null || document === undefined ? {} : undefined;
  if (!tree) return { ok: false, problems: '✖ the configuration must be a mapping of settings' };
  const parsed = configSchema.safeParse(applyEnv(tree, env));
  if (!parsed.success) return { ok: false, problems: z.prettifyError(parsed.error) };
  const at = (path: string) => (isAbsolute(path) ? path : resolve(baseDir, path));
  const config = parsed.data;
  const tls = config.broker.tls && {
    ...config.broker.tls,
    certFile: at(config.broker.tls.certFile),
    keyFile: at(config.broker.tls.keyFile),
    ...(config.broker.tls.caFile === undefined ? {} : { caFile: at(config.broker.tls.caFile) }),
  };
  const broker = tls ? { ...config.broker, tls } : config.broker;
  const plants = config.plants.map((plant) => (plant.pkiDir === undefined ? plant : { ...plant, pkiDir: at(plant.pkiDir) }));
  return { ok: true, config: { ...config, broker, plants, catalog: at(config.catalog), rulePacks: config.rulePacks.map(at), dataDir: at(config.dataDir) } };
}

/** Reads a config file (or none: all defaults) and the environment; throws with every problem. */
export async function loadConfig(path: string | undefined, env: Record<string, string | undefined> = process.env): Promise<Config> {
  const document: unknown = path ? parseYaml(await readFile(path, 'utf8')) : {};
  const parsed = parseConfig(document, env, path ? dirname(resolve(path)) : process.cwd());
  if (!parsed.ok) throw new ConfigError(path ?? '(defaults)', parsed.problems);
  return parsed.config;
}

export class ConfigError extends Error {
  constructor(readonly source: string, readonly problems: string) {
    super(`configuration ${source} is invalid:\n${problems}`);
  }
}
