/**
 * `clearwater simulate` (the simulated network against any broker, from the simulator's own
 * configuration file and flags) and `clearwater demo` (the whole pipeline on embedded defaults
 * plus the simulated network, printing what happens, with the Grafana wall built against its
 * InfluxDB).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { loadCatalog, type Catalog } from '../../network/catalog.ts';
import { truthLines } from '../../network/truth.ts';
import { createNetworkSimulator, type NetworkSimulator } from '../../simulators/network-simulator.ts';
import type { SimulatorConfigInput } from '../../simulators/config.ts';
import { plantsSchema, type PlantConfigInput } from '../../ingest/opcua/config.ts';
import { schemaCommand } from '../cli-options.ts';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { keyFile, privateDataDir } from '../data-dir.ts';
import { createLogger, type Logger } from '../log.ts';
import { startPipeline } from '../pipeline.ts';
import { DEFAULT_WALL_OUT, wallSummary, writeWall } from '../wall.ts';
import { startDemoPlants, type DemoPlants } from './demo-plants.ts';
import { CONFIG_FLAG, untilSignal } from './run.ts';
import { demoOptionsSchema, simulateOptionsSchema, simulatorOverrides, simulatorSettings, type DemoOptions } from './simulate-options.ts';

const NETWORK_FLAGS = { scenario: '--scenario <spec>', only: '--only <id>', backfill: '--backfill <minutes>', duration: '--duration <seconds>', speed: '--speed <factor>', truth: '--truth <file>' } as const;

/**
 * Runs until a signal or `durationS`, writing the scenarios' ground truth to `truthFile` once the
 * devices are up. The demo ends the simulation without devices announcing `offline`.
 */
async function runSimulator(simulator: NetworkSimulator, run: { durationS?: number | undefined; truthFile?: string | undefined }, log: Logger, announceOffline = true): Promise<void> {
  await simulator.start();
  if (run.truthFile) {
    await writeFile(run.truthFile, truthLines(simulator.groundTruth()));
    log.info(`ground truth of ${simulator.groundTruth().length} scenarios in ${run.truthFile}`);
  }
  const durationS = run.durationS;
  const stopAfter = durationS ? new Promise<string>((resolve) => setTimeout(() => resolve('duration reached'), durationS * 1000)) : new Promise<string>(() => {});
  const why = await Promise.race([untilSignal(), stopAfter]);
  log.info(`${why}: stopping`);
  await simulator.stop({ announceOffline });
}

/** The simulator's file, if any, with the given flags on top; throws with every problem. */
async function simulatorConfig(file: string | undefined, overrides: Partial<SimulatorConfigInput>) {
  const document: unknown = file ? parseYaml(await readFile(file, 'utf8')) : undefined;
  const settings = simulatorSettings(document, overrides);
  if (!settings.ok) throw new ConfigError(file ? `${file} with the flags` : '(flags)', settings.problems);
  return settings.config;
}

/**
 * A demo with no API tokens configured gets one dispatcher token, kept in the data folder (0600),
 * so that the console can act on tickets. Reads then need a token too (access.ts).
 */
async function withDemoDispatcher(config: Config): Promise<{ config: Config; tokenFile?: string }> {
  if (config.api.tokens.length > 0) return { config };
  await privateDataDir(config.dataDir);
  const tokenFile = join(config.dataDir, 'demo-dispatcher.token');
  const token = (await keyFile(tokenFile)).toString('hex');
  return { config: { ...config, api: { ...config.api, tokens: [{ token, name: 'demo-dispatcher', role: 'dispatcher' }] } }, tokenFile };
}

/**
 * Every demo replays the same simulated hours, into a fresh private InfluxDB: what an earlier run
 * left (rule states newer than the replayed readings, which the engine takes as late; its
 * tickets; a spool for an InfluxDB that is gone) would hide this run's incidents. So each run
 * keeps its state in `dataDir/demo-run`, emptied at start; the dispatcher token and the
 * certificates stay in `dataDir`, from run to run.
 */
async function freshDemoRun(config: Config): Promise<Config> {
  const dataDir = join(config.dataDir, 'demo-run');
  await rm(dataDir, { recursive: true, force: true });
  await privateDataDir(dataDir);
  return { ...config, dataDir };
}

/** The wall, its data source pointing at this run's InfluxDB: a Grafana on this machine can load it now. Not worth stopping the demo for. */
async function demoWall(config: Config, influxUrl: string, log: Logger): Promise<void> {
  try {
    const wall = await writeWall(config, DEFAULT_WALL_OUT, influxUrl);
    for (const line of wallSummary(wall).split('\n')) log.info(line);
  } catch (error) {
    log.warn(`the Grafana wall was not written to ${DEFAULT_WALL_OUT}: ${(error as Error).message}`);
  }
}

