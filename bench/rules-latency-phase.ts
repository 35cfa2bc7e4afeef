/**
 * One load level of the latency part of bench/rules.ts: `startPipeline` (app/pipeline.ts) in this
 * process with a config checked by app/config.ts (embedded broker and HTTP on ephemeral ports,
 * the benchmark's influxd with a database of its own, a fresh data folder: spool, SQLite tickets,
 * dead letters), the shipped packs plus the bench pack, the generated county catalog. The
 * background load is bench/load-generator.ts in a child process (rate-controlled mqtt.js
 * devices, quiet turbidity), the probes (rules-probe.ts) in another. Returns figures only.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfig } from '../app/config.ts';
import { createLogger } from '../app/log.ts';
import { startPipeline, type RunningPipeline } from '../app/pipeline.ts';
import type { BenchDevice } from './bench-catalog.ts';
import { exited, forkBenchChild, nextMessage, send, type LoadResult } from './child-protocol.ts';
import type { LoadGeneratorSettings } from './load-generator.ts';
import { cpuPercent, machinePercent, sampleCpu } from './proc-stats.ts';
import { LatencyProbe, type ProbeResult, type ProbeTarget } from './rules-probe-protocol.ts';
import { workloads } from './workload.ts';
import { metricValue } from './exposition.ts';

export interface LatencyContext {
  readonly influxUrl: string;
  readonly influxdPid: number;
  readonly catalogPath: string;
  readonly rulePacks: readonly string[];
  readonly loadDevices: readonly BenchDevice[];
  readonly targets: readonly ProbeTarget[];
  readonly workDir: string;
  readonly seconds: number;
  readonly warmup: number;
  readonly inflight: number;
  readonly probeRate: number;
  readonly logLevel: string;
}

/** baseline: no load; fixed: a --rates level; peak: closed loop, as fast as PUBACKs allow; half-peak: half of the peak level's acked/s. */
export type LatencyLevel = 'baseline' | 'fixed' | 'peak' | 'half-peak';

