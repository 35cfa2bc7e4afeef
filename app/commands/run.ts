/** `clearwater start`, `clearwater influxd` and `clearwater config check`. */
import type { Command } from 'commander';
import { z } from 'zod';
import { influxSchema } from '../../ingest/influx-writer.ts';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { startLocalInfluxd } from '../local-influxd.ts';
import { createLogger } from '../log.ts';
import { startPipeline } from '../pipeline.ts';
import { redact } from '../redact.ts';

/** The `-c, --config <file>` option of the commands that run on the configuration (app/config.ts). */
export const configFileField = z.string().min(1).optional().describe('Configuration file (YAML); defaults are embedded');
export const CONFIG_FLAG = '-c, --config <file>';

export const startOptionsSchema = z.strictObject({ config: configFileField });

export const influxdOptionsSchema = z.strictObject({
  database: influxSchema.shape.database.describe('Database to create'),
});

export const configCheckArgumentsSchema = z.strictObject({
  file: z.string().min(1).optional().describe('Configuration file (YAML); without one, the embedded defaults'),
});

/** Resolves on SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export function registerRunCommands(program: Command): void {
  schemaCommand(program, 'start', {
    description: 'Run the pipeline: MQTT broker, ingest into InfluxDB, rules and tickets, HTTP API',
    options: startOptionsSchema,
    flags: { config: CONFIG_FLAG },
    action: async (options) => {
      const config = await loadConfig(options.config);
      const log = createLogger(config.log.level, config.log.pretty);
      const pipeline = await startPipeline(config, { log });
      log.info('running; stop with Ctrl-C');
      log.info(`${await untilSignal()}: stopping`);
      await pipeline.stop();
    },
  });

  schemaCommand(program, 'influxd', {
    description: 'Start a private InfluxDB 1.x (installs Debian\'s influxdb when missing) and print its URL until Ctrl-C',
    options: influxdOptionsSchema,
    flags: { database: '--database <name>' },
    action: async (options) => {
      const influxd = await startLocalInfluxd({ databases: [options.database] });
      process.stdout.write(`INFLUX_URL=${influxd.url}\ndata in ${influxd.dataDir}\n`);
      await untilSignal();
      await influxd.stop();
    },
  });

  schemaCommand(program.command('config').description('Configuration'), 'check', {
    description: 'Validate a configuration file with the environment overrides and print the result, secrets masked',
    arguments: configCheckArgumentsSchema,
    action: async ({ file }) => {
      const config = await loadConfig(file);
      process.stdout.write(`${JSON.stringify(redact(config), null, 2)}\n`);
    },
  });
}
