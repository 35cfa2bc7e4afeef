/**
 * `npm run bench:external [-- options]`: Clearwater's ingest against an external broker
 * (`clearwater ingest`, source.kind mqtt) on a private Mosquitto (bench/mosquitto.ts), with 1, 2,
 * 4, … connections on one shared subscription, against Mosquitto's own floor and Clearwater on
 * its embedded broker, in one run, on one private influxd. See bench/README.md.
 *
 * An external broker acknowledges a device at once and queues for the ingest, so the devices'
 * rate says nothing about the ingest. Each ingest run therefore takes a fixed number of messages
 * (`--messages-per-connection` × connections) from closed-loop devices, and its figure is the
 * ingest's own: messages made durable in its spool (its PUBACKs to Mosquitto) ÷ the time from
 * the first publish until the last of them was durable. Then the readings drain, and InfluxDB
 * is counted against what Mosquitto acknowledged: a run that lost any is marked.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, influxQL, startLocalInfluxd, type LocalInfluxd } from '../app/local-influxd.ts';
import { writeBenchCatalog, type BenchDevice } from './bench-catalog.ts';
import { exited, forkBenchChild, nextMessage, send, type LoadResult, type PipelineStats } from './child-protocol.ts';
import { externalBenchHelp, parseExternalBenchOptions, type ExternalBenchOptions } from './external-options.ts';
import { fixed, ratio, table, thousands } from './format.ts';
import { startMosquitto } from './mosquitto.ts';
import { parseBenchOptions } from './options.ts';
import { cpuPercent, findProcess, memoryUsage, sampleCpu, type CpuSample } from './proc-stats.ts';
import { askStats, awaitStats, countReadings, runPhase, splitDevices } from './run-phase.ts';
import { workloads } from './workload.ts';
import { benchMain } from './entry.ts';

const log = (text: string) => process.stderr.write(`[bench:external] ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const POLL_MS = 100;
/** An ingest that makes nothing durable for this long is reported as stalled. */
const STALL_MS = 15_000;

interface Row {
  readonly label: string;
  readonly connections: number;
  /** Messages a second: the broker's PUBACKs to the devices (floor, embedded) or the ingest's to the broker (external). */
  readonly perSecond: number;
  readonly seconds: number;
  readonly acked: number;
  /** Readings in InfluxDB after the drain; NaN for the floor. */
  readonly landed: number;
  readonly pipelineCpu: number;
  readonly brokerCpu: number;
  readonly loadCpu: number;
  readonly influxdCpu: number;
  readonly pipelineRssMiB: number;
  readonly brokerRssMiB: number;
  readonly stalled: boolean;
}

interface Context {
  readonly options: ExternalBenchOptions;
  readonly influx: LocalInfluxd;
  readonly influxdPid: number;
  readonly catalogPath: string;
  readonly devices: readonly BenchDevice[];
  readonly runId: string;
}

function startLoads(url: string, context: Context): ChildProcess[] {
  const { options } = context;
  return splitDevices(context.devices, options.loadProcs).map((devices) =>
    forkBenchChild('load-generator.ts', { url, devices, inflight: options.inflight, drainTimeoutMs: 60_000, noDelay: false, ratePerDevice: 0, workload: workloads.a }),
  );
}

async function loadAcked(loads: readonly ChildProcess[]): Promise<number> {
  const answers = await Promise.all(loads.map((load) => {
    const answer = nextMessage(load, 'progress', 30_000);
    send(load, { type: 'progress' });
    return answer;
  }));
  return answers.reduce((sum, a) => sum + a.progress.acked, 0);
}

async function stopLoads(loads: readonly ChildProcess[]): Promise<LoadResult[]> {
  for (const load of loads) send(load, { type: 'stop' });
  return Promise.all(loads.map(async (load) => (await nextMessage(load, 'done', 120_000)).result));
}

const cpuOf = (from: CpuSample, to: CpuSample, pid: number | undefined) => (pid ? cpuPercent(from, to, pid) : Number.NaN);

