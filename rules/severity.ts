/**
 * Ticket severities, least to most severe, in the spirit of the three-priority distribution that
 * ANSI/ISA-18.2-2016 gives as a target for annunciated alarms (about 80 % low, 15 % medium, 5 %
 * high):
 *   maintenance  low: a sensor to clean or calibrate (flatline, bubble spikes); no process alarm
 *   warning      medium: a limit of the standard crossed
 *   critical     high: a level the public notices (visible turbidity, a confirmed burst)
 */
export const severities = ['maintenance', 'warning', 'critical'] as const;
export type Severity = (typeof severities)[number];

/** Higher is more severe. */
export function severityRank(severity: Severity): number {
  return severities.indexOf(severity);
}

/** The more severe of two severities. */
export function worseSeverity(a: Severity, b: Severity): Severity {
  return severityRank(b) > severityRank(a) ? b : a;
}
