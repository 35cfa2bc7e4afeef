/**
 * `npm run bench:opcua [-- 2000 20000]`: monitored items per second through the OPC UA client
 * into InfluxDB. For each item count, a node-opcua server in a child process (bench/opcua-server.ts)
 * changes every item once a second; items are sampled at 1 s and published every second.
 *   1. baseline: a bare node-opcua client subscribed to the same items, counting DataValues
 *      (what the protocol delivers without Clearwater);
 *   2. the pipeline: `plants:` with one mapping per item onto a catalog device of its own
 *      (generated), through ingest, spool and InfluxDB 1.x (a private influxd), rules on.
 * For each: readings per second over the window, lines InfluxDB took per second, the client's
 * CPU (100 % = one core) and RSS, the server's CPU. Figures are measurements, never asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPCUAClient, TimestampsToReturn, type DataValue } from 'node-opcua';
import { stringify } from 'yaml';
import { parseConfig } from '../app/config.ts';
import { startLocalInfluxd } from '../app/local-influxd.ts';
import { createLogger } from '../app/log.ts';
import { startPipeline } from '../app/pipeline.ts';
import type { CatalogDocument } from '../network/catalog.ts';
import { cpuSeconds, memoryUsage } from './proc-stats.ts';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const ITEM_COUNTS = counts.length > 0 ? counts : [2000, 20_000];
const WARMUP_S = 5;
const WINDOW_S = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(items: number, pkiDir: string): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/opcua-server.ts', String(items), pkiDir], { stdio: ['ignore', 'pipe', 'ignore'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /ready (\S+)/.exec(text);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
  return { endpoint, child };
}

interface Figures {
  readingsPerS: number;
  linesPerS?: number;
  clientCpu: number;
  serverCpu: number;
  rssMiB: number;
}

/** Counts over the window, after a warm-up: the counter, the client's and the server's CPU. */
async function measure(read: () => { readings: number; lines?: number }, serverPid: number): Promise<Figures> {
  await sleep(WARMUP_S * 1000);
  const start = { ...read(), at: Date.now(), cpu: cpuSeconds(process.pid) ?? 0, server: cpuSeconds(serverPid) ?? 0 };
  await sleep(WINDOW_S * 1000);
  const end = { ...read(), at: Date.now(), cpu: cpuSeconds(process.pid) ?? 0, server: cpuSeconds(serverPid) ?? 0 };
  const seconds = (end.at - start.at) / 1000;
  return {
    readingsPerS: (end.readings - start.readings) / seconds,
    ...(end.lines !== undefined && start.lines !== undefined && { linesPerS: (end.lines - start.lines) / seconds }),
    clientCpu: (100 * (end.cpu - start.cpu)) / seconds,
    serverCpu: (100 * (end.server - start.server)) / seconds,
    rssMiB: memoryUsage(process.pid)?.rssMiB ?? 0,
  };
}

async function baseline(endpoint: string, items: number, serverPid: number): Promise<Figures> {
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1 } });
  await client.connect(endpoint);
  const session = await client.createSession();
  const subscription = await session.createSubscription2({ requestedPublishingInterval: 1000, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 60, maxNotificationsPerPublish: 0, publishingEnabled: true });
  let values = 0;
  for (let start = 0; start < items; start += 1000) {
    const ids = Array.from({ length: Math.min(1000, items - start) }, (_, k) => ({ nodeId: `ns=1;s=bench.T${start + k}`, attributeId: 13 }));
    const group = await subscription.monitorItems(ids, { samplingInterval: 1000, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both);
    group.on('changed', (_item: unknown, _value: DataValue) => void (values += 1));
  }
  const figures = await measure(() => ({ readings: values }), serverPid);
  await subscription.terminate();
  await session.close();
  await client.disconnect();
  return figures;
}

async function benchCatalog(dir: string, items: number): Promise<string> {
  const document: CatalogDocument = {
    county: { id: 'bench', name: 'bench' },
    townships: [{ id: 'bench', name: 'bench' }],
    villages: [],
    zones: [{ id: 'bench', name: 'bench' }],
    sites: [{ id: 'bench-plant', name: 'bench plant', kind: 'plant', township: 'bench', zone: 'bench', location: { lat: 29.6, lon: 119.7 } }],
    devices: Array.from({ length: items }, (_, i) => ({ id: `t${i}`, site: 'bench-plant', passwordHash: 'scrypt$bench', intervalS: 1, metrics: ['turbidity' as const] })),
  };
  const file = join(dir, 'catalog.yaml');
  await writeFile(file, stringify(document));
  return file;
}

async function throughPipeline(endpoint: string, items: number, influxUrl: string, dir: string, serverPid: number): Promise<Figures> {
  const parsed = parseConfig({
    dataDir: join(dir, 'data'),
    catalog: await benchCatalog(dir, items),
    rulePacks: [new URL('../rules/packs/gb5749-plant-outlet.yaml', import.meta.url).pathname],
    broker: { port: 0 },
    http: { port: 0 },
    console: { enabled: false },
    influx: { url: influxUrl, api: 'v1', database: `bench_opcua_${items}` },
    log: { level: 'warn', pretty: false },
    plants: [{ id: 'bench-plant', endpoint, securityMode: 'None', securityPolicy: 'None', trustAnyServer: true, samplingIntervalMs: 1000, queueSize: 10, mappings: Array.from({ length: items }, (_, i) => ({ nodeId: `ns=1;s=bench.T${i}`, device: `t${i}`, metric: 'turbidity' })) }],
  });
  if (!parsed.ok) throw new Error(parsed.problems);
  const pipeline = await startPipeline(parsed.config, { log: createLogger('warn', false) });
  const source = pipeline.plants.sources[0]!;
  try {
    return await measure(() => ({ readings: source.stats().readingsReceived, lines: pipeline.ingest.stats.readingsAccepted }), serverPid);
  } finally {
    await pipeline.stop();
  }
}

const format = (label: string, f: Figures) =>
  `  ${label.padEnd(34)} ${f.readingsPerS.toFixed(0).padStart(7)} readings/s${f.linesPerS === undefined ? '' : ` (ingest accepted ${f.linesPerS.toFixed(0)}/s)`}, client CPU ${f.clientCpu.toFixed(0)} %, RSS ${f.rssMiB.toFixed(0)} MiB, server CPU ${f.serverCpu.toFixed(0)} %`;

const dir = await mkdtemp(join(tmpdir(), 'clearwater-bench-opcua-'));
const influxd = await startLocalInfluxd();
try {
  process.stdout.write(`bench:opcua: items change once a second, sampled at 1 s, published every 1 s; window ${WINDOW_S} s after ${WARMUP_S} s warm-up; node ${process.version}\n`);
  for (const items of ITEM_COUNTS) {
    const { endpoint, child } = await startServer(items, join(dir, `pki-${items}`));
    try {
      process.stdout.write(`${items} monitored items (expected ${items} readings/s):\n`);
      process.stdout.write(`${format('baseline: bare node-opcua client', await baseline(endpoint, items, child.pid!))}\n`);
      process.stdout.write(`${format('Clearwater: client → spool → InfluxDB', await throughPipeline(endpoint, items, influxd.url, dir, child.pid!))}\n`);
    } finally {
      child.kill('SIGTERM');
    }
  }
} finally {
  await influxd.stop();
  await rm(dir, { recursive: true, force: true });
}
