/**
 * Which rules can a reading meet? Rules are indexed by metric and site kind once, so a reading
 * looks up only the rules for the metrics it carries at its site's kind; village and site
 * filters are checked on that short list.
 *
 * A rule is indexed under its first metric and under each of its kind's context metrics
 * (`contextMetrics`, e.g. the flow that confirms a pressure drop): it meets a reading that
 * carries all its metrics, or any context metric. Watch kinds (stale) are not indexed by metric
 * at all: the engine routes readings to them by device (`watchRules`, `watchesSite`); group
 * kinds (flood) see no readings (`groupRules`).
 *
 * The index does not depend on zones: zone signals (zone-signals.ts) are looked up only by the
 * rules that listen to them, for the zone of the reading at hand.
 */
import type { Site, SiteKind } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { kindOf, type Rule, type RuleKind, type Worst } from './kinds/index.ts';
import { baseProblems, type ZoneListen } from './kinds/kind.ts';

/** The device of a reading: structurally a subset of network's `Device`. */
export interface ReadingDevice {
  readonly id: string;
  readonly site: Site;
}

/** One sample of one device, as ingest's `TelemetryPoint` (rules does not import ingest). */
export interface RuleReading {
  readonly device: ReadingDevice;
  /** Event time, epoch ms. */
  readonly ts: number;
  /** Canonical values by metric. */
  readonly values: ReadonlyMap<MetricName, number>;
}

export interface CompiledRule {
  readonly rule: Rule;
  readonly kind: RuleKind<Rule, unknown>;
  /** The ticket's metric and the index key. */
  readonly metric: MetricName;
  readonly metrics: readonly MetricName[];
  /** Metrics that also route readings to the rule (kind.contextMetrics); usually empty. */
  readonly context: readonly MetricName[];
  readonly worst: Worst;
  /** Zone signals the rule correlates with (kind.zoneSignals); usually undefined. */
  readonly listen: ZoneListen | undefined;
  readonly siteKinds: ReadonlySet<SiteKind> | undefined;
  readonly villages: ReadonlySet<string> | undefined;
  readonly sites: ReadonlySet<string> | undefined;
}

const ANY_KIND = '*';
type KindKey = SiteKind | typeof ANY_KIND;

export class RuleIndex {
  private readonly byMetric = new Map<MetricName, Map<KindKey, CompiledRule[]>>();
  /** The last lookup per device: its metrics and the rules found (see `candidates`). */
  private readonly lastByDevice = new WeakMap<ReadingDevice, { readonly metrics: readonly MetricName[]; readonly rules: readonly CompiledRule[] }>();
  readonly byId: ReadonlyMap<string, CompiledRule>;
  /** Rules of watch kinds (stale), in pack order; the engine pairs them with catalog devices. */
  readonly watchRules: readonly CompiledRule[];
  /** Rules of group kinds (flood), in pack order; the engine judges them at its ticks, over the watches they hold. */
  readonly groupRules: readonly CompiledRule[];

  constructor(rules: readonly Rule[]) {
    const byId = new Map<string, CompiledRule>();
    const watchRules: CompiledRule[] = [];
    const groupRules: CompiledRule[] = [];
    for (const rule of rules) {
      if (byId.has(rule.id)) throw new Error(`rule id "${rule.id}" appears twice`);
      // Kinds check this in their schemas too; here it holds for every kind, whoever wrote it.
      for (const [, message] of baseProblems(rule)) throw new Error(`rule "${rule.id}": ${message}`);
      const compiled = compile(rule);
      byId.set(rule.id, compiled);
      if (compiled.kind.watch !== undefined) {
        watchRules.push(compiled);
        continue;
      }
      if (compiled.kind.group !== undefined) {
        groupRules.push(compiled);
        continue;
      }
      for (const key of rule.match?.siteKinds ?? [ANY_KIND]) {
        for (const metric of new Set([compiled.metric, ...compiled.context])) this.add(metric, key, compiled);
      }
    }
    this.byId = byId;
    this.watchRules = watchRules;
    this.groupRules = groupRules;
  }

  private add(metric: MetricName, key: KindKey, compiled: CompiledRule): void {
    let byKind = this.byMetric.get(metric);
    if (!byKind) this.byMetric.set(metric, (byKind = new Map()));
    const list = byKind.get(key);
    if (list) list.push(compiled);
    else byKind.set(key, [compiled]);
  }

  /** Rules this reading can meet, in pack order within each metric. */
  candidates(reading: RuleReading): readonly CompiledRule[] {
    // A device sends the same metrics reading after reading: its short list is kept per device
    // object (catalog devices live as long as the process), so the common case allocates nothing.
    const cached = this.lastByDevice.get(reading.device);
    if (cached !== undefined && sameMetrics(cached.metrics, reading.values)) return cached.rules;
    const rules = this.lookup(reading);
    this.lastByDevice.set(reading.device, { metrics: [...reading.values.keys()], rules });
    return rules;
  }

  private lookup(reading: RuleReading): CompiledRule[] {
    const site = reading.device.site;
    const found: CompiledRule[] = [];
    for (const metric of reading.values.keys()) {
      const byKind = this.byMetric.get(metric);
      if (!byKind) continue;
      for (const list of [byKind.get(site.kind), byKind.get(ANY_KIND)]) {
        for (const compiled of list ?? []) {
          // A rule indexed under two metrics of the reading (pressure and its confirming flow) runs once.
          if (matches(compiled, site, reading.values) && (compiled.context.length === 0 || !found.includes(compiled))) found.push(compiled);
        }
      }
    }
    return found;
  }
}

/** Whether a reading carries exactly these metrics. */
function sameMetrics(metrics: readonly MetricName[], values: ReadonlyMap<MetricName, number>): boolean {
  if (metrics.length !== values.size) return false;
  for (const metric of metrics) if (!values.has(metric)) return false;
  return true;
}

function compile(rule: Rule): CompiledRule {
  const kind = kindOf(rule);
  const metrics = kind.metrics(rule);
  const context = (kind.contextMetrics?.(rule) ?? []).filter((metric) => !metrics.includes(metric));
  const set = <T extends string>(ids: readonly T[] | undefined) => (ids ? new Set(ids) : undefined);
  return {
    rule,
    kind,
    metric: metrics[0],
    metrics,
    context,
    worst: kind.worst(rule),
    listen: kind.zoneSignals?.(rule),
    siteKinds: set(rule.match?.siteKinds),
    villages: set(rule.match?.villages),
    sites: set(rule.match?.sites),
  };
}

/** Whether the rule's `match` filters (site kinds, villages, sites) admit the site. */
export function watchesSite(compiled: CompiledRule, site: Site): boolean {
  if (compiled.siteKinds && !compiled.siteKinds.has(site.kind)) return false;
  if (compiled.sites && !compiled.sites.has(site.id)) return false;
  if (compiled.villages && (site.village === undefined || !compiled.villages.has(site.village))) return false;
  return true;
}

/** Site kind is settled by the index; villages, sites and the metrics the reading carries here. */
function matches(compiled: CompiledRule, site: Site, values: ReadonlyMap<MetricName, number>): boolean {
  if (compiled.sites && !compiled.sites.has(site.id)) return false;
  if (compiled.villages && (site.village === undefined || !compiled.villages.has(site.village))) return false;
  return compiled.metrics.every((metric) => values.has(metric)) || compiled.context.some((metric) => values.has(metric));
}
