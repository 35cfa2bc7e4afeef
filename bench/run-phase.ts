/**
 * One measured run: start the process under test (a pipeline child, or nothing for the raw
 * InfluxDB rate), start the load children, warm up, open the window (CPU samples of every
 * process, sink counters, a `start` mark to the load), close it the same way, stop the load,
 * wait for the readings to land, count them in InfluxDB, read the peak memory, stop the child
 * and drop the run's database. Returns figures only; nothing here judges them.
 */
import type { ChildProcess } from 'node:child_process';
import { createDatabase, influxQL, type LocalInfluxd } from '../app/local-influxd.ts';
import type { BenchDevice } from './bench-catalog.ts';
import { exited, forkBenchChild, nextMessage, send, type LoadResult, type PipelineStats } from './child-protocol.ts';
import type { BenchOptions, PipelineKind } from './options.ts';
import { cpuPercent, machinePercent, memoryUsage, sampleCpu, type CpuSample } from './proc-stats.ts';
import { readingsPerMessage, type Workload } from './workload.ts';

export interface RunSpec {
  readonly kind: PipelineKind;
  /** e.g. "clearwater" or "clearwater-overload" */
  readonly label: string;
  readonly devices: readonly BenchDevice[];
  readonly inflight: number;
  /** Messages a second each device offers (the overload run); absent or 0: as fast as PUBACKs allow. */
  readonly ratePerDevice?: number;
  readonly workload: Workload;
}

export interface RunContext {
  readonly influx: LocalInfluxd;
  /** The influxd process itself (LocalInfluxd.pid may be a wrapper around it). */
  readonly influxdPid: number;
  readonly catalogPath: string;
  readonly options: BenchOptions;
  readonly runId: string;
  /** Where Node-RED is installed, for the nodered run (bench/nodered-install.ts). */
  readonly noderedDir?: string;
}

