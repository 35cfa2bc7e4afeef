/**
 * Turns run results into the printed table and the ratios. Pure: strings in, strings out.
 */
import { fixed, ratio, table, thousands } from './format.ts';
import type { RunResult } from './run-phase.ts';
import { B_HISTORY_MS } from './workload.ts';

/** CPU time the pipeline process spent per landed reading (bare broker: per reading of the messages it acknowledged), µs. */
export function cpuMicrosPerReading(result: RunResult): number {
  const rate = result.kind === 'broker' ? result.ackedPerSecond * (result.totalAckedReadings / Math.max(1, result.totalAcked)) : result.landedPerSecond;
  return rate > 0 ? (result.pipelineCpuPercent / 100 / rate) * 1e6 : Number.NaN;
}

export function resultsTable(results: readonly RunResult[]): string {
  const header = ['run', 'dev×inflight', 'rdg/msg', 'acked/s', 'landed/s', 'landed', 'of acked', 'pipe CPU%', 'µs CPU/rdg', 'influxd CPU%', 'load CPU%', 'other CPU%', 'peak RSS MiB', 'p50 ms', 'p99 ms'];
  const rows = results.map((r) => [
    r.label,
    r.kind === 'raw' ? `${r.devices} series` : `${r.devices}×${r.inflight}`,
    r.kind === 'raw' ? '—' : fixed(r.totalAckedReadings / Math.max(1, r.totalAcked)),
    thousands(r.ackedPerSecond),
    thousands(r.landedPerSecond),
    thousands(r.landed),
    r.totalAckedReadings > 0 && Number.isFinite(r.landed) ? `${fixed((r.landed / r.totalAckedReadings) * 100, 1)} %` : '—',
    fixed(r.pipelineCpuPercent),
    fixed(cpuMicrosPerReading(r), 1),
    fixed(r.influxdCpuPercent),
    fixed(r.loadCpuPercent),
    fixed(r.otherCpuPercent),
    fixed(r.peakRssMiB),
    fixed(r.latency.p50, 2),
    fixed(r.latency.p99, 2),
  ]);
  return table(header, rows);
}

/** The pipelines that write to InfluxDB through MQTT: Clearwater and its peers. */
const PIPELINES: readonly RunResult['kind'][] = ['nodered', 'naive', 'clearwater'];

/** Clearwater / each peer for each load level run, and each run against the raw InfluxDB rate. */
export function comparisons(results: readonly RunResult[]): string {
  const lines: string[] = [];
  const same = (a: RunResult, b: RunResult) => a.workload === b.workload && a.devices === b.devices && a.inflight === b.inflight;
  for (const clearwater of results.filter((r) => r.kind === 'clearwater')) {
    for (const peer of results.filter((r) => (r.kind === 'nodered' || r.kind === 'naive') && same(r, clearwater))) {
      lines.push(
        `${clearwater.label} / ${peer.label}: acked/s ${ratio(clearwater.ackedPerSecond, peer.ackedPerSecond)}, landed/s ${ratio(clearwater.landedPerSecond, peer.landedPerSecond)}, ` +
          `CPU per reading ${ratio(cpuMicrosPerReading(clearwater), cpuMicrosPerReading(peer))}, peak RSS ${ratio(clearwater.peakRssMiB, peer.peakRssMiB)}, ` +
          `PUBACK p50 ${ratio(clearwater.latency.p50, peer.latency.p50)}, p99 ${ratio(clearwater.latency.p99, peer.latency.p99)}`,
      );
    }
  }
  for (const floor of results.filter((r) => r.kind === 'broker')) {
    for (const r of results.filter((x) => PIPELINES.includes(x.kind) && same(x, floor))) {
      const above = cpuMicrosPerReading(r) - cpuMicrosPerReading(floor);
      lines.push(`${r.label} vs the bare broker (${floor.label}): acked/s ${ratio(r.ackedPerSecond, floor.ackedPerSecond)}, CPU per reading ${fixed(above, 1)} µs above the broker's ${fixed(cpuMicrosPerReading(floor), 1)} µs`);
    }
  }
  for (const raw of results.filter((r) => r.kind === 'raw')) {
    for (const r of results.filter((x) => PIPELINES.includes(x.kind) && x.workload === raw.workload)) {
      lines.push(`${r.label} vs raw InfluxDB (${thousands(raw.landedPerSecond)} readings/s): readings acked/s ${ratio(r.ackedPerSecond * (r.totalAckedReadings / Math.max(1, r.totalAcked)), raw.landedPerSecond)}, landed/s ${ratio(r.landedPerSecond, raw.landedPerSecond)}`);
    }
  }
  return lines.join('\n');
}

/**
 * The goals of the performance issue, as ratios within this run: workload A, Clearwater's acked/s
 * ≥ 2 × Node-RED's no-loss rate (what it landed a second) and ≥ 0.8 × the bare broker's; workload
 * B, Clearwater's readings landed a second ≥ 0.5 × the raw InfluxDB rate. A run that lost
 * acknowledged readings meets nothing.
 */
export function goals(results: readonly RunResult[]): string {
  const find = (kind: RunResult['kind'], workload: RunResult['workload']) => results.find((r) => r.kind === kind && r.workload === workload);
  const lossless = (r: RunResult) => r.landed >= r.totalAckedReadings;
  const line = (name: string, value: number, floor: number, clearwater: RunResult) =>
    `${name}: ${fixed(value, 2)} (goal ≥ ${floor}) ${!lossless(clearwater) ? 'NOT MET: acknowledged readings were lost' : value >= floor ? 'met' : 'not met'}`;
  const lines: string[] = [];
  const a = find('clearwater', 'a');
  const nodered = find('nodered', 'a');
  const broker = find('broker', 'a');
  if (a && nodered) lines.push(line('A: Clearwater acked/s ÷ Node-RED landed/s', a.ackedPerSecond / nodered.landedPerSecond, 2, a));
  if (a && broker) lines.push(line('A: Clearwater acked/s ÷ bare broker acked/s', a.ackedPerSecond / broker.ackedPerSecond, 0.8, a));
  const b = find('clearwater', 'b');
  const raw = find('raw', 'b');
  if (b && raw) lines.push(line('B: Clearwater readings landed/s ÷ raw InfluxDB readings/s', b.landedPerSecond / raw.landedPerSecond, 0.5, b));
  return lines.join('\n');
}

export function notes(results: readonly RunResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.otherCpuPercent > 15) lines.push(`${r.label}: other work kept the machine ${fixed(r.otherCpuPercent)} % busy during the window (other CPU%); its figures are disturbed, run again.`);
    if (r.kind === 'raw') {
      lines.push(`${r.label}: latency columns are per POST /write of a whole batch, not per reading.`);
      continue;
    }
    const missing = r.totalAckedReadings - r.landed;
    if (Number.isFinite(missing) && missing > 0) lines.push(`${r.label}: ${thousands(missing)} acknowledged readings were not in InfluxDB after a ${fixed(r.drainSeconds, 1)} s drain and the pipeline's stop.`);
    if (r.loadErrors > 0) lines.push(`${r.label}: the load generator counted ${r.loadErrors} publish or connection errors.`);
    if (r.loadPastPresent > 0) lines.push(`${r.label}: ${r.loadPastPresent} messages carried samples past the present (each logger's ${B_HISTORY_MS / 86_400_000}-day history ran out); a pipeline would refuse them, this peer does not look at timestamps.`);
    if (r.pipeline && r.pipeline.rejected > 0) lines.push(`${r.label}: the pipeline rejected ${r.pipeline.rejected} readings.`);
  }
  return lines.join('\n');
}
