/**
 * The limits the wall draws and counts, read from the rule packs the engine loads, so a level
 * changed in a pack changes the wall at the next build. Pure.
 *
 * A rule gives a limit of a metric at a kind of site when it is a level rule (a numeric
 * `warning`/`critical` with `direction: above | below`: threshold, compound; or a `warning`
 * band `{min, max}`: range) whose `match` names that site kind or none, and restricts neither
 * villages nor sites (a limit for some works only, as the small-supply pack's, is not the wall's
 * limit for every site of the kind). Rate-of-change, stale, flatline and anomaly rules have no
 * level to draw.
 *
 * The packs are passed in, not imported: `dashboards/` depends on `network/` only. `LimitRule`
 * is the part of a rule this module reads; the rules of `rules/pack.ts` are assignable to it.
 */
import type { SiteKind } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';

export interface LimitRule {
  readonly id: string;
  /** The rule kind (threshold, range, stale, rate-of-change, …): the wall picks silent-device and burst rules by it. */
  readonly kind: string;
  readonly title: string;
  readonly titleZh: string;
  readonly source: string;
  readonly metric?: MetricName;
  readonly match?: { readonly siteKinds?: readonly SiteKind[] | undefined; readonly villages?: readonly string[] | undefined; readonly sites?: readonly string[] | undefined } | undefined;
  readonly direction?: string;
  readonly warning?: number | { readonly min: number; readonly max: number } | undefined;
  readonly critical?: number | { readonly min?: number | undefined; readonly max?: number | undefined } | undefined;
  /** stale: how many reporting intervals of silence open the ticket. */
  readonly intervals?: number;
}

export type LimitSeverity = 'warning' | 'critical';

/** One level: past it (`side` says which way is bad) the rule raises a ticket of `severity`. */
export interface Limit {
  readonly metric: MetricName;
  readonly level: number;
  /** above: values over the level are bad; below: values under it are. */
  readonly side: 'above' | 'below';
  readonly severity: LimitSeverity;
  readonly ruleId: string;
  readonly source: string;
}

function appliesTo(rule: LimitRule, siteKind: SiteKind): boolean {
  const match = rule.match;
  if (match?.villages !== undefined || match?.sites !== undefined) return false;
  return match?.siteKinds === undefined || match.siteKinds.includes(siteKind);
}

function levelsOf(rule: LimitRule, metric: MetricName): Limit[] {
  const base = { metric, ruleId: rule.id, source: rule.source };
  const { warning, critical, direction } = rule;
  if (typeof warning === 'object') {
    const bad = typeof critical === 'object' ? critical : undefined;
    const limits: Limit[] = [
      { ...base, level: warning.min, side: 'below', severity: 'warning' },
      { ...base, level: warning.max, side: 'above', severity: 'warning' },
    ];
    if (bad?.min !== undefined) limits.push({ ...base, level: bad.min, side: 'below', severity: 'critical' });
    if (bad?.max !== undefined) limits.push({ ...base, level: bad.max, side: 'above', severity: 'critical' });
    return limits;
  }
  if (direction !== 'above' && direction !== 'below') return [];
  const limits: Limit[] = [];
  if (typeof warning === 'number') limits.push({ ...base, level: warning, side: direction, severity: 'warning' });
  if (typeof critical === 'number') limits.push({ ...base, level: critical, side: direction, severity: 'critical' });
  return limits;
}

/** The limits of `metric` at sites of `siteKind`, one per side, severity and level. */
export function limitsFor(rules: readonly LimitRule[], metric: MetricName, siteKind: SiteKind): Limit[] {
  const seen = new Set<string>();
  const limits: Limit[] = [];
  for (const rule of rules) {
    if (rule.metric !== metric || !appliesTo(rule, siteKind)) continue;
    for (const limit of levelsOf(rule, metric)) {
      const key = `${limit.side}:${limit.severity}:${limit.level}`;
      if (seen.has(key)) continue;
      seen.add(key);
      limits.push(limit);
    }
  }
  return limits.sort((a, b) => a.level - b.level);
}

/**
 * The band a reading must keep not to cross any warning level: `min` the strictest level under
 * which readings are bad, `max` the strictest one over which they are. A reading exactly at a
 * level is compliant (the rules fire strictly past it). Undefined when no rule gives one.
 */
export interface ComplianceBand {
  readonly metric: MetricName;
  readonly min?: number;
  readonly max?: number;
  /** The rules behind the band, with their citations. */
  readonly limits: readonly Limit[];
}

export function complianceBand(rules: readonly LimitRule[], metric: MetricName, siteKind: SiteKind): ComplianceBand | undefined {
  const warnings = limitsFor(rules, metric, siteKind).filter((l) => l.severity === 'warning');
  const below = warnings.filter((l) => l.side === 'below');
  const above = warnings.filter((l) => l.side === 'above');
  if (below.length === 0 && above.length === 0) return undefined;
  return {
    metric,
    ...(below.length > 0 ? { min: Math.max(...below.map((l) => l.level)) } : {}),
    ...(above.length > 0 ? { max: Math.min(...above.map((l) => l.level)) } : {}),
    limits: warnings,
  };
}

/** The rules that tell a device went silent (kind `stale`). */
export function silentDeviceRules(rules: readonly LimitRule[]): LimitRule[] {
  return rules.filter((rule) => rule.kind === 'stale');
}

/** The rules that flag a pressure step drop, a burst suspect (kind `rate-of-change`, pressure, drop). */
export function burstRules(rules: readonly LimitRule[]): LimitRule[] {
  return rules.filter((rule) => rule.kind === 'rate-of-change' && rule.metric === 'pressure' && rule.direction === 'drop');
}
