/**
 * The ticket model: one incident on one subject, identified by its fingerprint (rule id + site,
 * or + device when the rule says so). Pure: states, transitions and the bookkeeping of readings.
 *
 *   open ──▶ acknowledged ──▶ resolved ──▶ closed
 *     └────────────────────────▲
 * A ticket is active while open or acknowledged; at most one active ticket per fingerprint.
 * After resolve, a new crossing opens a new ticket (history stays readable).
 */
import type { SiteKind } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import type { Worst } from '../kinds/kind.ts';
import { severityRank, type Severity } from '../severity.ts';

export const ticketStates = ['open', 'acknowledged', 'resolved', 'closed'] as const;
export type TicketState = (typeof ticketStates)[number];

export const activeStates = ['open', 'acknowledged'] as const satisfies readonly TicketState[];
export type ActiveState = (typeof activeStates)[number];

export function isActive(state: TicketState): state is ActiveState {
  return state === 'open' || state === 'acknowledged';
}

/** Allowed moves; anything else is refused with a reason. */
export const transitions: Readonly<Record<TicketState, readonly TicketState[]>> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  resolved: ['closed'],
  closed: [],
};

/** What a ticket is about; fixed when it opens. */
export interface TicketSubject {
  readonly fingerprint: string;
  readonly ruleId: string;
  readonly title: string;
  readonly titleZh: string;
  readonly source: string;
  readonly metric: MetricName;
  readonly site: string;
  readonly siteKind: SiteKind;
  /** The device whose reading opened the ticket. */
  readonly device: string;
  readonly village: string | null;
  readonly township: string;
  readonly zone: string;
}

export interface Ticket extends TicketSubject {
  readonly id: number;
  /** Most severe level reached; never steps down while active. */
  readonly severity: Severity;
  readonly state: TicketState;
  /** Event time of the opening reading, epoch ms. */
  readonly openedAt: number;
  /** Time of the last change (reading event time, or the actor's clock), epoch ms. */
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
  readonly firstValue: number;
  readonly lastValue: number;
  /** Worst value seen: highest for "above" rules, lowest for "below" rules. */
  readonly peakValue: number;
  /** Readings recorded on the ticket, the opening one included. */
  readonly count: number;
}

export const ticketEventTypes = ['opened', 'escalated', 'acknowledged', 'resolved', 'closed'] as const;
export type TicketEventType = (typeof ticketEventTypes)[number];

/** One line of the audit trail. Plain readings on an open ticket are not events. */
export interface TicketEvent {
  readonly id: number;
  readonly ticketId: number;
  readonly at: number;
  readonly type: TicketEventType;
  /** "system" for the rules engine, else the person (dispatcher, village administrator). */
  readonly actor: string;
  readonly severity: Severity | null;
  readonly value: number | null;
  readonly note: string | null;
}

/** A rule firing on a reading. */
export interface Observation {
  /** Event time of the reading, epoch ms. */
  readonly at: number;
  readonly value: number;
  readonly severity: Severity;
  readonly worst: Worst;
}

export const SYSTEM_ACTOR = 'system';

/** Fingerprint = rule id + site (+ device). Ids never contain "/", so it cannot collide. */
export function fingerprintOf(ruleId: string, site: string, device?: string): string {
  return device === undefined ? `${ruleId}/${site}` : `${ruleId}/${site}/${device}`;
}

/** A new ticket (without its id) from the first observation. */
export function openTicket(subject: TicketSubject, observation: Observation): Omit<Ticket, 'id'> {
  const { at, value, severity } = observation;
  return { ...subject, severity, state: 'open', openedAt: at, updatedAt: at, resolvedAt: null, firstValue: value, lastValue: value, peakValue: value, count: 1 };
}

/** Records one more reading on an active ticket: last, peak, count, severity (only upward). */
export function observe(ticket: Ticket, observation: Observation): { ticket: Ticket; escalated: boolean } {
  const { at, value, severity, worst } = observation;
  const escalated = severityRank(severity) > severityRank(ticket.severity);
  const peakValue = worst === 'highest' ? Math.max(ticket.peakValue, value) : Math.min(ticket.peakValue, value);
  return {
    ticket: { ...ticket, severity: escalated ? severity : ticket.severity, updatedAt: Math.max(ticket.updatedAt, at), lastValue: value, peakValue, count: ticket.count + 1 },
    escalated,
  };
}

export type TransitionResult = { ok: true; ticket: Ticket } | { ok: false; reason: string };

/** Moves a ticket to another state if the lifecycle allows it. Pure. */
export function transition(ticket: Ticket, to: TicketState, at: number): TransitionResult {
  if (!transitions[ticket.state].includes(to)) {
    return { ok: false, reason: `ticket ${ticket.id} is ${ticket.state}; it cannot become ${to}` };
  }
  const resolvedAt = to === 'resolved' ? at : ticket.resolvedAt;
  return { ok: true, ticket: { ...ticket, state: to, updatedAt: Math.max(ticket.updatedAt, at), resolvedAt } };
}

export const acknowledge = (ticket: Ticket, at: number) => transition(ticket, 'acknowledged', at);
/** Resolves; `value` (the reading that cleared the condition) becomes the last value. */
export function resolve(ticket: Ticket, at: number, value?: number): TransitionResult {
  const result = transition(ticket, 'resolved', at);
  return result.ok && value !== undefined ? { ok: true, ticket: { ...result.ticket, lastValue: value } } : result;
}
export const close = (ticket: Ticket, at: number) => transition(ticket, 'closed', at);
