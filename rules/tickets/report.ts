/**
 * How a ticket change is reported by the process: one InfluxDB `ticket` point (Grafana
 * annotations) and one log line. Pure: the rules service feeds the change stream through these.
 */
import type { TicketPoint } from '../../network/line-protocol.ts';
import type { TicketChange } from './changes.ts';
import { SYSTEM_ACTOR, type TicketEventType } from './ticket.ts';

/** The annotation point of a change: the ticket's subject, and its state as the change left it. */
export function ticketPoint({ event, ticket }: TicketChange): TicketPoint {
  return {
    ticketId: ticket.id,
    ruleId: ticket.ruleId,
    site: ticket.site,
    village: ticket.village,
    severity: event.severity ?? ticket.severity,
    state: event.state ?? ticket.state,
    tier: event.tier ?? ticket.tier,
    change: event.type,
    value: event.value,
    at: event.at,
  };
}

/** Changes that ask someone to look: logged as warnings; the rest as information. */
const attention: ReadonlySet<TicketEventType> = new Set(['opened', 'reopened', 'escalated', 'tier_raised', 'unsuppressed', 'flapping']);

export interface ChangeLogLine {
  readonly level: 'info' | 'warn';
  readonly fields: Record<string, string | number | null>;
  readonly message: string;
}

/** `ticket opened: 龙头水浑浊度超标 / Tap turbidity high at tongmen-tap`, with who did it when a person did. */
export function changeLogLine({ event, ticket }: TicketChange): ChangeLogLine {
  const what = event.type === 'tier_raised' ? `referred to ${event.tier ?? ticket.tier}` : event.type;
  const who = event.actor === SYSTEM_ACTOR ? '' : ` by ${event.actor}`;
  return {
    level: attention.has(event.type) ? 'warn' : 'info',
    fields: { ticket: ticket.id, event: event.id, rule: ticket.ruleId, site: ticket.site, village: ticket.village, severity: event.severity ?? ticket.severity, value: event.value },
    message: `ticket ${what}${who}: ${ticket.titleZh} / ${ticket.title} at ${ticket.site}`,
  };
}
