/**
 * The ticket model: one incident on one subject, identified by its fingerprint (rule id + site,
 * or + device when the rule says so). Pure: states, transitions and the bookkeeping of readings.
 *
 *   suppressed ─┬──▶ open ──▶ acknowledged ──▶ resolved ──▶ closed
 *               │     ▲ └───────────────────────▲  │
 *               └─────┼─────────────────────────┘  │
 *                     └──────── reopen ◀───────────┘   (system, within the cool-down)
 *
 * A ticket is active while open, acknowledged or suppressed (opened inside a silence); at most
 * one active ticket per fingerprint. A condition that returns within the cool-down after
 * resolve reopens the same ticket (policy.ts); later, it opens a new one. Closed is final.
 * Severity follows the rule on the same ticket, up (escalated) and down (de-escalated). The
 * tier is who must answer: village administrator → township → county dispatch, raised when an
 * open ticket waits too long for acknowledgement (policy.ts).
 */
import type { SiteKind } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import { worseValue, type Worst } from '../kinds/kind.ts';
import { severityRank, type Severity } from '../severity.ts';

export const ticketStates = ['open', 'acknowledged', 'suppressed', 'resolved', 'closed'] as const;
export type TicketState = (typeof ticketStates)[number];

export const activeStates = ['open', 'acknowledged', 'suppressed'] as const satisfies readonly TicketState[];
export type ActiveState = (typeof activeStates)[number];

export function isActive(state: TicketState): state is ActiveState {
  return (activeStates as readonly TicketState[]).includes(state);
}

/** Allowed moves; anything else is refused with a reason. resolved → open is the system's reopen. */
export const transitions: Readonly<Record<TicketState, readonly TicketState[]>> = {
  open: ['acknowledged', 'resolved'],
  acknowledged: ['resolved'],
  suppressed: ['open', 'acknowledged', 'resolved'],
  resolved: ['open', 'closed'],
  closed: [],
};

/**
 * Who must answer a ticket, lowest first: the village administrator, then the township, then the
 * county's dispatchers (the escalation of rules/tickets/README.md).
 */
export const tiers = ['village', 'township', 'county'] as const;
export type Tier = (typeof tiers)[number];

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
  /** The severity the rule gives now: up at once, down only where the rule allows it (`criticalClear`). */
  readonly severity: Severity;
  readonly state: TicketState;
  /** Event time of the opening reading, epoch ms. */
  readonly openedAt: number;
  /** Time of the last change (reading event time, or the actor's clock), epoch ms. */
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
  readonly firstValue: number;
  readonly lastValue: number;
  /** Worst value seen: highest for "above" rules, lowest for "below" rules, farthest out for ranges. */
  readonly peakValue: number;
  /** Readings recorded on the ticket, the opening one included. */
  readonly count: number;
  /** The person working it (a token name), or null. */
  readonly assignee: string | null;
  /** Who must answer now; starts at village (sites with a village) or township. */
  readonly tier: Tier;
  /** When the ticket reached its tier (or last became open), epoch ms: the escalation clock. */
  readonly tierAt: number;
  /** Times it was reopened within the cool-down. */
  readonly reopened: number;
  /** Since when the condition flaps (policy.ts), epoch ms; null = not flapping. */
  readonly flappingSince: number | null;
  /** A flapping ticket whose condition cleared at this time: resolves once it stays clear. */
  readonly heldResolveAt: number | null;
  /** The silence that suppressed it, while suppressed or as history. */
  readonly silenceId: number | null;
}

export const ticketEventTypes = [
  'opened',
  'reopened',
  'escalated',
  'deescalated',
  'acknowledged',
  'assigned',
  'commented',
  'suppressed',
  'unsuppressed',
  'tier_raised',
  'flapping',
  'resolved',
  'closed',
] as const;
export type TicketEventType = (typeof ticketEventTypes)[number];

