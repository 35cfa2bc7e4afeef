/**
 * `npm run bench [-- options]`: end-to-end throughput of Clearwater against a naive pipeline and
 * against InfluxDB's own write rate (and, when asked, a bare Aedes broker), in one run, on one
 * private influxd, with the same offered load. See bench/README.md for what each figure means.
 * Prints a table, the ratios, and the results as JSON (last stdout line and a file under /tmp).
 * Figures are measurements, never asserted.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalInfluxd } from '../app/local-influxd.ts';
import { writeBenchCatalog } from './bench-catalog.ts';
import { findProcess } from './proc-stats.ts';
import { helpText, parseBenchOptions, type BenchOptions } from './options.ts';
import { comparisons, notes, resultsTable } from './report.ts';
import { runPhase, type RunResult, type RunSpec } from './run-phase.ts';

function plan(options: BenchOptions, devices: RunSpec['devices']): RunSpec[] {
  const base = devices.slice(0, options.devices);
  const specs: RunSpec[] = options.only.map((kind) => ({ kind, label: kind, devices: base, inflight: options.inflight }));
  if (options.overload) {
    const many = devices.slice(0, options.overloadDevices);
    for (const kind of options.only.filter((k) => k !== 'raw')) specs.push({ kind, label: `${kind}-overload`, devices: many, inflight: options.overloadInflight });
  }
  return specs;
}

async function main(): Promise<number> {
  const parsed = parseBenchOptions(process.argv.slice(2));
  if (!parsed.ok) {
    if ('help' in parsed) process.stdout.write(helpText());
    else process.stderr.write(`${parsed.problems}\n\n${helpText()}`);
    return 'help' in parsed ? 0 : 2;
  }
  const { options } = parsed;
  if (options.profile !== 'none') await mkdir(options.profileDir, { recursive: true });
  const runId = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const workDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-catalog-'));
  const influx = await startLocalInfluxd();
  const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);
  const results: RunResult[] = [];
  try {
    const deviceCount = Math.max(options.devices, options.overload ? options.overloadDevices : 0);
    const catalog = await writeBenchCatalog(workDir, deviceCount);
    const influxdPid = findProcess(influx.pid, 'influxd');
    log(`influxd ${influx.url} (pid ${influxdPid}); catalog of ${deviceCount} devices at ${catalog.path}`);
    for (const spec of plan(options, catalog.devices)) {
      log(`${spec.label}: ${spec.kind === 'raw' ? `${options.rawConcurrency} × ${options.rawBatch}-line POSTs` : `${spec.devices.length} devices × ${spec.inflight} in flight`}, ${options.warmup} s warm-up + ${options.seconds} s`);
      const result = await runPhase(spec, { influx, influxdPid, catalogPath: catalog.path, options, runId });
      const landed = Number.isFinite(result.landed) ? `, ${Math.round(result.landedPerSecond)} landed/s, ${result.landed}/${result.totalAcked} landed` : '';
      log(`${spec.label}: ${Math.round(result.ackedPerSecond)} acked/s${landed}`);
      results.push(result);
    }
  } finally {
    await influx.stop();
    await rm(workDir, { recursive: true, force: true });
  }

  const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', node: process.version };
  console.log(`\nClearwater throughput — ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, InfluxDB 1.x local`);
  console.log(`window ${options.seconds} s after ${options.warmup} s warm-up; QoS 1, one turbidity reading per message\n`);
  console.log(resultsTable(results));
  console.log(`\n${comparisons(results)}`);
  const remarks = notes(results);
  if (remarks) console.log(`\n${remarks}`);
  const json = JSON.stringify({ runId, machine, options, results });
  const file = options.json ?? join(tmpdir(), `clearwater-bench-${runId}.json`);
  await writeFile(file, `${json}\n`);
  console.log(`\nJSON: ${file}`);
  console.log(json);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