export interface RunResult {
  readonly label: string;
  readonly kind: PipelineKind;
  /** Which workload (workload.ts): a, one reading a message; b, a logger's 15 samples × 3 metrics. */
  readonly workload: Workload['name'];
  readonly devices: number;
  readonly inflight: number;
  readonly windowSeconds: number;
  /** Messages the broker acknowledged per second (raw: points InfluxDB acknowledged). */
  readonly ackedPerSecond: number;
  /** Readings InfluxDB acknowledged per second inside the window, from the sink's counter; NaN for the bare broker. */
  readonly landedPerSecond: number;
  /** Everything acknowledged to the load, warm-up and tail included (messages; raw: readings). */
  readonly totalAcked: number;
  /** The readings those held. */
  readonly totalAckedReadings: number;
  /** Readings in InfluxDB (every field's count) after the drain and the child's stop; NaN for the bare broker. */
  readonly landed: number;
  readonly drainSeconds: number;
  readonly pipelineCpuPercent: number;
  readonly influxdCpuPercent: number;
  readonly loadCpuPercent: number;
  /** Machine busy time not spent in the pipeline, influxd or the load (the benchmark's parent, other work). */
  readonly otherCpuPercent: number;
  readonly peakRssMiB: number;
  readonly latency: LoadResult['latency'];
  readonly loadErrors: number;
  /** Workload B messages whose samples ran past the present (load-generator.ts). */
  readonly loadPastPresent: number;
  readonly pipeline?: PipelineStats;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function askStats(child: ChildProcess): Promise<{ stats: PipelineStats; atMs: number }> {
  const answer = nextMessage(child, 'stats', 30_000);
  send(child, { type: 'stats' });
  const { stats } = await answer;
  return { stats, atMs: performance.now() };
}

export interface StatsWait {
  /** The goal, read off the child's stats. */
  readonly done: (stats: PipelineStats) => boolean;
  /** A figure that moves while the child works towards it. */
  readonly progress: (stats: PipelineStats) => number;
  /** Give up once `progress` has not moved for this long. */
  readonly stallMs: number;
  readonly pollMs: number;
  /** Give up after this long in any case; default never. */
  readonly limitMs?: number;
}

/** Polls a pipeline child's stats until `done`, a stall or the limit; true when done. */
export async function awaitStats(child: ChildProcess, wait: StatsWait): Promise<boolean> {
  const startedAt = performance.now();
  let last = Number.NaN;
  let movedAt = startedAt;
  while (performance.now() - startedAt < (wait.limitMs ?? Infinity)) {
    const { stats } = await askStats(child);
    if (wait.done(stats)) return true;
    const value = wait.progress(stats);
    if (value !== last) [last, movedAt] = [value, performance.now()];
    else if (performance.now() - movedAt > wait.stallMs) return false;
    await sleep(wait.pollMs);
  }
  return false;
}

/** Readings of `telemetry`: the sum of every field's count (a line may hold several). */
export async function countReadings(url: string, database: string): Promise<number> {
  const body = await influxQL(url, 'SELECT count(*) FROM "telemetry"', database);
  const row = body.results?.[0]?.series?.[0]?.values?.[0] ?? [];
  return row.slice(1).reduce<number>((sum, value) => sum + (typeof value === 'number' ? value : 0), 0);
}

/** Readings one acknowledgement of the load stands for: a message's (raw: one, it counts readings). */
export const readingsPerAck = (spec: RunSpec): number => (spec.kind === 'raw' ? 1 : readingsPerMessage(spec.workload));

export function splitDevices(devices: readonly BenchDevice[], parts: number): BenchDevice[][] {
  const groups: BenchDevice[][] = Array.from({ length: Math.min(parts, devices.length) }, () => []);
  devices.forEach((device, i) => groups[i % groups.length]?.push(device));
  return groups;
}

function sumLoad(results: readonly LoadResult[]) {
  const sum = (pick: (r: LoadResult) => number) => results.reduce((a, r) => a + pick(r), 0);
  const windowMs = Math.max(...results.map((r) => r.windowMs));
  // Percentiles of several generators cannot be merged exactly: take the worst of each.
  const latency = {
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    max: Math.max(...results.map((r) => r.latency.max)),
    count: sum((r) => r.latency.count),
  };
  return {
    windowAcked: sum((r) => r.windowAcked),
    windowMs,
    totalAcked: sum((r) => r.totalAcked),
    totalSent: sum((r) => r.totalSent),
    totalOffered: sum((r) => r.totalOffered),
    errors: sum((r) => r.errors),
    pastPresent: sum((r) => r.pastPresent ?? 0),
    latency,
  };
}

function pipelineChild(kind: Exclude<PipelineKind, 'raw'>, workload: Workload, database: string, context: RunContext): [string, unknown] {
  const { influx, catalogPath, options } = context;
  if (kind === 'broker') return ['bare-broker.ts', {}];
  if (kind === 'nodered') {
    if (!context.noderedDir) throw new Error('the nodered run needs Node-RED installed first (bench/nodered-install.ts)');
    return ['nodered-pipeline.ts', { influxUrl: influx.url, database, noderedDir: context.noderedDir }];
  }
  if (kind === 'naive') return ['naive-pipeline.ts', { influxUrl: influx.url, database }];
  return ['clearwater-pipeline.ts', { influxUrl: influx.url, database, catalogPath, logLevel: options.logLevel, readingsPerLine: workload.metrics.length }];
}

/** Waits until the sink wrote `expected` lines, or made no progress for 5 s, or the limit. */
async function drain(child: ChildProcess, expected: number, limitMs: number): Promise<number> {
  const startedAt = performance.now();
  await awaitStats(child, { done: (s) => s.linesWritten >= expected, progress: (s) => s.linesWritten, stallMs: 5000, pollMs: 250, limitMs });
  return (performance.now() - startedAt) / 1000;
}

export interface Processes {
  /** The pipeline under test; none for the raw InfluxDB run. */
  readonly pipeline: ChildProcess | undefined;
  readonly loads: readonly ChildProcess[];
}

async function startProcesses(spec: RunSpec, context: RunContext, database: string, children: ChildProcess[]): Promise<Processes> {
  const { influx, options } = context;
  let pipeline: ChildProcess | undefined;
  let loadUrl = '';
  if (spec.kind !== 'raw') {
    const profiled = options.profile === spec.kind ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] } : {};
    pipeline = forkBenchChild(...pipelineChild(spec.kind, spec.workload, database, context), profiled);
    children.push(pipeline);
    loadUrl = `mqtt://127.0.0.1:${(await nextMessage(pipeline, 'ready', 120_000)).mqttPort}`;
  }
  const loads = splitDevices(spec.devices, spec.kind === 'raw' ? 1 : options.loadProcs).map((devices) =>
    spec.kind === 'raw'
      ? forkBenchChild('raw-influx-writer.ts', { url: influx.url, database, devices, batchLines: options.rawBatch, concurrency: options.rawConcurrency, workload: spec.workload })
      : forkBenchChild('load-generator.ts', { url: loadUrl, devices, inflight: spec.inflight, drainTimeoutMs: 60_000, noDelay: options.nodelay, ratePerDevice: spec.ratePerDevice ?? 0, workload: spec.workload }),
  );
  children.push(...loads);
  await Promise.all(loads.map((load) => nextMessage(load, 'connected', 300_000)));
  return { pipeline, loads };
}

interface Window {
  readonly cpuFrom: CpuSample;
  readonly cpuTo: CpuSample;
  readonly statsFrom?: { stats: PipelineStats; atMs: number } | undefined;
  readonly statsTo?: { stats: PipelineStats; atMs: number } | undefined;
}

/** Starts the load, warms up, then samples every process at both ends of the window. */
async function measureWindow({ pipeline, loads }: Processes, context: RunContext): Promise<Window> {
  const { options } = context;
  for (const load of loads) send(load, { type: 'go' });
  await sleep(options.warmup * 1000);
  const pids = [pipeline?.pid ?? 0, context.influxdPid, ...loads.map((l) => l.pid ?? 0)];
  const cpuFrom = sampleCpu(pids);
  for (const load of loads) send(load, { type: 'mark', mark: 'start' });
  const statsFrom = pipeline ? await askStats(pipeline) : undefined;
  await sleep(options.seconds * 1000 - (performance.now() - cpuFrom.atMs));
  const cpuTo = sampleCpu(pids);
  for (const load of loads) send(load, { type: 'mark', mark: 'end' });
  const statsTo = pipeline ? await askStats(pipeline) : undefined;
  return { cpuFrom, cpuTo, statsFrom, statsTo };
}

