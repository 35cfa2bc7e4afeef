/**
 * The overload run (`--overload`): a pipeline under test against rate-controlled devices
 * (load-generator.ts, `ratePerDevice`) that together offer `factor` × the peak acked/s the same
 * pipeline reached in the run's normal phase, each with its bounded QoS 1 window. Every second it
 * samples the load's totals (offered, sent, acked), the pipeline's sink counter and spool depth,
 * and the pipeline process's RSS and CPU time; then it stops the load, lets the readings drain and
 * counts them in InfluxDB exactly as a normal run does (run-phase.ts). Figures only; the report
 * (overload-report.ts) turns them into rates and ratios.
 */
import type { ChildProcess } from 'node:child_process';
import { nextMessage, send, type LoadProgress, type PipelineStats } from './child-protocol.ts';
import { cpuPercent, cpuSeconds, machinePercent, memoryUsage, sampleCpu, type CpuSample } from './proc-stats.ts';
import { askStats, finish, withRun, type Ending, type Processes, type RunContext, type RunSpec } from './run-phase.ts';

export interface OverloadSpec extends RunSpec {
  /** The pipeline's acked/s in the normal run: what the offered rate is a multiple of. */
  readonly peakAckedPerSecond: number;
  /** Messages a second all devices together are scheduled to offer. */
  readonly offeredPerSecond: number;
  /** Seconds at the overload rate before the measured window (a fresh child warms up too). */
  readonly warmupSeconds: number;
  readonly seconds: number;
}

/**
 * One sample; counters are totals since the load started. Each source is timed when it answered
 * (the parent idles between samples, so an answer's arrival is when it was taken): a busy machine
 * delays some answers, and rates over these times stay right where one time for all would not.
 */
export interface OverloadSample {
  /** Seconds since `go` when the load generators answered (for offered, sent, acked). */
  readonly t: number;
  readonly offered: number;
  readonly sent: number;
  readonly acked: number;
  readonly loadErrors: number;
  /** Seconds since `go` when the pipeline answered (for landed, spoolLines). */
  readonly pipelineT: number;
  /** Lines InfluxDB acknowledged through the pipeline's sink. */
  readonly landed: number;
  /** Clearwater's `clearwater_spool_lines`; absent for the naive pipeline. */
  readonly spoolLines?: number | undefined;
  /** Seconds since `go` when /proc was read (for rssMiB, cpuSeconds). */
  readonly procT: number;
  /** VmRSS of the pipeline process, MiB. */
  readonly rssMiB: number;
  /** User + system CPU time of the pipeline process so far, s. */
  readonly cpuSeconds: number;
}

