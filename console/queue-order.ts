/**
 * The queue's order and filters, pure: what needs someone first. Unacknowledged before
 * acknowledged (ISA-18.2's unacknowledged alarms first), then by severity, then the oldest first:
 * severity × age, the longest-waiting critical ticket at the top.
 */
import type { Severity, Ticket } from './types.ts';

const rank: Record<Severity, number> = { critical: 0, warning: 1, maintenance: 2 };
const stateRank: Record<string, number> = { open: 0, suppressed: 1, acknowledged: 2, resolved: 3, closed: 4 };

export function queueOrder(a: Ticket, b: Ticket): number {
  return (stateRank[a.state] ?? 9) - (stateRank[b.state] ?? 9) || rank[a.severity] - rank[b.severity] || a.openedAt - b.openedAt || a.id - b.id;
}

export interface QueueFilter {
  readonly village?: string;
  readonly township?: string;
  readonly severity?: Severity;
  readonly state?: string;
  readonly rule?: string;
  readonly siteKind?: string;
  /** Free text, matched against the site, village and rule names and ids. */
  readonly text?: string;
}

export function matches(ticket: Ticket, filter: QueueFilter, names: (ticket: Ticket) => string): boolean {
  if (filter.village && ticket.village !== filter.village) return false;
  if (filter.township && ticket.township !== filter.township) return false;
  if (filter.severity && ticket.severity !== filter.severity) return false;
  if (filter.state && ticket.state !== filter.state) return false;
  if (filter.rule && ticket.ruleId !== filter.rule) return false;
  if (filter.siteKind && ticket.siteKind !== filter.siteKind) return false;
  const text = filter.text?.trim().toLowerCase();
  if (text && !`${ticket.id} ${ticket.site} ${ticket.village ?? ''} ${ticket.ruleId} ${ticket.title} ${ticket.titleZh} ${names(ticket)}`.toLowerCase().includes(text)) return false;
  return true;
}

/** The worst active severity at each site (the map's colours). */
export function worstBySite(tickets: readonly Ticket[]): Map<string, Severity> {
  const worst = new Map<string, Severity>();
  for (const ticket of tickets) {
    if (ticket.state === 'resolved' || ticket.state === 'closed') continue;
    const current = worst.get(ticket.site);
    if (current === undefined || rank[ticket.severity] < rank[current]) worst.set(ticket.site, ticket.severity);
  }
  return worst;
}