/** Mosquitto alone: the devices publish for the window, nobody subscribes. */
async function floorRun(context: Context): Promise<Row> {
  const { options } = context;
  const broker = await startMosquitto();
  const loads = startLoads(broker.url, context);
  try {
    await Promise.all(loads.map((load) => nextMessage(load, 'connected', 300_000)));
    for (const load of loads) send(load, { type: 'go' });
    await sleep(options.warmup * 1000);
    const pids = [broker.pid, context.influxdPid, ...loads.map((l) => l.pid ?? 0)];
    const from = sampleCpu(pids);
    for (const load of loads) send(load, { type: 'mark', mark: 'start' });
    await sleep(options.seconds * 1000);
    const to = sampleCpu(pids);
    for (const load of loads) send(load, { type: 'mark', mark: 'end' });
    const results = await stopLoads(loads);
    const windowAcked = results.reduce((sum, r) => sum + r.windowAcked, 0);
    const windowMs = Math.max(...results.map((r) => r.windowMs));
    return {
      label: 'mosquitto (floor)',
      connections: 0,
      perSecond: (windowAcked * 1000) / windowMs,
      seconds: windowMs / 1000,
      acked: results.reduce((sum, r) => sum + r.totalAcked, 0),
      landed: Number.NaN,
      pipelineCpu: Number.NaN,
      brokerCpu: cpuOf(from, to, broker.pid),
      loadCpu: loads.reduce((sum, l) => sum + cpuOf(from, to, l.pid), 0),
      influxdCpu: cpuOf(from, to, context.influxdPid),
      pipelineRssMiB: Number.NaN,
      brokerRssMiB: memoryUsage(broker.pid)?.peakRssMiB ?? Number.NaN,
      stalled: false,
    };
  } finally {
    await Promise.all(loads.map((load) => exited(load, 30_000)));
    await broker.stop();
  }
}

/** Polls the pipeline until `done` says so or nothing moves for STALL_MS; false when it stalled. */
const until = (pipeline: ChildProcess, done: (stats: PipelineStats) => boolean, progress: (stats: PipelineStats) => number) =>
  awaitStats(pipeline, { done, progress, stallMs: STALL_MS, pollMs: POLL_MS });

/** The ingest with `connections` on `$share/bench/water/+/+/+`, taking connections × messagesPerConnection messages. */
async function ingestRun(connections: number, context: Context): Promise<Row> {
  const { options, influx } = context;
  const database = `bench_external_${connections}_${context.runId}`;
  await createDatabase(influx.url, database);
  const broker = await startMosquitto();
  const source = { kind: 'mqtt', url: broker.url, clientId: 'bench-ingest', topic: '$share/bench/water/+/+/+', connections };
  const pipeline = forkBenchChild('clearwater-pipeline.ts', { influxUrl: influx.url, database, catalogPath: context.catalogPath, logLevel: options.logLevel, readingsPerLine: 1, source });
  const loads: ChildProcess[] = [];
  try {
    await nextMessage(pipeline, 'ready', 120_000);
    loads.push(...startLoads(broker.url, context));
    await Promise.all(loads.map((load) => nextMessage(load, 'connected', 300_000)));
    const target = options.messagesPerConnection * connections;
    const pids = [pipeline.pid ?? 0, broker.pid, context.influxdPid, ...loads.map((l) => l.pid ?? 0)];
    const from = sampleCpu(pids);
    for (const load of loads) send(load, { type: 'go' });
    while ((await loadAcked(loads)) < target) await sleep(POLL_MS);
    const published = sampleCpu(pids); // the loads exit once stopped: their CPU is taken up to here
    const results = await stopLoads(loads);
    const acked = results.reduce((sum, r) => sum + r.totalAcked, 0);
    const durable = await until(pipeline, (s) => (s.sourceAcked ?? 0) >= acked, (s) => s.sourceAcked ?? 0);
    const to = sampleCpu(pids);
    const brokerRssMiB = memoryUsage(broker.pid)?.peakRssMiB ?? Number.NaN;
    const pipelineRssMiB = memoryUsage(pipeline.pid ?? 0)?.peakRssMiB ?? Number.NaN;
    const { stats } = await askStats(pipeline);
    await until(pipeline, (s) => s.linesWritten >= acked, (s) => s.linesWritten);
    const stopped = nextMessage(pipeline, 'stopped', 120_000);
    send(pipeline, { type: 'stop' });
    await stopped;
    const seconds = (to.atMs - from.atMs) / 1000;
    return {
      label: `ingest × ${connections}`,
      connections,
      perSecond: (stats.sourceAcked ?? Number.NaN) / seconds,
      seconds,
      acked,
      landed: await countReadings(influx.url, database),
      pipelineCpu: cpuOf(from, to, pipeline.pid),
      brokerCpu: cpuOf(from, to, broker.pid),
      loadCpu: loads.reduce((sum, l) => sum + cpuOf(from, published, l.pid), 0),
      influxdCpu: cpuOf(from, to, context.influxdPid),
      pipelineRssMiB,
      brokerRssMiB,
      stalled: !durable,
    };
  } catch (error) {
    for (const child of [pipeline, ...loads]) if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    await Promise.all([pipeline, ...loads].map((child) => exited(child, 60_000)));
    await broker.stop();
    await influxQL(influx.url, `DROP DATABASE "${database}"`).catch(() => undefined);
  }
}