/** The MQTT network; without the devices the plants report for over OPC UA. */
function demoSimulator(options: DemoOptions, brokerUrl: string, catalog: Catalog, overOpcua: ReadonlySet<string>): SimulatorConfigInput {
  const selected = options.only.length > 0 || overOpcua.size === 0 ? options.only : [...catalog.devices.keys()].filter((id) => !overOpcua.has(id));
  return { brokerUrl, speed: options.speed, seed: options.seed, scenarios: options.scenario, devices: selected, backfillMs: options.backfill * 60_000 };
}

function parsePlants(entries: readonly PlantConfigInput[]): Config['plants'] {
  return plantsSchema.parse(entries);
}

export function registerSimulateCommands(program: Command): void {
  schemaCommand(program, 'simulate', {
    description: 'Run the simulated county network: one MQTT client per catalog device',
    options: simulateOptionsSchema,
    flags: { ...NETWORK_FLAGS, config: '-c, --config <file>', broker: '--broker <url>', catalog: '--catalog <file>' },
    action: async (options, given) => {
      const simulation = await simulatorConfig(options.config, simulatorOverrides(options, given));
      const config = await loadConfig(undefined);
      const log = createLogger(config.log.level, config.log.pretty);
      const catalog = await loadCatalog(options.catalog ?? config.catalog);
      await runSimulator(createNetworkSimulator(simulation, { catalog, logger: log }), { durationS: options.duration, truthFile: options.truth }, log);
    },
  });

  schemaCommand(program, 'demo', {
    description: 'The whole pipeline on embedded defaults with the simulated network and a yellow-water incident at Tongmen',
    options: demoOptionsSchema,
    flags: { ...NETWORK_FLAGS, config: CONFIG_FLAG, plants: '--no-plants', plantScenario: '--plant-scenario <spec>' },
    action: async (options) => {
      const loaded = await loadConfig(options.config, { CLEARWATER_MQTT_PORT: '0', ...process.env });
      const log = createLogger(loaded.log.level, loaded.log.pretty ?? true);
      const { config: withToken, tokenFile } = await withDemoDispatcher(loaded);
      const demoConfig = await freshDemoRun(withToken);
      let plants: DemoPlants | undefined;
      if (options.plants && demoConfig.plants.length === 0) {
        const catalog = await loadCatalog(demoConfig.catalog);
        plants = await startDemoPlants(catalog, { speed: options.speed, seed: options.seed, backfillMs: options.backfill * 60_000, pkiDir: loaded.dataDir, scenarios: options.plantScenario }, log);
        log.info(`treatment plants over OPC UA: ${plants.entries.map((e) => `${e.id} ${e.endpoint}`).join(', ')} (SignAndEncrypt, Basic256Sha256)`);
      }
      const config = plants ? { ...demoConfig, plants: parsePlants(plants.entries) } : demoConfig;
      const pipeline = await startPipeline(config, { log }).catch(async (error: unknown) => {
        await plants?.stop();
        throw error;
      });
      if (tokenFile && config.console.enabled) log.info(`dispatcher console: http://${config.http.host}:${pipeline.httpPort}/ (sign in with the demo dispatcher's token: cat ${tokenFile})`);
      try {
        await demoWall(config, pipeline.influxUrl, log);
        const simulator = createNetworkSimulator(demoSimulator(options, `mqtt://127.0.0.1:${pipeline.mqttPort}`, pipeline.catalog, plants?.devices ?? new Set()), { catalog: pipeline.catalog, logger: log });
        const progress = setInterval(async () => {
          const { readingsAccepted, readingsRejected } = pipeline.ingest.stats;
          const rejected = Object.values(readingsRejected).reduce((a, b) => a + b, 0);
          const simulated = new Date(simulator.clock()?.now() ?? Date.now()).toISOString().slice(0, 16).replace('T', ' ');
          log.info(`simulated ${simulated} UTC: ${readingsAccepted} readings in InfluxDB, ${rejected} rejected, ${await pipeline.openTickets()} tickets open`);
        }, 10_000);
        // The demo ending is not the network failing: no offline statuses, no device-silent tickets.
        await runSimulator(simulator, { durationS: options.duration, truthFile: options.truth }, log, false).finally(() => clearInterval(progress));
        for (const ticket of await pipeline.tickets('all')) {
          log.info(`ticket #${ticket.id} ${ticket.state} ${ticket.severity}: ${ticket.ruleId} at ${ticket.site}, peak ${ticket.peakValue}, ${ticket.count} readings`);
        }
      } finally {
        await pipeline.stop();
        await plants?.stop();
      }
    },
  });
}
