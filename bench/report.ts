/**
 * Turns run results into the printed table and the ratios. Pure: strings in, strings out.
 */
import { fixed, ratio, table, thousands } from './format.ts';
import type { RunResult } from './run-phase.ts';

/** CPU time the pipeline process spent per landed reading (bare broker: per acknowledged message), µs. */
export function cpuMicrosPerReading(result: RunResult): number {
  const rate = result.kind === 'broker' ? result.ackedPerSecond : result.landedPerSecond;
  return rate > 0 ? (result.pipelineCpuPercent / 100 / rate) * 1e6 : Number.NaN;
}

export function resultsTable(results: readonly RunResult[]): string {
  const header = ['run', 'dev×inflight', 'acked/s', 'landed/s', 'landed', 'of acked', 'pipe CPU%', 'µs CPU/rdg', 'influxd CPU%', 'load CPU%', 'other CPU%', 'peak RSS MiB', 'p50 ms', 'p99 ms'];
  const rows = results.map((r) => [
    r.label,
    r.kind === 'raw' ? `${r.devices} series` : `${r.devices}×${r.inflight}`,
    thousands(r.ackedPerSecond),
    thousands(r.landedPerSecond),
    thousands(r.landed),
    r.totalAcked > 0 && Number.isFinite(r.landed) ? `${fixed((r.landed / r.totalAcked) * 100, 1)} %` : '—',
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
  const raw = results.find((r) => r.kind === 'raw');
  for (const clearwater of results.filter((r) => r.kind === 'clearwater')) {
    for (const peer of results.filter((r) => (r.kind === 'nodered' || r.kind === 'naive') && r.devices === clearwater.devices && r.inflight === clearwater.inflight)) {
      lines.push(
        `${clearwater.label} / ${peer.label}: acked/s ${ratio(clearwater.ackedPerSecond, peer.ackedPerSecond)}, landed/s ${ratio(clearwater.landedPerSecond, peer.landedPerSecond)}, ` +
          `CPU per reading ${ratio(cpuMicrosPerReading(clearwater), cpuMicrosPerReading(peer))}, peak RSS ${ratio(clearwater.peakRssMiB, peer.peakRssMiB)}, ` +
          `PUBACK p50 ${ratio(clearwater.latency.p50, peer.latency.p50)}, p99 ${ratio(clearwater.latency.p99, peer.latency.p99)}`,
      );
    }
  }
  for (const floor of results.filter((r) => r.kind === 'broker')) {
    for (const r of results.filter((x) => PIPELINES.includes(x.kind) && x.devices === floor.devices && x.inflight === floor.inflight)) {
      const above = cpuMicrosPerReading(r) - cpuMicrosPerReading(floor);
      lines.push(`${r.label} vs the bare broker (${floor.label}): acked/s ${ratio(r.ackedPerSecond, floor.ackedPerSecond)}, CPU per reading ${fixed(above, 1)} µs above the broker's ${fixed(cpuMicrosPerReading(floor), 1)} µs`);
    }
  }
  if (raw) {
    for (const r of results.filter((x) => PIPELINES.includes(x.kind))) {
      lines.push(`${r.label} vs raw InfluxDB (${thousands(raw.landedPerSecond)} points/s): acked/s ${ratio(r.ackedPerSecond, raw.landedPerSecond)}, landed/s ${ratio(r.landedPerSecond, raw.landedPerSecond)}`);
    }
  }
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
    const missing = r.totalAcked - r.landed;
    if (Number.isFinite(missing) && missing > 0) lines.push(`${r.label}: ${thousands(missing)} acknowledged readings were not in InfluxDB after a ${fixed(r.drainSeconds, 1)} s drain and the pipeline's stop.`);
    if (r.loadErrors > 0) lines.push(`${r.label}: the load generator counted ${r.loadErrors} publish or connection errors.`);
    if (r.pipeline && r.pipeline.rejected > 0) lines.push(`${r.label}: the pipeline rejected ${r.pipeline.rejected} readings.`);
  }
  return lines.join('\n');
}