export interface Ending {
  readonly load: ReturnType<typeof sumLoad>;
  readonly drainSeconds: number;
  readonly peakRssMiB: number;
  readonly finalStats: PipelineStats | undefined;
  readonly landed: number;
}

/** Stops the load, lets the readings land, reads the memory, stops the pipeline, counts. */
export async function finish({ pipeline, loads }: Processes, spec: RunSpec, context: RunContext, database: string): Promise<Ending> {
  for (const load of loads) send(load, { type: 'stop' });
  const load = sumLoad(await Promise.all(loads.map(async (child) => (await nextMessage(child, 'done', 120_000)).result)));
  const writes = spec.kind !== 'broker'; // the bare broker writes nothing anywhere
  const drainSeconds = pipeline && writes ? await drain(pipeline, load.totalAcked * readingsPerAck(spec), context.options.drainSeconds * 1000) : 0;
  const peakRssMiB = (pipeline?.pid ? memoryUsage(pipeline.pid)?.peakRssMiB : undefined) ?? Number.NaN;
  let finalStats: PipelineStats | undefined;
  if (pipeline) {
    const stopped = nextMessage(pipeline, 'stopped', 120_000);
    send(pipeline, { type: 'stop' });
    finalStats = (await stopped).stats;
  }
  const landed = writes ? await countReadings(context.influx.url, database) : Number.NaN;
  return { load, drainSeconds, peakRssMiB, finalStats, landed };
}

function toResult(spec: RunSpec, context: RunContext, { pipeline, loads }: Processes, window: Window, ending: Ending): RunResult {
  const { cpuFrom, cpuTo, statsFrom, statsTo } = window;
  const { load } = ending;
  const windowSeconds = load.windowMs / 1000;
  let landedPerSecond = load.windowAcked / windowSeconds; // raw: the readings InfluxDB acknowledged
  if (spec.kind === 'broker') landedPerSecond = Number.NaN;
  else if (statsFrom && statsTo) landedPerSecond = ((statsTo.stats.linesWritten - statsFrom.stats.linesWritten) * 1000) / (statsTo.atMs - statsFrom.atMs);
  const pipelineCpuPercent = pipeline?.pid ? cpuPercent(cpuFrom, cpuTo, pipeline.pid) : Number.NaN;
  const influxdCpuPercent = cpuPercent(cpuFrom, cpuTo, context.influxdPid);
  const loadCpuPercent = loads.reduce((a, l) => a + cpuPercent(cpuFrom, cpuTo, l.pid ?? 0), 0);
  const ours = [pipelineCpuPercent, influxdCpuPercent, loadCpuPercent].filter(Number.isFinite).reduce((a, b) => a + b, 0);
  return {
    label: spec.label,
    kind: spec.kind,
    workload: spec.workload.name,
    devices: spec.devices.length,
    inflight: spec.inflight,
    windowSeconds,
    ackedPerSecond: load.windowAcked / windowSeconds,
    landedPerSecond,
    totalAcked: load.totalAcked,
    totalAckedReadings: load.totalAcked * readingsPerAck(spec),
    landed: ending.landed,
    drainSeconds: ending.drainSeconds,
    pipelineCpuPercent,
    influxdCpuPercent,
    loadCpuPercent,
    otherCpuPercent: machinePercent(cpuFrom, cpuTo) - ours,
    peakRssMiB: ending.peakRssMiB,
    latency: load.latency,
    loadErrors: load.errors,
    loadPastPresent: load.pastPresent ?? 0,
    ...(ending.finalStats ? { pipeline: ending.finalStats } : {}),
  };
}

/**
 * Creates the run's database, starts the pipeline child and the load children, hands them to
 * `measure`, and whatever happens kills what is left and drops the database.
 */
export async function withRun<T>(spec: RunSpec, context: RunContext, measure: (processes: Processes, database: string) => Promise<T>): Promise<T> {
  const database = `bench_${spec.label.replace(/\W/g, '_')}_${context.runId}`;
  await createDatabase(context.influx.url, database);
  const children: ChildProcess[] = [];
  try {
    return await measure(await startProcesses(spec, context, database, children), database);
  } catch (error) {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    throw error;
  } finally {
    await Promise.all(children.map((child) => exited(child, 60_000)));
    await influxQL(context.influx.url, `DROP DATABASE "${database}"`).catch(() => undefined);
  }
}

export function runPhase(spec: RunSpec, context: RunContext): Promise<RunResult> {
  return withRun(spec, context, async (processes, database) => {
    const window = await measureWindow(processes, context);
    const ending = await finish(processes, spec, context, database);
    return toResult(spec, context, processes, window, ending);
  });
}
