/**
 * Ticket severities, least to most severe. Two tiers keep the alarm priorities close to the
 * ISA-18.2 guidance quoted in shared/DOMAIN.md (most alarms low, few high).
 */
export const severities = ['warning', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Higher is more severe. */
export function severityRank(severity: Severity): number {
  return severities.indexOf(severity);
}

/** The more severe of two severities. */
export function worseSeverity(a: Severity, b: Severity): Severity {
  return severityRank(b) > severityRank(a) ? b : a;
}
