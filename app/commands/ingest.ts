/**
 * `clearwater ingest`: the ingest as its own process, subscribed to an external MQTT broker
 * (EMQX, Mosquitto) instead of running the embedded one. It is `clearwater start` with
 * `source.kind: mqtt`; the flags override the file and the environment (CLEARWATER_SOURCE_*).
 * The password comes only from the file or CLEARWATER_SOURCE_PASSWORD, never from argv (ps).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { startPipeline } from '../pipeline.ts';
import { untilSignal } from './run.ts';

interface IngestOptions {
  config?: string;
  url?: string;
  clientId?: string;
  topic?: string;
  username?: string;
}

/** The environment with the flags applied on top, `source.kind` forced to mqtt. Pure. */
export function ingestEnv(options: IngestOptions, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const flags: Record<string, string | undefined> = {
    CLEARWATER_SOURCE_URL: options.url,
    CLEARWATER_SOURCE_CLIENT_ID: options.clientId,
    CLEARWATER_SOURCE_TOPIC: options.topic,
    CLEARWATER_SOURCE_USERNAME: options.username,
  };
  const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  return { ...env, ...given, CLEARWATER_SOURCE_KIND: 'mqtt' };
}

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('Run the ingest against an external MQTT broker (no embedded broker): subscribe, ingest into InfluxDB, rules and tickets, HTTP API')
    .option('-c, --config <file>', 'configuration file (YAML); its `source` section is taken as kind: mqtt')
    .option('--url <url>', 'broker URL, e.g. mqtt://emqx:1883 (source.url, CLEARWATER_SOURCE_URL)')
    .option('--client-id <id>', 'fixed client id of the persistent session (source.clientId, default clearwater-ingest)')
    .option('--topic <filter>', 'topic filter (source.topic, default water/+/+/+)')
    .option('--username <name>', 'user name at the broker; the password from CLEARWATER_SOURCE_PASSWORD')
    .action(async (options: IngestOptions) => {
      const config = await loadConfig(options.config, ingestEnv(options, process.env));
      const log = createLogger(config.log.level, config.log.pretty);
      const pipeline = await startPipeline(config, { log });
      log.info('running; stop with Ctrl-C');
      log.info(`${await untilSignal()}: stopping`);
      await pipeline.stop();
    });
}
