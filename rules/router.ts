/**
 * Which rules can a reading meet? Rules are indexed by metric and site kind once, so a reading
 * looks up only the rules for the metrics it carries at its site's kind; village and site
 * filters are checked on that short list.
 */
import type { Site, SiteKind } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { kindOf, type Rule, type RuleKind, type Worst } from './kinds/index.ts';

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
  readonly worst: Worst;
  readonly villages: ReadonlySet<string> | undefined;
  readonly sites: ReadonlySet<string> | undefined;
}

const ANY_KIND = '*';
type KindKey = SiteKind | typeof ANY_KIND;

export class RuleIndex {
  private readonly byMetric = new Map<MetricName, Map<KindKey, CompiledRule[]>>();
  readonly byId: ReadonlyMap<string, CompiledRule>;

  constructor(rules: readonly Rule[]) {
    const byId = new Map<string, CompiledRule>();
    for (const rule of rules) {
      if (byId.has(rule.id)) throw new Error(`rule id "${rule.id}" appears twice`);
      const compiled = compile(rule);
      byId.set(rule.id, compiled);
      for (const key of rule.match?.siteKinds ?? [ANY_KIND]) this.add(compiled.metric, key, compiled);
    }
    this.byId = byId;
  }

  private add(metric: MetricName, key: KindKey, compiled: CompiledRule): void {
    let byKind = this.byMetric.get(metric);
    if (!byKind) this.byMetric.set(metric, (byKind = new Map()));
    const list = byKind.get(key);
    if (list) list.push(compiled);
    else byKind.set(key, [compiled]);
  }

  /** Rules this reading can meet, in pack order within each metric. */
  candidates(reading: RuleReading): CompiledRule[] {
    const site = reading.device.site;
    const found: CompiledRule[] = [];
    for (const metric of reading.values.keys()) {
      const byKind = this.byMetric.get(metric);
      if (!byKind) continue;
      for (const list of [byKind.get(site.kind), byKind.get(ANY_KIND)]) {
        for (const compiled of list ?? []) if (matches(compiled, site, reading.values)) found.push(compiled);
      }
    }
    return found;
  }
}

function compile(rule: Rule): CompiledRule {
  const kind = kindOf(rule);
  const metrics = kind.metrics(rule);
  const set = (ids: readonly string[] | undefined) => (ids ? new Set(ids) : undefined);
  return { rule, kind, metric: metrics[0], metrics, worst: kind.worst(rule), villages: set(rule.match?.villages), sites: set(rule.match?.sites) };
}

function matches(compiled: CompiledRule, site: Site, values: ReadonlyMap<MetricName, number>): boolean {
  if (compiled.sites && !compiled.sites.has(site.id)) return false;
  if (compiled.villages && (site.village === undefined || !compiled.villages.has(site.village))) return false;
  return compiled.metrics.every((metric) => values.has(metric));
}
