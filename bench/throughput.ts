/**
 * `npm run bench [-- options]`: end-to-end throughput of Clearwater against a naive pipeline and
 * against InfluxDB's own write rate (and, when asked, a bare Aedes broker), in one run, on one
 * private influxd, with the same offered load; with `--overload`, then each MQTT pipeline again
 * offered a multiple of the peak it just reached (overload-phase.ts). See bench/README.md for
 * what each figure means. Prints the tables, the ratios, and the results as JSON (last stdout
 * line and a file under /tmp). Figures are measurements, never asserted.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalInfluxd } from '../app/local-influxd.ts';
import { writeBenchCatalog } from './bench-catalog.ts';
import { ensureNodered } from './nodered-install.ts';
import { findProcess } from './proc-stats.ts';
import { helpText, parseBenchOptions, type BenchOptions } from './options.ts';
import { runOverloadPhase, type OverloadResult, type OverloadSpec } from './overload-phase.ts';
import { overloadNotes, overloadSeries, overloadSummaryTable, rowSeconds, summarizeOverload } from './overload-report.ts';
import { comparisons, goals, notes, resultsTable } from './report.ts';
import { runPhase, type RunContext, type RunResult, type RunSpec } from './run-phase.ts';
import { workloads } from './workload.ts';
import { benchMain } from './entry.ts';

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);

/** Every run of --only, once per workload: labelled by its kind (workload A) or `<kind>-b`. */
function plan(options: BenchOptions, devices: RunSpec['devices']): RunSpec[] {
  const base = devices.slice(0, options.devices);
  return options.workloads.flatMap((name) => options.only.map((kind) => ({ kind, label: name === 'a' ? kind : `${kind}-${name}`, devices: base, inflight: options.inflight, workload: workloads[name] })));
}

/** The overload run of one pipeline: its devices offer `factor` × the peak acked/s of its normal run. */
function overloadPlan(options: BenchOptions, devices: RunSpec['devices'], normal: RunResult): OverloadSpec | undefined {
  if ((normal.kind !== 'naive' && normal.kind !== 'clearwater') || normal.workload !== 'a' || !(normal.ackedPerSecond > 0)) return undefined;
  const many = devices.slice(0, options.overloadDevices ?? options.devices);
  const offeredPerSecond = normal.ackedPerSecond * options.overloadFactor;
  return {
    kind: normal.kind,
    label: `${normal.kind}-overload`,
    devices: many,
    inflight: options.overloadInflight ?? options.inflight,
    workload: workloads.a,
    ratePerDevice: offeredPerSecond / many.length,
    peakAckedPerSecond: normal.ackedPerSecond,
    offeredPerSecond,
    warmupSeconds: options.warmup,
    seconds: options.overloadSeconds,
  };
}

async function runOverload(spec: OverloadSpec, context: RunContext): Promise<OverloadResult> {
  log(`${spec.label}: ${spec.devices.length} devices × ${spec.inflight} in flight offering ${Math.round(spec.offeredPerSecond)} msg/s (${spec.ratePerDevice?.toFixed(1)}/s each, ${context.options.overloadFactor} × peak ${Math.round(spec.peakAckedPerSecond)}), ${spec.warmupSeconds} s warm-up + ${spec.seconds} s`);
  const step = rowSeconds(spec.warmupSeconds + spec.seconds);
  let previous = { t: 0, acked: 0 };
  const result = await runOverloadPhase(spec, context, (sample) => {
    if (Math.round(sample.t) % (step * 2) !== 0) return;
    const acked = (sample.acked - previous.acked) / (sample.t - previous.t);
    previous = sample;
    log(`${spec.label} t=${Math.round(sample.t)} s: ${Math.round(acked)} acked/s, device backlog ${sample.offered - sample.sent}, in pipe ${sample.acked - sample.landed}, RSS ${Math.round(sample.rssMiB)} MiB`);
  });
  const summary = summarizeOverload(result);
  log(`${spec.label}: ${Math.round(summary.ackedPerSecond)} acked/s (peak ${Math.round(spec.peakAckedPerSecond)}), ${result.totals.landed}/${result.totals.acked} landed`);
  return result;
}

