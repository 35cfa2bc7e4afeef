/**
 * `clearwater simulate` (the simulated network against any broker) and `clearwater demo` (the
 * whole pipeline on embedded defaults plus the simulated network, printing what happens).
 */
import { type Command, Option } from 'commander';
import { loadCatalog } from '../../network/catalog.ts';
import { createNetworkSimulator, type NetworkSimulator } from '../../simulators/network-simulator.ts';
import { parseScenarioArg } from '../../simulators/scenarios/arg.ts';
import type { ScenarioConfig } from '../../simulators/scenarios/registry.ts';
import { integer, positive } from './arguments.ts';
import { loadConfig } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import { startPipeline } from '../pipeline.ts';
import { untilSignal } from './run.ts';

interface SimulateOptions {
  speed: number;
  seed: number;
  scenario: string[];
  only: string[];
  backfill?: number;
  duration?: number;
}

function scenarios(args: readonly string[]): ScenarioConfig[] {
  return args.map((arg) => {
    const parsed = parseScenarioArg(arg);
    if (!parsed.ok) throw new Error(parsed.problems);
    return parsed.scenario;
  });
}

const collect = (value: string, previous: string[]) => [...previous, value];

function simulationOptions(command: Command, defaults: { speed: number; scenario: string[] }): Command {
  return command
    .addOption(new Option('--speed <factor>', 'simulated seconds per real second (time never runs ahead of the wall clock)').argParser(positive).default(defaults.speed))
    .addOption(new Option('--seed <n>', 'random seed; the same seed replays the same readings').argParser(integer).default(1))
    .option('--scenario <spec>', 'incident to play, e.g. yellow-water:village=tongmen,startsAfter=30m,peakNtu=6 (repeatable)', collect, defaults.scenario)
    .option('--only <id>', 'simulate only this device, site or village (repeatable)', collect, [])
    .addOption(new Option('--backfill <minutes>', 'start this many simulated minutes in the past').argParser(positive))
    .addOption(new Option('--duration <seconds>', 'stop after this many real seconds (default: until Ctrl-C)').argParser(positive));
}

/** Runs until a signal or `--duration`. The demo ends the simulation without devices announcing `offline`. */
async function runSimulator(simulator: NetworkSimulator, options: SimulateOptions, log: Logger, announceOffline = true): Promise<void> {
  await simulator.start();
  const stopAfter = options.duration ? new Promise<string>((resolve) => setTimeout(() => resolve('duration reached'), options.duration! * 1000)) : new Promise<string>(() => {});
  const why = await Promise.race([untilSignal(), stopAfter]);
  log.info(`${why}: stopping`);
  await simulator.stop({ announceOffline });
}

function simulatorConfig(options: SimulateOptions, brokerUrl: string) {
  return {
    brokerUrl,
    speed: options.speed,
    seed: options.seed,
    scenarios: scenarios(options.scenario),
    devices: options.only,
    ...(options.backfill ? { backfillMs: options.backfill * 60_000 } : {}),
  };
}

export function registerSimulateCommands(program: Command): void {
  simulationOptions(
    program.command('simulate').description('Run the simulated county network: one MQTT client per catalog device'),
    { speed: 1, scenario: [] },
  )
    .option('--broker <url>', 'MQTT broker URL', 'mqtt://127.0.0.1:1883')
    .option('--catalog <file>', 'network catalog (default: the sample county)')
    .action(async (options: SimulateOptions & { broker: string; catalog?: string }) => {
      const config = await loadConfig(undefined);
      const log = createLogger(config.log.level, config.log.pretty);
      const catalog = await loadCatalog(options.catalog ?? config.catalog);
      const simulator = createNetworkSimulator(simulatorConfig(options, options.broker), { catalog, logger: log });
      await runSimulator(simulator, options, log);
    });

  simulationOptions(
    program
      .command('demo')
      .description('The whole pipeline on embedded defaults with the simulated network and a yellow-water incident at Tongmen')
      .option('-c, --config <file>', 'configuration file (YAML); defaults are embedded'),
    { speed: 120, scenario: ['yellow-water:village=tongmen,startsAfter=30m,peakNtu=6,durationMs=3h,halfLifeMs=20m'] },
  ).action(async (options: SimulateOptions & { config?: string }) => {
    const config = await loadConfig(options.config, { CLEARWATER_MQTT_PORT: '0', ...process.env });
    const log = createLogger(config.log.level, config.log.pretty ?? true);
    const pipeline = await startPipeline(config, { log });
    try {
      const simulator = createNetworkSimulator(
        simulatorConfig({ ...options, backfill: options.backfill ?? 360 }, `mqtt://127.0.0.1:${pipeline.mqttPort}`),
        { catalog: pipeline.catalog, logger: log },
      );
      const progress = setInterval(async () => {
        const { readingsAccepted, readingsRejected } = pipeline.ingest.stats;
        const rejected = Object.values(readingsRejected).reduce((a, b) => a + b, 0);
        const simulated = new Date(simulator.clock()?.now() ?? Date.now()).toISOString().slice(0, 16).replace('T', ' ');
        log.info(`simulated ${simulated} UTC: ${readingsAccepted} readings in InfluxDB, ${rejected} rejected, ${await pipeline.openTickets()} tickets open`);
      }, 10_000);
      // The demo ending is not the network failing: no offline statuses, no device-silent tickets.
      await runSimulator(simulator, options, log, false).finally(() => clearInterval(progress));
      for (const ticket of await pipeline.tickets('all')) {
        log.info(`ticket #${ticket.id} ${ticket.state} ${ticket.severity}: ${ticket.ruleId} at ${ticket.site}, peak ${ticket.peakValue}, ${ticket.count} readings`);
      }
    } finally {
      await pipeline.stop();
    }
  });
}
