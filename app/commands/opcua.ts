/**
 * `clearwater plant` (a simulated treatment plant: an OPC UA server, simulators/plant) and
 * `clearwater opcua browse ENDPOINT` (a server's address space and a ready mapping block).
 * node-opcua is loaded by the actions only: it prints its Node 20 warning (NODE-OPCUA-W27) on
 * stdout when loaded, which must not reach every other command's output.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { plantSchema } from '../../ingest/opcua/config.ts';
import { loadCatalog } from '../../network/catalog.ts';
import { plantServerSchema } from '../../simulators/plant/config.ts';
import { plantScenarioArgSchema } from '../../simulators/plant/scenarios.ts';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { untilSignal } from './run.ts';

const server = plantServerSchema.shape;
const client = plantSchema.shape;

export const plantOptionsSchema = z.strictObject({
  plant: server.plant,
  host: server.host,
  port: server.port,
  pkiDir: server.pkiDir,
  securityMode: z.array(z.enum(['None', 'Sign', 'SignAndEncrypt'])).default(['None', 'Sign', 'SignAndEncrypt']).describe('Security modes offered (repeat the flag); Sign and SignAndEncrypt use Basic256Sha256'),
  trustAnyClient: server.trustAnyClient,
  user: z.array(z.string().regex(/^[^:]+:.+$/, 'name:password')).default([]).describe('A user name and password accepted, name:password (repeat the flag); without one, anonymous only'),
  anonymous: server.allowAnonymous,
  speed: server.speed,
  seed: server.seed,
  backfill: z.number().min(0).default(0).describe('Start this many simulated minutes in the past'),
  scenario: z.array(plantScenarioArgSchema).default([]).describe('Incident to play, e.g. filter-breakthrough:filter=2,startsAfter=10m,peakNtu=8 (chlorine-pump-failure, storm: simulators/plant/README.md)'),
  catalog: z.string().min(1).optional().describe('Catalog whose site gives the plant its location (default: the embedded configuration\'s)'),
});

export const browseArgumentsSchema = z.strictObject({
  endpoint: client.endpoint.describe('Endpoint URL, e.g. opc.tcp://plc:4840'),
});

export const browseOptionsSchema = z.strictObject({
  path: z.string().min(1).optional().describe('Start at this browse path below Objects, e.g. 1:north-plant/1:Outlet'),
  securityMode: client.securityMode.removeDefault().default('None').describe('Message security mode of the session'),
  securityPolicy: client.securityPolicy.removeDefault().default('None').describe('Security policy (Basic256Sha256 with Sign or SignAndEncrypt)'),
  username: client.username,
  pkiDir: z.string().min(1).default('.clearwater/opcua-pki/browse').describe("The client's PKI folder (own certificate, trusted servers)"),
  trustAnyServer: client.trustAnyServer,
  plantId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/).default('plant').describe('Id of the plant in the printed mapping block'),
});

export function registerOpcuaCommands(program: Command): void {
  schemaCommand(program, 'plant', {
    description: 'Run a simulated treatment plant: an OPC UA server (node-opcua) with its process model and scenarios, until Ctrl-C',
    options: plantOptionsSchema,
    flags: { securityMode: '--security-mode <mode>', user: '--user <name:password>', trustAnyClient: '--trust-any-client', anonymous: '--no-anonymous', scenario: '--scenario <spec>', backfill: '--backfill <minutes>' },
    action: async (options) => {
      const config = await loadConfig(undefined);
      const log = createLogger(config.log.level, config.log.pretty);
      const catalog = await loadCatalog(options.catalog ?? config.catalog);
      const { PlantServer } = await import('../../simulators/plant/server.ts');
      const users = options.user.map((u) => ({ username: u.slice(0, u.indexOf(':')), password: u.slice(u.indexOf(':') + 1) }));
      const plant = new PlantServer(
        plantServerSchema.parse({ plant: options.plant, host: options.host, port: options.port, pkiDir: options.pkiDir, trustAnyClient: options.trustAnyClient, speed: options.speed, seed: options.seed, securityModes: options.securityMode, allowAnonymous: options.anonymous, users, scenarios: options.scenario, backfillMs: options.backfill * 60_000 }),
        { site: catalog.sites.get(options.plant), log },
      );
      await plant.start();
      process.stdout.write(`${plant.endpointUrl}\nbrowse it: clearwater opcua browse ${plant.endpointUrl} --path 1:${options.plant} --plant-id ${options.plant}\n`);
      log.info(`${await untilSignal()}: stopping`);
      await plant.stop();
    },
  });

  const opcua = program.command('opcua').description('OPC UA servers (treatment plants)');
  schemaCommand(opcua, 'browse', {
    description: "List a server's address space (NodeIds, data types, units, ranges) and print a ready mapping block for the config",
    arguments: browseArgumentsSchema,
    options: browseOptionsSchema,
    flags: { path: '--path <browse-path>', securityMode: '--security-mode <mode>', securityPolicy: '--security-policy <policy>', username: '--username <name>', pkiDir: '--pki-dir <dir>', trustAnyServer: '--trust-any-server', plantId: '--plant-id <id>' },
    action: async (options) => {
      const { endpoint } = options;
      const [{ browseTree, formatTree, mappingBlock }, { createClient, openSession }] = await Promise.all([import('../../ingest/opcua/browse.ts'), import('../../ingest/opcua/client.ts')]);
      const settings = {
        endpoint,
        securityMode: options.securityMode,
        securityPolicy: options.securityPolicy,
        trustAnyServer: options.trustAnyServer,
        username: options.username,
        password: process.env.CLEARWATER_OPCUA_PASSWORD,
        firstConnectRetries: 1,
        reconnectMinMs: 500,
        reconnectMaxMs: 2000,
        sessionTimeoutMs: 60_000,
        pkiDir: options.pkiDir,
        name: 'browse',
      };
      const opcClient = createClient(settings);
      const session = await openSession(opcClient, settings);
      try {
        const nodes = await browseTree(session, options.path === undefined ? {} : { path: options.path });
        process.stdout.write(`${formatTree(nodes)}\n\n${mappingBlock(options.plantId, endpoint, { mode: options.securityMode, policy: options.securityPolicy }, nodes)}\n`);
      } finally {
        await session.close().catch(() => {});
        await opcClient.disconnect();
      }
    },
  });
}
