/**
 * The tables of bench/rules.ts. Pure: results in, strings out.
 */
import type { Catalog, SiteKind } from '../network/catalog.ts';
import { fixed, ratio, table, thousands } from './format.ts';
import type { EnginePassResult, RoutingResult } from './rules-engine-phase.ts';
import type { LatencyPhaseResult } from './rules-latency-phase.ts';
import type { ShippedPacks } from './rules-packs.ts';

/** The q-quantile of ascending `sorted` (nearest rank); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Counts by site kind: devices and sites. */
export function kindMix(catalog: Catalog): Record<SiteKind, { sites: number; devices: number }> {
  const mix = {} as Record<SiteKind, { sites: number; devices: number }>;
  for (const site of catalog.sites.values()) (mix[site.kind] ??= { sites: 0, devices: 0 }).sites++;
  for (const device of catalog.devices.values()) (mix[device.site.kind] ??= { sites: 0, devices: 0 }).devices++;
  return mix;
}

export function catalogTable(catalog: Catalog): string {
  const mix = Object.entries(kindMix(catalog));
  const total = catalog.devices.size;
  const rows = mix.map(([kind, { sites, devices }]) => [kind, thousands(sites), thousands(devices), `${fixed((devices / total) * 100, 1)} %`]);
  return table(['site kind', 'sites', 'devices', 'share'], [...rows, ['all', thousands(catalog.sites.size), thousands(total), '100 %']]);
}

export function packsTable(packs: ShippedPacks): string {
  const rows = packs.loaded.map(({ pack }) => [pack.pack, String(pack.rules.length), [...new Set(pack.rules.map((r) => r.kind))].join(', ')]);
  const skipped = packs.skipped.map(({ path, reason }) => `skipped ${path}: ${reason}`);
  return [table(['pack', 'rules', 'kinds'], rows), ...skipped].join('\n');
}

const perSecond = (count: number, ms: number) => (ms > 0 ? (count * 1000) / ms : Number.NaN);

export function engineTable(passes: readonly EnginePassResult[]): string {
  const header = ['run', 'rules', 'readings', 'evaluations', 'eval/rdg', 'evaluate s', 'readings/s', 'evaluations/s', 'µs/rdg', 'write wait s', 'rdg/s incl. writes+ticks'];
  const rows = passes.map((p) => [
    p.label,
    String(p.rules),
    thousands(p.readings),
    thousands(p.evaluations),
    fixed(p.evaluations / p.readings, 2),
    fixed(p.evaluateMs / 1000, 2),
    thousands(perSecond(p.readings, p.evaluateMs)),
    thousands(perSecond(p.evaluations, p.evaluateMs)),
    fixed((p.evaluateMs * 1000) / p.readings, 2),
    fixed(p.writeMs / 1000, 2),
    thousands(perSecond(p.readings, p.evaluateMs + p.tickMs + p.writeMs)),
  ]);
  return table(header, rows);
}

export function ticketsAndMemoryTable(passes: readonly EnginePassResult[]): string {
  const header = ['run', 'opened', 'updated', 'escalated', 'resolved', 'write errors', 'fingerprints', 'heap MiB before', 'after', 'RSS MiB before', 'after'];
  const rows = passes.map((p) => [
    p.label,
    ...[p.stats.opened, p.stats.updated, p.stats.escalated, p.stats.resolved, p.stats.errors, p.stats.fingerprints].map(thousands),
    fixed(p.before.heapMiB),
    fixed(p.after.heapMiB),
    fixed(p.before.rssMiB),
    fixed(p.after.rssMiB),
  ]);
  return table(header, rows);
}

export function tickTable(passes: readonly EnginePassResult[]): string {
  const rows = passes.map((p) => [p.label, thousands(p.watches), thousands(p.ticks), fixed(p.tickMs / p.ticks, 2), fixed(p.tickMaxMs, 2), thousands(perSecond(p.tickEvaluations, p.tickMs)), `${fixed((p.tickMs / (p.evaluateMs + p.tickMs + p.writeMs)) * 100, 1)} %`]);
  return table(['run', 'watches', 'ticks', 'ms/tick', 'max ms', 'watch evals/s', 'share of time'], rows);
}

export function routingTable(routing: RoutingResult): string {
  const { readings, rules } = routing;
  const row = (label: string, found: number, ms: number, checks: string) => [label, fixed(found / readings, 2), checks, fixed((ms * 1000) / readings, 3), thousands(perSecond(readings, ms))];
  return table(
    ['router', 'rules found/rdg', 'rules checked/rdg', 'µs/rdg', 'readings/s'],
    [row('index (rules/router.ts)', routing.indexFound, routing.indexMs, 'the short list'), row('naive scan', routing.scanFound, routing.scanMs, String(rules))],
  );
}