/** Clearwater on its embedded broker, the same devices closed loop (bench/run-phase.ts as `npm run bench` runs it). */
async function embeddedRun(context: Context): Promise<Row> {
  const { options } = context;
  const parsed = parseBenchOptions(['--seconds', String(options.seconds), '--warmup', String(options.warmup), '--load-procs', String(options.loadProcs), '--log-level', options.logLevel]);
  if (!parsed.ok) throw new Error('bench options did not parse');
  const result = await runPhase(
    { kind: 'clearwater', label: 'clearwater', devices: context.devices, inflight: options.inflight, workload: workloads.a },
    { influx: context.influx, influxdPid: context.influxdPid, catalogPath: context.catalogPath, options: parsed.options, runId: context.runId },
  );
  return {
    label: 'embedded broker',
    connections: 0,
    perSecond: result.ackedPerSecond,
    seconds: result.windowSeconds,
    acked: result.totalAckedReadings,
    landed: result.landed,
    pipelineCpu: result.pipelineCpuPercent,
    brokerCpu: Number.NaN, // the broker is inside the pipeline
    loadCpu: result.loadCpuPercent,
    influxdCpu: result.influxdCpuPercent,
    pipelineRssMiB: result.peakRssMiB,
    brokerRssMiB: Number.NaN,
    stalled: false,
  };
}

export function report(rows: readonly Row[]): string {
  const floor = rows.find((r) => r.label.startsWith('mosquitto'));
  const single = rows.find((r) => r.connections === 1);
  const embedded = rows.find((r) => r.label === 'embedded broker');
  const landedCell = (r: Row) => (Number.isFinite(r.landed) ? `${thousands(r.landed)} of ${thousands(r.acked)}${r.landed < r.acked ? ' LOST' : ''}` : '—');
  const body = table(
    ['run', 'msg/s', 'vs ×1', 'vs embedded', 'vs floor', 'seconds', 'landed of acked', 'pipe CPU%', 'broker CPU%', 'load CPU%', 'influxd CPU%', 'pipe RSS MiB', 'broker RSS MiB'],
    rows.map((r) => [
      `${r.label}${r.stalled ? ' (stalled)' : ''}`,
      thousands(r.perSecond),
      r.connections > 0 && single ? ratio(r.perSecond, single.perSecond) : '—',
      r.connections > 0 && embedded ? ratio(r.perSecond, embedded.perSecond) : '—',
      floor && r !== floor ? ratio(r.perSecond, floor.perSecond) : '—',
      fixed(r.seconds, 1),
      landedCell(r),
      fixed(r.pipelineCpu),
      fixed(r.brokerCpu),
      fixed(r.loadCpu),
      fixed(r.influxdCpu),
      fixed(r.pipelineRssMiB),
      fixed(r.brokerRssMiB),
    ]),
  );
  const lost = rows.filter((r) => Number.isFinite(r.landed) && r.landed < r.acked);
  return lost.length > 0 ? `${body}\n\nLOST acknowledged readings in: ${lost.map((r) => r.label).join(', ')}: those runs count for nothing.` : body;
}

async function main(options: ExternalBenchOptions): Promise<number> {
  const runId = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const workDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-external-'));
  const influx = await startLocalInfluxd();
  const rows: Row[] = [];
  try {
    const catalog = await writeBenchCatalog(workDir, options.devices);
    const context: Context = { options, influx, influxdPid: findProcess(influx.pid, 'influxd'), catalogPath: catalog.path, devices: catalog.devices, runId };
    log(`mosquitto floor: ${options.devices} devices × ${options.inflight} in flight, ${options.warmup} s + ${options.seconds} s`);
    rows.push(await floorRun(context));
    log(`mosquitto floor: ${Math.round(rows.at(-1)!.perSecond)} msg/s`);
    for (const connections of options.connections) {
      log(`ingest × ${connections}: ${options.messagesPerConnection * connections} messages through $share/bench/water/+/+/+`);
      rows.push(await ingestRun(connections, context));
      log(`ingest × ${connections}: ${Math.round(rows.at(-1)!.perSecond)} msg/s durable, ${rows.at(-1)!.landed}/${rows.at(-1)!.acked} landed`);
    }
    if (options.embedded) {
      log(`embedded broker: ${options.devices} devices × ${options.inflight} in flight, ${options.warmup} s + ${options.seconds} s`);
      rows.push(await embeddedRun(context));
    }
  } finally {
    await influx.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version };
  console.log(`\nClearwater ingest against Mosquitto — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, InfluxDB 1.x local; QoS 1, one reading a message`);
  console.log('msg/s: floor and embedded, PUBACKs to the devices in the window; ingest × N, messages made durable (PUBACKs to Mosquitto) ÷ seconds from the first publish to the last durable\n');
  console.log(report(rows));
  console.log(JSON.stringify({ runId, machine, options, rows }));
  return rows.some((r) => Number.isFinite(r.landed) && r.landed < r.acked) ? 1 : 0;
}

benchMain({ parse: parseExternalBenchOptions, help: externalBenchHelp }, main);