export interface LatencyPhaseResult {
  readonly level: LatencyLevel;
  /** Background load offered, readings/s (one reading a message); 0 = the baseline; the peak level: what it reached. */
  readonly rate: number;
  readonly ackedPerSecond: number;
  readonly puback: LoadResult['latency'] | undefined;
  readonly probes: readonly ProbeResult[];
  /** From the pipeline's /metrics over the window. */
  readonly readingsPerSecond: number;
  readonly evaluationsPerSecond: number;
  readonly pipelineCpuPercent: number;
  readonly loadCpuPercent: number;
  readonly influxdCpuPercent: number;
  readonly otherCpuPercent: number;
  readonly maxRssMiB: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function scrape(pipeline: RunningPipeline) {
  const text = await (await fetch(`http://127.0.0.1:${pipeline.httpPort}/metrics`)).text();
  return { at: performance.now(), readings: metricValue(text, 'clearwater_readings_accepted_total'), evaluations: metricValue(text, 'clearwater_rule_evaluations_total') };
}

async function start(context: LatencyContext, dataDir: string, database: string, onProbe: { probe?: LatencyProbe }): Promise<RunningPipeline> {
  const parsed = parseConfig({
    catalog: context.catalogPath,
    rulePacks: [...context.rulePacks],
    dataDir,
    // The load devices stand in for many more devices at a lower rate each: the per-device rate
    // limit (50/s, for devices that report every minute) would measure the limit.
    broker: { port: 0, rateLimit: { messagesPerSecond: 1_000_000, burst: 1_000_000 } },
    http: { port: 0 },
    influx: { url: context.influxUrl, api: 'v1', database },
    // Landing in InfluxDB is bench/throughput.ts's business: do not wait long for it at stop.
    spool: { drainTimeoutMs: 1000 },
    log: { level: context.logLevel, pretty: false },
  });
  if (!parsed.ok) throw new Error(parsed.problems);
  return startPipeline(parsed.config, { log: createLogger(parsed.config.log.level, false), onTicketChange: (change) => onProbe.probe?.onTicketChange(change) });
}

async function startLoad(context: LatencyContext, pipeline: RunningPipeline, level: LatencyLevel, rate: number): Promise<ChildProcess | undefined> {
  if (level === 'baseline') return undefined;
  const load = forkBenchChild('load-generator.ts', {
    url: `mqtt://127.0.0.1:${pipeline.mqttPort}`,
    devices: context.loadDevices,
    inflight: context.inflight,
    drainTimeoutMs: 10_000,
    noDelay: false,
    ratePerDevice: level === 'peak' ? 0 : rate / context.loadDevices.length,
    workload: workloads.a,
  } satisfies LoadGeneratorSettings);
  await nextMessage(load, 'connected', 300_000);
  return load;
}

/** Runs the window: probes from the start, CPU and metrics sampled at both ends, RSS every 250 ms. */
async function measure(context: LatencyContext, pipeline: RunningPipeline, probe: LatencyProbe, load: ChildProcess | undefined) {
  probe.tell({ type: 'go' });
  let maxRssMiB = 0;
  const rss = setInterval(() => (maxRssMiB = Math.max(maxRssMiB, process.memoryUsage.rss() / 2 ** 20)), 250);
  if (load) send(load, { type: 'go' });
  await sleep(context.warmup * 1000);
  const pids = [process.pid, context.influxdPid, load?.pid ?? 0, probe.pid];
  const cpuFrom = sampleCpu(pids);
  const from = await scrape(pipeline);
  if (load) send(load, { type: 'mark', mark: 'start' });
  probe.tell({ type: 'record', on: true });
  await sleep(context.seconds * 1000 - (performance.now() - cpuFrom.atMs));
  probe.tell({ type: 'record', on: false });
  const cpuTo = sampleCpu(pids);
  if (load) send(load, { type: 'mark', mark: 'end' });
  const to = await scrape(pipeline);
  clearInterval(rss);
  const perSecond = (a: number, b: number) => ((b - a) * 1000) / (to.at - from.at);
  const [pipelineCpuPercent, influxdCpuPercent, loadOnly, probeCpuPercent] = pids.map((pid) => (pid ? cpuPercent(cpuFrom, cpuTo, pid) : 0)) as [number, number, number, number];
  const loadCpuPercent = loadOnly + probeCpuPercent; // the probe devices are load too, a small one
  const ours = pipelineCpuPercent + influxdCpuPercent + loadCpuPercent;
  return {
    readingsPerSecond: perSecond(from.readings, to.readings),
    evaluationsPerSecond: perSecond(from.evaluations, to.evaluations),
    pipelineCpuPercent,
    influxdCpuPercent,
    loadCpuPercent,
    otherCpuPercent: machinePercent(cpuFrom, cpuTo) - ours,
    maxRssMiB,
  };
}

async function stopLoad(load: ChildProcess | undefined): Promise<LoadResult | undefined> {
  if (!load) return undefined;
  const done = nextMessage(load, 'done', 120_000);
  send(load, { type: 'stop' });
  const { result } = await done;
  await exited(load);
  return result;
}

/** One level: `rate` readings/s offered (unused for the baseline and the peak). */
export async function runLatencyPhase(level: LatencyLevel, rate: number, context: LatencyContext): Promise<LatencyPhaseResult> {
  const dataDir = await mkdtemp(join(context.workDir, `phase-${level}-${rate}-`));
  const hook: { probe?: LatencyProbe } = {};
  const pipeline = await start(context, dataDir, `bench_rules_${Math.round(rate)}_${Date.now()}`, hook);
  let load: ChildProcess | undefined;
  try {
    const probe = (hook.probe = await LatencyProbe.start({ url: `mqtt://127.0.0.1:${pipeline.mqttPort}`, targets: context.targets, probeRate: context.probeRate }));
    load = await startLoad(context, pipeline, level, rate);
    const figures = await measure(context, pipeline, probe, load);
    const loadResult = await stopLoad(load);
    const probes = await probe.finish(10_000);
    const acked = loadResult && loadResult.windowMs > 0 ? (loadResult.windowAcked * 1000) / loadResult.windowMs : 0;
    return { level, rate: level === 'peak' ? acked : rate, ackedPerSecond: acked, puback: loadResult?.latency, probes, ...figures };
  } finally {
    hook.probe?.kill();
    if (load && load.exitCode === null) load.kill('SIGKILL');
    await pipeline.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
