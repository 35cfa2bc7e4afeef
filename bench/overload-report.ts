/**
 * Turns overload runs (overload-phase.ts) into a time series table per pipeline, one summary
 * table for all, and remarks. Pure: results in, strings (and figures) out.
 */
import { fixed, ratio, table, thousands } from './format.ts';
import type { OverloadResult, OverloadSample } from './overload-phase.ts';

/** Figures of the measured window (after the warm-up); levels at its start and end. */
export interface OverloadSummary {
  readonly offeredPerSecond: number;
  readonly ackedPerSecond: number;
  /** Acked/s over the last third of the window: a collapse that builds up shows here first. */
  readonly lateAckedPerSecond: number;
  readonly landedPerSecond: number;
  /** RSS before the load started, and at the start of the window (after the warm-up). */
  readonly rssIdleMiB: number;
  readonly rssStartMiB: number;
  readonly rssMaxMiB: number;
  readonly rssEndMiB: number;
  /** RSS change over the second half of the window, MiB per minute: ~0 when memory is bounded. */
  readonly rssGrowthMiBPerMinute: number;
  /** Largest `clearwater_spool_lines` seen; NaN for pipelines without a spool. */
  readonly spoolLinesMax: number;
  /** Readings the devices' schedules called for but were not yet sent, at the end of the window. */
  readonly backlogAtEnd: number;
  /** Acknowledged but not counted in InfluxDB after the drain and the pipeline's stop. */
  readonly lost: number;
}

type Clock = 't' | 'pipelineT' | 'procT';

/** Change of `pick` per second between two samples, on the clock of the source it comes from. */
function rate(from: OverloadSample, to: OverloadSample, pick: (s: OverloadSample) => number, clock: Clock = 't'): number {
  const seconds = to[clock] - from[clock];
  return seconds > 0 ? (pick(to) - pick(from)) / seconds : Number.NaN;
}

/** The first sample at or after `t` seconds (the last one when none is). */
function sampleAt(samples: readonly OverloadSample[], t: number): OverloadSample {
  const last = samples[samples.length - 1];
  if (!last) throw new Error('an overload run without samples');
  return samples.find((s) => s.t >= t) ?? last;
}

export function summarizeOverload(result: OverloadResult): OverloadSummary {
  const { samples } = result;
  const idle = sampleAt(samples, 0);
  // The warm-up's closing sample was taken a moment after warmupSeconds: allow for that.
  const first = sampleAt(samples, result.warmupSeconds - 0.5);
  const last = sampleAt(samples, Number.POSITIVE_INFINITY);
  const middle = sampleAt(samples, (first.t + last.t) / 2);
  const lateFrom = sampleAt(samples, first.t + ((last.t - first.t) * 2) / 3);
  const spool = samples.map((s) => s.spoolLines).filter((n): n is number => n !== undefined && Number.isFinite(n));
  return {
    offeredPerSecond: rate(first, last, (s) => s.offered),
    ackedPerSecond: rate(first, last, (s) => s.acked),
    lateAckedPerSecond: rate(lateFrom, last, (s) => s.acked),
    landedPerSecond: rate(first, last, (s) => s.landed, 'pipelineT'),
    rssIdleMiB: idle.rssMiB,
    rssStartMiB: first.rssMiB,
    rssMaxMiB: Math.max(...samples.map((s) => s.rssMiB)),
    rssEndMiB: last.rssMiB,
    rssGrowthMiBPerMinute: rate(middle, last, (s) => s.rssMiB, 'procT') * 60,
    spoolLinesMax: spool.length > 0 ? Math.max(...spool) : Number.NaN,
    backlogAtEnd: last.offered - last.sent,
    lost: result.totals.acked - result.totals.landed,
  };
}

/** Seconds per printed row: 2 s, or more so a long window stays about ten rows. */
export const rowSeconds = (windowSeconds: number) => Math.max(2, Math.ceil(windowSeconds / 10));

/** One row per `rowSeconds` from the load's start: rates over the row, levels at its end. */
export function overloadSeries(result: OverloadResult): string {
  const step = rowSeconds(result.warmupSeconds + result.seconds);
  const last = result.samples.length - 1;
  const closesWarmup = (s: OverloadSample) => Math.abs(s.t - result.warmupSeconds) < 0.5;
  const ends = result.samples.filter((s, i) => i > 0 && (Math.round(s.t) % step === 0 || closesWarmup(s) || i === last));
  let from = result.samples[0];
  const rows: string[][] = [];
  for (const to of ends) {
    if (!from || to.t - from.t < 0.5) continue;
    const acked = rate(from, to, (s) => s.acked);
    const cpu = rate(from, to, (s) => s.cpuSeconds, 'procT') * 100;
    rows.push([
      `${fixed(from.t)}-${fixed(to.t)}${to.t < result.warmupSeconds + 0.5 ? ' warm-up' : ''}`,
      thousands(rate(from, to, (s) => s.offered)),
      thousands(acked),
      ratio(acked, result.peakAckedPerSecond),
      thousands(rate(from, to, (s) => s.landed, 'pipelineT')),
      thousands(to.offered - to.sent),
      thousands(to.acked - to.landed),
      to.spoolLines === undefined ? '—' : thousands(to.spoolLines),
      fixed(to.rssMiB),
      fixed(cpu),
    ]);
    from = to;
  }
  const header = ['t s', 'offered/s', 'acked/s', '×peak', 'landed/s', 'dev backlog', 'in pipe', 'spool lines', 'RSS MiB', 'pipe CPU%'];
  return table(header, rows);
}

