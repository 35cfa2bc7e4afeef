/**
 * What the ticket timers do to one active ticket at `now` (store.sweep): a suppressed ticket
 * whose silence ended opens; a flapping ticket clear for the flapping window resolves; an open
 * ticket nobody acknowledged goes up a tier. Pure: the store reads, calls this, and writes.
 */
import type { Severity } from '../severity.ts';
import { heldResolveDue, overdueTier, type LifecyclePolicy } from './policy.ts';
import { silenceMatches, type Silence } from './silence.ts';
import { resolve, SYSTEM_ACTOR, transition, type Ticket, type TicketEventType } from './ticket.ts';

/** What a sweep changed: timed escalation, silences that ended, flapping tickets that settled. */
export interface SweepChange {
  readonly ticket: Ticket;
  readonly change: 'tier_raised' | 'unsuppressed' | 'resolved';
}

/** The audit event a sweep change records (actor: the system). */
export interface SweepEvent {
  readonly type: TicketEventType;
  readonly at: number;
  readonly actor: string;
  readonly severity?: Severity;
  readonly value?: number;
  readonly note: string;
}


export function sweepDecision(ticket: Ticket, now: number, silences: readonly Silence[], policy: LifecyclePolicy): (SweepChange & { event: SweepEvent }) | undefined {
  if (ticket.state === 'suppressed') {
    if (silences.some((silence) => silenceMatches(silence, ticket))) return undefined;
    const result = transition(ticket, 'open', now);
    return result.ok ? { ticket: result.ticket, change: 'unsuppressed', event: { type: 'unsuppressed', at: now, actor: SYSTEM_ACTOR, note: `silence ${ticket.silenceId ?? '?'} ended` } } : undefined;
  }
  if (heldResolveDue(ticket, now, policy)) {
    const result = resolve({ ...ticket, flappingSince: null }, now, ticket.lastValue);
    const note = `flapping stopped: clear since ${new Date(ticket.heldResolveAt ?? now).toISOString()}`;
    return result.ok ? { ticket: result.ticket, change: 'resolved', event: { type: 'resolved', at: now, actor: SYSTEM_ACTOR, value: ticket.lastValue, note } } : undefined;
  }
  const tier = overdueTier(ticket, now, policy);
  if (tier === undefined) return undefined;
  const note = `not acknowledged within ${Math.round((now - ticket.tierAt) / 60_000)} min; referred from ${ticket.tier} to ${tier}`;
  return { ticket: { ...ticket, tier, tierAt: now, updatedAt: Math.max(ticket.updatedAt, now) }, change: 'tier_raised', event: { type: 'tier_raised', at: now, actor: SYSTEM_ACTOR, severity: ticket.severity, note } };
}
