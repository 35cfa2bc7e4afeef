/** `clearwater start`, `clearwater influxd` and `clearwater config check`. */
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { startLocalInfluxd } from '../local-influxd.ts';
import { createLogger } from '../log.ts';
import { startPipeline } from '../pipeline.ts';
import { redact } from '../redact.ts';

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
  program
    .command('start')
    .description('Run the pipeline: MQTT broker, ingest into InfluxDB, rules and tickets, HTTP API')
    .option('-c, --config <file>', 'configuration file (YAML); defaults are embedded')
    .action(async (options: { config?: string }) => {
      const config = await loadConfig(options.config);
      const log = createLogger(config.log.level, config.log.pretty);
      const pipeline = await startPipeline(config, { log });
      log.info('running; stop with Ctrl-C');
      log.info(`${await untilSignal()}: stopping`);
      await pipeline.stop();
    });

  program
    .command('influxd')
    .description('Start a private InfluxDB 1.x (installs Debian\'s influxdb when missing) and print its URL until Ctrl-C')
    .option('--database <name>', 'database to create', 'clearwater')
    .action(async (options: { database: string }) => {
      const influxd = await startLocalInfluxd({ databases: [options.database] });
      process.stdout.write(`INFLUX_URL=${influxd.url}\ndata in ${influxd.dataDir}\n`);
      await untilSignal();
      await influxd.stop();
    });

  program
    .command('config')
    .description('Configuration')
    .command('check')
    .description('Validate a configuration file with the environment overrides and print the result, secrets masked')
    .argument('[file]', 'configuration file (YAML)')
    .action(async (file: string | undefined) => {
      const config = await loadConfig(file);
      process.stdout.write(`${JSON.stringify(redact(config), null, 2)}\n`);
    });
}
