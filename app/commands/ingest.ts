/**
 * `clearwater ingest`: the ingest as its own process, subscribed to an external MQTT broker
 * (EMQX, Mosquitto) instead of running the embedded one. It is `clearwater start` with
 * `source.kind: mqtt`; the flags override the file and the environment (CLEARWATER_SOURCE_*).
 * The password comes only from the file or CLEARWATER_SOURCE_PASSWORD, never from argv (ps).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { mqttSourceSchema } from '../../ingest/mqtt-source.ts';
import { givenOnly, schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { startPipeline } from '../pipeline.ts';
import { CONFIG_FLAG, configFileField, untilSignal } from './run.ts';

const source = mqttSourceSchema.shape;

/** The flags are the `source` fields they set; only those given override the file and the environment. */
export const ingestOptionsSchema = z.strictObject({
  config: configFileField.describe('Configuration file (YAML); its `source` section is taken as kind: mqtt'),
  url: source.url.optional().describe('Broker URL, e.g. mqtt://emqx:1883 (source.url, CLEARWATER_SOURCE_URL)'),
  clientId: source.clientId.describe('Fixed client id of the persistent session (source.clientId); each ingest process needs its own'),
  topic: source.topic.describe('Topic filter (source.topic); $share/{group}/water/+/+/+ splits the stream among several ingest processes'),
  username: source.username.describe('User name at the broker (source.username); the password from CLEARWATER_SOURCE_PASSWORD'),
  connections: source.connections.describe('Connections on the shared subscription (source.connections); more than one needs a $share/{group}/ topic'),
});
type IngestOptions = Partial<z.output<typeof ingestOptionsSchema>>;

/** The environment with the flags applied on top, `source.kind` forced to mqtt. Pure. */
export function ingestEnv(options: IngestOptions, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const flags: Record<string, string | undefined> = {
    CLEARWATER_SOURCE_URL: options.url,
    CLEARWATER_SOURCE_CLIENT_ID: options.clientId,
    CLEARWATER_SOURCE_TOPIC: options.topic,
    CLEARWATER_SOURCE_USERNAME: options.username,
    CLEARWATER_SOURCE_CONNECTIONS: options.connections === undefined ? undefined : String(options.connections),
  };
  const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  return { ...env, ...given, CLEARWATER_SOURCE_KIND: 'mqtt' };
}

export function registerIngestCommand(program: Command): void {
  schemaCommand(program, 'ingest', {
    description: 'Run the ingest against an external MQTT broker (no embedded broker): subscribe, ingest into InfluxDB, rules and tickets, HTTP API',
    options: ingestOptionsSchema,
    flags: { config: CONFIG_FLAG, url: '--url <url>', clientId: '--client-id <id>', topic: '--topic <filter>', username: '--username <name>', connections: '--connections <n>' },
    action: async (options, given) => {
      const config = await loadConfig(options.config, ingestEnv(givenOnly(options, given), process.env));
      const log = createLogger(config.log.level, config.log.pretty);
      const pipeline = await startPipeline(config, { log });
      log.info('running; stop with Ctrl-C');
      log.info(`${await untilSignal()}: stopping`);
      await pipeline.stop();
    },
  });
}