export interface OverloadResult {
  readonly label: string;
  readonly kind: RunSpec['kind'];
  readonly devices: number;
  readonly inflight: number;
  readonly warmupSeconds: number;
  /** The measured window, after the warm-up. */
  readonly seconds: number;
  readonly peakAckedPerSecond: number;
  readonly offeredPerSecond: number;
  /** One a second from just before `go` (t = 0) through the warm-up to the end of the window. */
  readonly samples: readonly OverloadSample[];
  /** Whole run: offered and sent until `stop`, acked until the load's drain, landed = count after the pipeline's drain and stop. */
  readonly totals: { readonly offered: number; readonly sent: number; readonly acked: number; readonly landed: number };
  readonly drainSeconds: number;
  /** VmHWM of the pipeline process after the drain, MiB. */
  readonly peakRssMiB: number;
  /** Publish → PUBACK inside the window (from the moment the device sent, not from its schedule). */
  readonly latency: Ending['load']['latency'];
  readonly loadErrors: number;
  /** CPU shares over the window, % of one core; `other` is the machine beyond these three. */
  readonly cpuPercent: { readonly pipeline: number; readonly influxd: number; readonly load: number; readonly other: number };
  readonly pipeline?: PipelineStats;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function askProgress(load: ChildProcess): Promise<{ progress: LoadProgress; atMs: number }> {
  const answer = nextMessage(load, 'progress', 30_000);
  send(load, { type: 'progress' });
  const { progress } = await answer;
  return { progress, atMs: performance.now() };
}

async function takeSample({ pipeline, loads }: Processes, goAtMs: number): Promise<OverloadSample> {
  const seconds = (atMs: number) => (atMs - goAtMs) / 1000;
  const pid = pipeline?.pid ?? 0;
  const procT = seconds(performance.now());
  const rssMiB = memoryUsage(pid)?.rssMiB ?? Number.NaN;
  const cpu = cpuSeconds(pid) ?? Number.NaN;
  const [answers, stats] = await Promise.all([Promise.all(loads.map(askProgress)), pipeline ? askStats(pipeline) : undefined]);
  const sum = (pick: (p: LoadProgress) => number) => answers.reduce((a, { progress }) => a + pick(progress), 0);
  return {
    t: seconds(answers.reduce((a, { atMs }) => a + atMs, 0) / Math.max(1, answers.length)),
    offered: sum((p) => p.offered),
    sent: sum((p) => p.sent),
    acked: sum((p) => p.acked),
    loadErrors: sum((p) => p.errors),
    pipelineT: stats ? seconds(stats.atMs) : Number.NaN,
    landed: stats?.stats.linesWritten ?? Number.NaN,
    spoolLines: stats?.stats.spoolLines,
    procT,
    rssMiB,
    cpuSeconds: cpu,
  };
}

interface SampledWindow {
  readonly samples: OverloadSample[];
  readonly cpuFrom: CpuSample;
  readonly cpuTo: CpuSample;
}

/** When to sample, s after `go`: every second, at the end of the warm-up and at the end. */
function sampleTimes(warmupSeconds: number, seconds: number): number[] {
  const end = warmupSeconds + seconds;
  const times = Array.from({ length: Math.ceil(end) }, (_, i) => i + 1).filter((t) => t < end);
  return [...new Set([...times, warmupSeconds, end])].filter((t) => t > 0).sort((a, b) => a - b);
}

/** Starts the load, samples it once a second, and marks the window after the warm-up. */
async function sampleWindow(processes: Processes, context: RunContext, spec: OverloadSpec, onSample: (sample: OverloadSample) => void): Promise<SampledWindow> {
  const pids = [processes.pipeline?.pid ?? 0, context.influxdPid, ...processes.loads.map((l) => l.pid ?? 0)];
  const openWindow = () => {
    for (const load of processes.loads) send(load, { type: 'mark', mark: 'start' });
    return sampleCpu(pids);
  };
  const samples = [{ ...(await takeSample(processes, performance.now())), t: 0, pipelineT: 0, procT: 0 }];
  const goAtMs = performance.now();
  for (const load of processes.loads) send(load, { type: 'go' });
  let cpuFrom = spec.warmupSeconds > 0 ? undefined : openWindow();
  for (const t of sampleTimes(spec.warmupSeconds, spec.seconds)) {
    await sleep(goAtMs + t * 1000 - performance.now());
    const sample = await takeSample(processes, goAtMs);
    samples.push(sample);
    onSample(sample);
    if (!cpuFrom && t >= spec.warmupSeconds) cpuFrom = openWindow();
  }
  const cpuTo = sampleCpu(pids);
  for (const load of processes.loads) send(load, { type: 'mark', mark: 'end' });
  return { samples, cpuFrom: cpuFrom ?? cpuTo, cpuTo };
}

function cpuShares(processes: Processes, context: RunContext, { cpuFrom, cpuTo }: SampledWindow): OverloadResult['cpuPercent'] {
  const pipeline = cpuPercent(cpuFrom, cpuTo, processes.pipeline?.pid ?? 0);
  const influxd = cpuPercent(cpuFrom, cpuTo, context.influxdPid);
  const load = processes.loads.reduce((a, l) => a + cpuPercent(cpuFrom, cpuTo, l.pid ?? 0), 0);
  const ours = [pipeline, influxd, load].filter(Number.isFinite).reduce((a, b) => a + b, 0);
  return { pipeline, influxd, load, other: machinePercent(cpuFrom, cpuTo) - ours };
}

export function runOverloadPhase(spec: OverloadSpec, context: RunContext, onSample: (sample: OverloadSample) => void = () => undefined): Promise<OverloadResult> {
  return withRun(spec, context, async (processes, database) => {
    const window = await sampleWindow(processes, context, spec, onSample);
    const ending = await finish(processes, spec, context, database);
    const { load } = ending;
    return {
      label: spec.label,
      kind: spec.kind,
      devices: spec.devices.length,
      inflight: spec.inflight,
      warmupSeconds: spec.warmupSeconds,
      seconds: spec.seconds,
      peakAckedPerSecond: spec.peakAckedPerSecond,
      offeredPerSecond: spec.offeredPerSecond,
      samples: window.samples,
      totals: { offered: load.totalOffered, sent: load.totalSent, acked: load.totalAcked, landed: ending.landed },
      drainSeconds: ending.drainSeconds,
      peakRssMiB: ending.peakRssMiB,
      latency: load.latency,
      loadErrors: load.errors,
      cpuPercent: cpuShares(processes, context, window),
      ...(ending.finalStats ? { pipeline: ending.finalStats } : {}),
    };
  });
}
