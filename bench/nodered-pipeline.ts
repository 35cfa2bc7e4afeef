/**
 * The Node-RED peer (bench/nodered-flow.ts): a bare Aedes broker, as the naive pipeline has, and
 * Node-RED embedded in the same process (its documented embedding: `RED.init(server,
 * settings)`, `RED.start()`), running the flow mqtt in → json → function → join → influxdb
 * batch against the run's InfluxDB. Broker and Node-RED share this process, so its CPU time and
 * peak memory are the whole peer's.
 *
 * Node-RED reports nothing of its writes, so `linesWritten` is what InfluxDB holds: the count of
 * every field of `telemetry` in the run's database, read when the parent asks (at the window's
 * edges and during the drain). Runs as a child of bench/throughput.ts (child-protocol.ts).
 */
import { Aedes } from 'aedes';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childSettings, failChild, onParentMessage, tell, type PipelineStats } from './child-protocol.ts';
import { noderedFlow } from './nodered-flow.ts';
import { countReadings } from './run-phase.ts';

export interface NoderedPipelineSettings {
  readonly influxUrl: string;
  readonly database: string;
  /** Where node_modules/node-red is (bench/nodered-install.ts). */
  readonly noderedDir: string;
}

interface NodeRed {
  init(server: unknown, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const settings = childSettings<NoderedPipelineSettings>();
  const counters = { messages: 0 };
  const aedes = await Aedes.createBroker();
  aedes.on('publish', (_packet, client) => {
    if (client) counters.messages++;
  });
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const subscribed = new Promise<void>((resolve) => aedes.on('subscribe', (_subscriptions, client) => client?.id === 'nodered-ingest' && resolve()));
  const userDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-nodered-'));
  const influx = new URL(settings.influxUrl);
  const flow = noderedFlow({ mqttPort: port, influxHost: influx.hostname, influxPort: Number(influx.port), database: settings.database, batchCount: 1000, batchSeconds: 1 });
  await writeFile(join(userDir, 'flows.json'), JSON.stringify(flow));
  const RED = createRequire(join(settings.noderedDir, 'package.json'))('node-red') as NodeRed;
  RED.init(createHttpServer(), {
    userDir,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    credentialSecret: false,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
  });
  await RED.start();
  await subscribed;

  const stats = async (): Promise<PipelineStats> => {
    const linesWritten = await countReadings(settings.influxUrl, settings.database);
    return { linesWritten, writeErrors: 0, messages: counters.messages, readings: linesWritten, rejected: 0 };
  };
  onParentMessage((message) => {
    if (message.type === 'stats') void stats().then((s) => tell({ type: 'stats', stats: s }), failChild);
    else if (message.type === 'stop') {
      void (async () => {
        const final = await stats();
        await RED.stop();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await rm(userDir, { recursive: true, force: true });
        tell({ type: 'stopped', stats: final }, () => process.exit(0));
      })().catch(failChild);
    }
  });
  tell({ type: 'ready', mqttPort: port });
}

main().catch(failChild);
