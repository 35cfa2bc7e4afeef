/**
 * The outbox rows a ticket change asks for: one per (change, recipient, channel), the key that
 * de-duplicates every delivery. Pure: the ticket store calls it inside the transaction that
 * records the change (a transactional outbox), with who was told about the ticket before.
 */
import type { RecipientEntry } from '../../network/catalog.ts';
import type { TicketChange } from '../tickets/changes.ts';
import type { ChannelKind, NoticeKind } from './channel.ts';
import { audienceOf, routeOf, sendAfter, type NotifyPolicy } from './policy.ts';

export interface OutboxDraft {
  readonly eventId: number;
  readonly ticketId: number;
  readonly recipient: string;
  readonly channel: ChannelKind;
  readonly kind: NoticeKind;
  /** Not to be sent before this (quiet hours, the daily digest), epoch ms. */
  readonly notBefore: number;
  /** Gathered with the recipient's other digest notices of the channel into one message. */
  readonly digest: boolean;
}

export interface PlanContext {
  readonly recipients: readonly RecipientEntry[];
  readonly policy: NotifyPolicy;
  readonly timeZone: string;
  /** Whether `channel` is configured and can reach the person (a robot, a phone, an address). */
  reaches(recipient: RecipientEntry, channel: ChannelKind): boolean;
}

/** `told`: recipients already told about this ticket; `now`: the wall clock (quiet hours are people's time, not the reading's). */
export function planNotices(change: TicketChange, told: ReadonlySet<string>, context: PlanContext, now: number): OutboxDraft[] {
  const audience = audienceOf(change, context.recipients, told);
  if (audience === undefined) return [];
  const { ticket, event } = change;
  const severity = event.severity ?? ticket.severity;
  const route = routeOf({ severity, ruleId: ticket.ruleId, siteKind: ticket.siteKind }, now, context.policy, context.timeZone);
  const digest = route.digest;
  return audience.people.flatMap((person) =>
    channelsFor(person, route.channels, context).map((channel) => ({
      eventId: event.id,
      ticketId: ticket.id,
      recipient: person.id,
      channel,
      kind: audience.kind,
      notBefore: sendAfter(now, person, severity, digest, context.policy, context.timeZone),
      digest,
    })),
  );
}

/** The route's channels that reach the person; else the first `reachOut` channel that does; else the log. */
function channelsFor(person: RecipientEntry, wanted: readonly ChannelKind[], context: PlanContext): ChannelKind[] {
  const reaching = wanted.filter((channel) => context.reaches(person, channel));
  if (reaching.length > 0) return reaching;
  const other = context.policy.reachOut.find((channel) => context.reaches(person, channel));
  return [other ?? 'log'];
}