/** One line of the audit trail. Plain readings on an open ticket are not events. */
export interface TicketEvent {
  readonly id: number;
  readonly ticketId: number;
  readonly at: number;
  readonly type: TicketEventType;
  /** "system" for the rules engine, else the person (dispatcher, village administrator). */
  readonly actor: string;
  /** The ticket's severity as the change left it (older rows: only where the event set it). */
  readonly severity: Severity | null;
  readonly value: number | null;
  readonly note: string | null;
  /** Where the change came from: the client address of an API call, null for the engine. */
  readonly origin: string | null;
  /** The ticket's state and tier as the change left them (null on rows written before the change stream). */
  readonly state: TicketState | null;
  readonly tier: Tier | null;
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

/**
 * A new ticket (without its id) from the first observation. `raisedAt` starts the escalation
 * clock: when people could first see it, on the clock the sweep runs on (wall clock live); it
 * differs from the reading's event time when readings arrive late (a logger's batch, a backfill).
 * `tier`: who answers first; by default the village's administrator, or the township for sites
 * without a village.
 */
export function openTicket(subject: TicketSubject, observation: Observation, raisedAt = observation.at, tier: Tier = subject.village === null ? 'township' : 'village'): Omit<Ticket, 'id'> {
  const { at, value, severity } = observation;
  return {
    ...subject,
    severity,
    state: 'open',
    openedAt: at,
    updatedAt: at,
    resolvedAt: null,
    firstValue: value,
    lastValue: value,
    peakValue: value,
    count: 1,
    assignee: null,
    tier,
    tierAt: raisedAt,
    reopened: 0,
    flappingSince: null,
    heldResolveAt: null,
    silenceId: null,
  };
}

export type SeverityChange = 'escalated' | 'deescalated' | undefined;

/**
 * Records one more reading on an active ticket: last, peak, count, and the severity the rule
 * gives now (kinds decide when a severity may step down). A reading on a ticket whose resolve
 * was held (flapping) means the condition is back: the hold is dropped.
 */
export function observe(ticket: Ticket, observation: Observation): { ticket: Ticket; severityChange: SeverityChange } {
  const { at, value, severity, worst } = observation;
  const rank = severityRank(severity) - severityRank(ticket.severity);
  const peakValue = worseValue(worst, ticket.peakValue, value);
  return {
    ticket: { ...ticket, severity, updatedAt: Math.max(ticket.updatedAt, at), lastValue: value, peakValue, count: ticket.count + 1, heldResolveAt: null },
    severityChange: rank > 0 ? 'escalated' : rank < 0 ? 'deescalated' : undefined,
  };
}

/** The condition came back within the cool-down: the resolved ticket is open again (`raisedAt`: see openTicket). */
export function reopen(ticket: Ticket, observation: Observation, raisedAt = observation.at): Ticket {
  const { at, value, severity, worst } = observation;
  const peakValue = worseValue(worst, ticket.peakValue, value);
  return { ...ticket, state: 'open', severity, resolvedAt: null, updatedAt: Math.max(ticket.updatedAt, at), lastValue: value, peakValue, count: ticket.count + 1, reopened: ticket.reopened + 1, tierAt: raisedAt, heldResolveAt: null };
}

/** The next tier up, or undefined at county dispatch. */
export function tierAbove(tier: Tier): Tier | undefined {
  return tiers[tiers.indexOf(tier) + 1];
}

export type TransitionResult = { ok: true; ticket: Ticket } | { ok: false; reason: string };

/** Moves a ticket to another state if the lifecycle allows it. Pure. */
export function transition(ticket: Ticket, to: TicketState, at: number): TransitionResult {
  if (!transitions[ticket.state].includes(to)) {
    return { ok: false, reason: `ticket ${ticket.id} is ${ticket.state}; it cannot become ${to}` };
  }
  const resolvedAt = to === 'resolved' ? at : to === 'open' ? null : ticket.resolvedAt;
  const heldResolveAt = to === 'resolved' ? null : ticket.heldResolveAt;
  // Leaving suppression starts the escalation clock: nobody was asked to answer before.
  const tierAt = ticket.state === 'suppressed' && to === 'open' ? at : ticket.tierAt;
  return { ok: true, ticket: { ...ticket, state: to, updatedAt: Math.max(ticket.updatedAt, at), resolvedAt, heldResolveAt, tierAt } };
}

export const acknowledge = (ticket: Ticket, at: number) => transition(ticket, 'acknowledged', at);
/** Resolves; `value` (the reading that cleared the condition) becomes the last value. */
export function resolve(ticket: Ticket, at: number, value?: number): TransitionResult {
  const result = transition(ticket, 'resolved', at);
  return result.ok && value !== undefined ? { ok: true, ticket: { ...result.ticket, lastValue: value } } : result;
}
export const close = (ticket: Ticket, at: number) => transition(ticket, 'closed', at);