/** The index against the naive scan, and the full packs against one rule, on the evaluate time. */
export function engineRatios(passes: readonly EnginePassResult[], routing: RoutingResult): string {
  const [all, one] = passes;
  const lines = [
    `routing time, naive scan ÷ index: ${ratio(routing.scanMs, routing.indexMs)} (above 1×: the index is faster); both found the same rules: ${routing.indexFound === routing.scanFound ? 'yes' : `no (${thousands(routing.indexFound)} vs ${thousands(routing.scanFound)})`}`,
  ];
  if (all) lines.push(`routing by the index is ${fixed((routing.indexMs / all.evaluateMs) * 100, 1)} % of the engine's evaluate time with all packs; the scan would be ${fixed((routing.scanMs / all.evaluateMs) * 100, 1)} %`);
  if (all && one) lines.push(`all packs vs one rule: ${ratio(all.evaluateMs, one.evaluateMs)} the evaluate time for ${ratio(all.evaluations, one.evaluations)} the evaluations`);
  return lines.join('\n');
}

export function packCostTable(results: readonly EnginePassResult[], refused: readonly { pack: string; reason: string }[]): string {
  const rows = results.map((p) => [
    p.label,
    String(p.rules),
    fixed(p.evaluations / p.readings, 2),
    fixed((p.evaluateMs * 1000) / p.readings, 2),
    thousands(perSecond(p.evaluations, p.evaluateMs)),
    fixed(p.tickMs / p.ticks, 2),
    thousands(p.stats.opened),
  ]);
  const notes = refused.map(({ pack, reason }) => `${pack}: not alone (${reason})`);
  return [table(['pack', 'rules', 'eval/rdg', 'µs/rdg', 'evaluations/s', 'ms/tick', 'opened'], rows), ...notes].join('\n');
}

/** How a level is named in the tables. Pure. */
export function levelLabel(phase: Pick<LatencyPhaseResult, 'level' | 'rate'>): string {
  if (phase.level === 'baseline') return '0 (baseline)';
  if (phase.level === 'peak') return 'peak (closed loop)';
  if (phase.level === 'half-peak') return `${thousands(phase.rate)} (half peak)`;
  return thousands(phase.rate);
}

/** The goal: publish → ticket p99 ≤ 100 ms at half the peak, every pack loaded; '' without a half-peak level. Pure. */
export function latencyGoal(phases: readonly LatencyPhaseResult[], goalMs = 100): string {
  const half = phases.find((p) => p.level === 'half-peak');
  const peak = phases.find((p) => p.level === 'peak');
  if (!half || !peak) return '';
  return half.probes
    .map((probe) => {
      const p99 = quantile(probe.latenciesMs, 0.99);
      const met = probe.lost === 0 && p99 <= goalMs;
      return `publish → ticket p99 at half the peak (${thousands(half.rate)} of ${thousands(peak.ackedPerSecond)} rdg/s), ${probe.label}: ${fixed(p99, 1)} ms, ${probe.lost} lost (goal ≤ ${goalMs} ms, none lost): ${met ? 'met' : 'not met'}`;
    })
    .join('\n');
}

export function latencyTable(phases: readonly LatencyPhaseResult[]): string {
  const header = ['load rdg/s', 'acked/s', 'probe', 'sent', 'opened', 'lost', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'PUBACK p50', 'p99'];
  const rows = phases.flatMap((phase) =>
    phase.probes.map((probe, i) => [
      i === 0 ? levelLabel(phase) : '',
      i === 0 ? thousands(phase.ackedPerSecond) : '',
      probe.label,
      String(probe.sent),
      String(probe.latenciesMs.length),
      String(probe.lost),
      ...[0.5, 0.9, 0.99, 1].map((q) => fixed(quantile(probe.latenciesMs, q), 1)),
      i === 0 && phase.puback ? fixed(phase.puback.p50, 1) : '',
      i === 0 && phase.puback ? fixed(phase.puback.p99, 1) : '',
    ]),
  );
  return table(header, rows);
}

export function pipelineTable(phases: readonly LatencyPhaseResult[]): string {
  const header = ['load rdg/s', 'ingest rdg/s', 'rule evals/s', 'pipe CPU%', 'load CPU%', 'influxd CPU%', 'other CPU%', 'max RSS MiB'];
  const rows = phases.map((p) => [
    levelLabel(p),
    thousands(p.readingsPerSecond),
    thousands(p.evaluationsPerSecond),
    fixed(p.pipelineCpuPercent),
    fixed(p.loadCpuPercent),
    fixed(p.influxdCpuPercent),
    fixed(p.otherCpuPercent),
    fixed(p.maxRssMiB),
  ]);
  return table(header, rows);
}

/** Each load level's probe p50/p99 against the baseline's. */
export function latencyRatios(phases: readonly LatencyPhaseResult[]): string {
  const baseline = phases.find((p) => p.level === 'baseline');
  if (!baseline) return '';
  return phases
    .filter((p) => p !== baseline)
    .flatMap((phase) =>
      phase.probes.map((probe) => {
        const base = baseline.probes.find((b) => b.label === probe.label);
        const at = (q: number, p: { latenciesMs: readonly number[] } | undefined) => quantile(p?.latenciesMs ?? [], q);
        return `${levelLabel(phase)}${phase.level === 'fixed' ? ' rdg/s' : ''}, ${probe.label}: p50 ${ratio(at(0.5, probe), at(0.5, base))}, p99 ${ratio(at(0.99, probe), at(0.99, base))} the baseline's`;
      }),
    )
    .join('\n');
}