/** Figures as rows, runs as columns: the overload runs side by side. */
export function overloadSummaryTable(results: readonly OverloadResult[]): string {
  const summaries = results.map(summarizeOverload);
  const row = (name: string, cell: (r: OverloadResult, s: OverloadSummary) => string) => [name, ...results.map((r, i) => cell(r, summaries[i] as OverloadSummary))];
  const rows = [
    row('devices × window', (r) => `${r.devices}×${r.inflight}`),
    row('peak acked/s (normal run)', (r) => thousands(r.peakAckedPerSecond)),
    row('offered/s', (r, s) => thousands(s.offeredPerSecond)),
    row('acked/s', (r, s) => `${thousands(s.ackedPerSecond)} (${ratio(s.ackedPerSecond, r.peakAckedPerSecond)} peak)`),
    row('acked/s, last third', (r, s) => `${thousands(s.lateAckedPerSecond)} (${ratio(s.lateAckedPerSecond, r.peakAckedPerSecond)} peak)`),
    row('landed/s', (_r, s) => thousands(s.landedPerSecond)),
    row('RSS MiB idle / start / max / end', (_r, s) => [s.rssIdleMiB, s.rssStartMiB, s.rssMaxMiB, s.rssEndMiB].map((m) => fixed(m)).join(' / ')),
    row('RSS MiB/min, 2nd half', (_r, s) => fixed(s.rssGrowthMiBPerMinute, 1)),
    row('spool lines, max', (_r, s) => thousands(s.spoolLinesMax)),
    row('readings offered (whole run)', (r) => thousands(r.totals.offered)),
    row('readings sent', (r) => thousands(r.totals.sent)),
    row('readings acked', (r) => thousands(r.totals.acked)),
    row('readings landed', (r) => thousands(r.totals.landed)),
    row('lost (acked − landed)', (_r, s) => thousands(s.lost)),
    row('device backlog at end', (_r, s) => `${thousands(s.backlogAtEnd)} (${fixed(s.backlogAtEnd / s.offeredPerSecond, 1)} s)`),
    row('PUBACK p50 / p99 ms', (r) => `${fixed(r.latency.p50, 1)} / ${fixed(r.latency.p99, 1)}`),
    row('drain s', (r) => fixed(r.drainSeconds, 1)),
    row('CPU% pipe/influxd/load/other', (r) => [r.cpuPercent.pipeline, r.cpuPercent.influxd, r.cpuPercent.load, r.cpuPercent.other].map((c) => fixed(c)).join(' / ')),
  ];
  return table(['', ...results.map((r) => r.label)], rows);
}

export function overloadNotes(results: readonly OverloadResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const s = summarizeOverload(r);
    if (s.lost > 0) lines.push(`${r.label}: ${thousands(s.lost)} acknowledged readings were not in InfluxDB after a ${fixed(r.drainSeconds, 1)} s drain and the pipeline's stop (lost, or still queued when it stopped).`);
    const late = s.lateAckedPerSecond / r.peakAckedPerSecond;
    if (late < 0.8) lines.push(`${r.label}: acked/s fell to ${ratio(s.lateAckedPerSecond, r.peakAckedPerSecond)} of its peak in the last third of the window (collapse, or a disturbed run: see other CPU%).`);
    if (s.rssGrowthMiBPerMinute > 20 && s.rssEndMiB > s.rssStartMiB * 1.5) lines.push(`${r.label}: RSS was still growing at ${fixed(s.rssGrowthMiBPerMinute)} MiB/min at the end of the window (${fixed(s.rssStartMiB)} → ${fixed(s.rssEndMiB)} MiB): memory is not bounded.`);
    if (s.landedPerSecond < 0.8 * s.ackedPerSecond) lines.push(`${r.label}: acknowledged ${thousands(s.ackedPerSecond)}/s but wrote ${thousands(s.landedPerSecond)}/s: a backlog grew inside the pipeline.`);
    if (r.loadErrors > 0) lines.push(`${r.label}: the load generator counted ${r.loadErrors} publish or connection errors.`);
    if (r.cpuPercent.other > 15) lines.push(`${r.label}: other work kept the machine ${fixed(r.cpuPercent.other)} % busy during the window; its figures are disturbed, run again.`);
  }
  return lines.join('\n');
}