async function main(options: BenchOptions): Promise<number> {
  if (options.profile !== 'none') await mkdir(options.profileDir, { recursive: true });
  const runId = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const workDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-catalog-'));
  const influx = await startLocalInfluxd();
  const results: RunResult[] = [];
  const overloads: OverloadResult[] = [];
  try {
    const deviceCount = Math.max(options.devices, options.overload ? (options.overloadDevices ?? 0) : 0);
    const catalog = await writeBenchCatalog(workDir, deviceCount);
    const influxdPid = findProcess(influx.pid, 'influxd');
    log(`influxd ${influx.url} (pid ${influxdPid}); catalog of ${deviceCount} devices at ${catalog.path}`);
    const noderedDir = options.only.includes('nodered') ? await ensureNodered(log) : undefined;
    const context: RunContext = { influx, influxdPid, catalogPath: catalog.path, options, runId, ...(noderedDir ? { noderedDir } : {}) };
    for (const spec of plan(options, catalog.devices)) {
      log(`${spec.label}: ${spec.kind === 'raw' ? `${options.rawConcurrency} × ${options.rawBatch}-line POSTs` : `${spec.devices.length} devices × ${spec.inflight} in flight`}, ${options.warmup} s warm-up + ${options.seconds} s`);
      const result = await runPhase(spec, context);
      const landed = Number.isFinite(result.landed) ? `, ${Math.round(result.landedPerSecond)} readings landed/s, ${result.landed}/${result.totalAckedReadings} readings landed` : '';
      log(`${spec.label}: ${Math.round(result.ackedPerSecond)} acked/s${landed}`);
      results.push(result);
    }
    if (options.overload) {
      for (const normal of results) {
        const spec = overloadPlan(options, catalog.devices, normal);
        if (spec) overloads.push(await runOverload(spec, context));
      }
    }
  } finally {
    await influx.stop();
    await rm(workDir, { recursive: true, force: true });
  }

  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version };
  console.log(`\nClearwater throughput — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, InfluxDB 1.x local`);
  console.log(`window ${options.seconds} s after ${options.warmup} s warm-up; QoS 1; workload A: one turbidity reading a message (rows named by their run), B: a logger's 15 one-minute samples × 3 metrics a message (rows <run>-b)\n`);
  console.log(resultsTable(results));
  console.log(`\n${comparisons(results)}`);
  const targets = goals(results);
  if (targets) console.log(`\nGoals\n${targets}`);
  const remarks = notes(results);
  if (remarks) console.log(`\n${remarks}`);
  if (overloads.length > 0) printOverload(options, overloads);
  const json = JSON.stringify({ runId, machine, options, results, overload: overloads.map((r) => ({ ...r, summary: summarizeOverload(r) })) });
  const file = options.json ?? join(tmpdir(), `clearwater-bench-${runId}.json`);
  await writeFile(file, `${json}\n`);
  console.log(`\nJSON: ${file}`);
  console.log(json);
  return 0;
}

function printOverload(options: BenchOptions, overloads: readonly OverloadResult[]): void {
  console.log(`\nOverload: devices offer ${options.overloadFactor} × the peak acked/s of the normal run, each at a fixed rate with its QoS 1 window, ${options.warmup} s warm-up + ${options.overloadSeconds} s`);
  console.log('(rates over each row; dev backlog = offered − sent, in pipe = acked − written to InfluxDB, both at the row\'s end)');
  for (const result of overloads) console.log(`\n${result.label}\n${overloadSeries(result)}`);
  console.log(`\n${overloadSummaryTable(overloads)}`);
  const remarks = overloadNotes(overloads);
  if (remarks) console.log(`\n${remarks}`);
}

benchMain({ parse: parseBenchOptions, help: helpText }, main);
