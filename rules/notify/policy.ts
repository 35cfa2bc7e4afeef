/**
 * Who is told about a ticket change, how, and when: the `notify.policy` block of the config and
 * its pure decisions. The ticket lifecycle's tiers decide who (village → township → county, as
 * the tier rises unacknowledged); routes decide the channels by severity, rule, site kind and time
 * of day (the first route that matches wins, as in Alertmanager's routing tree, unless it says
 * `continue`); quiet hours and daily digests decide when.
 *
 * What notifies:
 * - a ticket that asks for someone (opened, or out of a silence) → its tier; reopened → its tier and
 *   everyone told about it before;
 * - a tier raised because nobody acknowledged → the new tier;
 * - a worse severity → its tier and everyone told before (acknowledging never silences a later
 *   worsening);
 * - resolved → everyone told before.
 * Nothing else does: acknowledgements, comments and assignments are the console's.
 */
import { z } from 'zod';
import { durationSchema } from '../../network/duration.ts';
import { siteKinds, type RecipientEntry } from '../../network/catalog.ts';
import { severities, type Severity } from '../severity.ts';
import type { TicketChange } from '../tickets/changes.ts';
import type { Tier } from '../tickets/ticket.ts';
import { channelKinds, type ChannelKind, type NoticeKind } from './channel.ts';
import { nextLocal, withinLocal } from './local-time.ts';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time such as "08:00"');

export const routeSchema = z.strictObject({
  match: z
    .strictObject({
      severities: z.array(z.enum(severities)).optional().describe('Only tickets of these severities'),
      rules: z.array(z.string().min(1)).optional().describe('Only tickets of these rule ids'),
      siteKinds: z.array(z.enum(siteKinds)).optional().describe('Only tickets at these kinds of site'),
      hours: z
        .strictObject({ from: clockTime.describe('From this local time on'), to: clockTime.describe('Until this local time (not included)') })
        .optional()
        .describe('Only at these local hours (county time zone; may span midnight)'),
    })
    .default({})
    .describe('What the route applies to; every field given must match; empty: everything'),
  channels: z.array(z.enum(channelKinds)).min(1).describe('Channels to use, each where the recipient can be reached on it'),
  digest: z.enum(['none', 'daily']).default('none').describe('daily: gather these notices into one message a day per recipient and channel, at `digestAt`'),
  continue: z.boolean().default(false).describe('Go on to the next routes after this one matched (their channels are added)'),
});
export type Route = z.infer<typeof routeSchema>;

export const notifyPolicySchema = z
  .strictObject({
    routes: z
      .array(routeSchema)
      .default([
        { match: { severities: ['maintenance'] }, channels: ['dingtalk', 'email'], digest: 'daily', continue: false },
        { match: { severities: ['critical'] }, channels: ['dingtalk', 'sms'], digest: 'none', continue: false },
        { match: {}, channels: ['dingtalk'], digest: 'none', continue: false },
      ])
      .describe('Channels by severity, rule, site kind and time of day; first match wins. Default: maintenance as a daily digest by DingTalk and e-mail, critical by DingTalk and SMS, the rest by DingTalk'),
    digestAt: clockTime.default('08:00').describe('Local time of the daily digest'),
    reachOut: z
      .array(z.enum(channelKinds))
      .default(['dingtalk', 'sms', 'email'])
      .describe('When none of a route\'s channels reaches a recipient, the first of these that does is used (then the log)'),
    fallback: z
      .strictObject({
        from: z.enum(channelKinds).default('dingtalk').describe('The channel whose notices fall back'),
        to: z.enum(channelKinds).default('sms').describe('The channel they go by instead'),
        after: durationSchema.prefault('15m').describe('A notice `from` still not delivered this long (throttled, failing) goes by `to` as well'),
      })
      .prefault({})
      .describe('When DingTalk fails for good or stays throttled past `after`, the same message goes by SMS'),
    retry: z
      .strictObject({
        minMs: z.number().int().positive().default(5_000).describe('First retry delay of a failed send, ms; doubles per failure'),
        maxMs: z.number().int().positive().default(600_000).describe('Longest retry delay, ms'),
        jitter: z.number().min(0).max(1).default(0.3).describe('Share of a delay drawn at random'),
      })
      .prefault({})
      .describe('Retries of transient failures (Retry-After honoured)'),
    giveUpAfter: durationSchema.prefault('24h').describe('A notice still failing this long after it was due is kept as failed, with its reason (re-sendable)'),
  })
  .prefault({})
  .describe('Who is told, how and when');
export type NotifyPolicy = z.infer<typeof notifyPolicySchema>;

/** The people of each tier for a ticket, from the catalog's recipients. */
export function tierAudience(tier: Tier, ticket: { village: string | null; township: string }, recipients: readonly RecipientEntry[]): RecipientEntry[] {
  switch (tier) {
    case 'village':
      return ticket.village === null ? [] : recipients.filter((r) => r.role === 'village_admin' && r.villages.includes(ticket.village!));
    case 'township':
      return recipients.filter((r) => r.role === 'township_official' && r.townships.includes(ticket.township));
    case 'county':
      return recipients.filter((r) => r.role === 'county_dispatch');
  }
}

const tierOrder: readonly Tier[] = ['village', 'township', 'county'];

/** The tier's people, or the next tier up that has someone (a village without an administrator goes to its township). */
export function answering(tier: Tier, ticket: { village: string | null; township: string }, recipients: readonly RecipientEntry[]): RecipientEntry[] {
  for (const candidate of tierOrder.slice(tierOrder.indexOf(tier))) {
    const people = tierAudience(candidate, ticket, recipients);
    if (people.length > 0) return people;
  }
  return [];
}

/** What a change tells, and to whom; undefined when it tells nobody. `told`: recipients told about the ticket before. */
export function audienceOf(change: TicketChange, recipients: readonly RecipientEntry[], told: ReadonlySet<string>): { kind: NoticeKind; people: RecipientEntry[] } | undefined {
  const { event, ticket } = change;
  const state = event.state ?? ticket.state;
  const tier = event.tier ?? ticket.tier;
  const byId = (ids: ReadonlySet<string>) => recipients.filter((r) => ids.has(r.id));
  switch (event.type) {
    case 'opened':
    case 'unsuppressed':
      return state === 'open' ? { kind: 'opened', people: answering(tier, ticket, recipients) } : undefined;
    case 'reopened': {
      // Back again: its tier, and everyone told about it before (who may think it over).
      if (state !== 'open') return undefined;
      const people = new Map([...answering(tier, ticket, recipients), ...byId(told)].map((r) => [r.id, r]));
      return { kind: 'opened', people: [...people.values()] };
    }
    case 'tier_raised':
      return { kind: 'escalated', people: tierAudience(tier, ticket, recipients) };
    case 'escalated': {
      if (state === 'suppressed') return undefined;
      const people = new Map([...answering(tier, ticket, recipients), ...byId(told)].map((r) => [r.id, r]));
      return { kind: 'worse', people: [...people.values()] };
    }
    case 'resolved':
      return told.size === 0 ? undefined : { kind: 'resolved', people: byId(told) };
    default:
      return undefined;
  }
}

/** The channels (and digest mode) the routes give a ticket at `at`. */
export function routeOf(ticket: { severity: Severity; ruleId: string; siteKind: string }, at: number, policy: NotifyPolicy, timeZone: string): { channels: ChannelKind[]; digest: boolean } {
  const channels = new Set<ChannelKind>();
  let digest = false;
  for (const route of policy.routes) {
    const { severities: sev, rules, siteKinds: kinds, hours } = route.match;
    if (sev && !sev.includes(ticket.severity)) continue;
    if (rules && !rules.includes(ticket.ruleId)) continue;
    if (kinds && !(kinds as readonly string[]).includes(ticket.siteKind)) continue;
    if (hours && !withinLocal(at, hours, timeZone)) continue;
    for (const channel of route.channels) channels.add(channel);
    digest ||= route.digest === 'daily';
    if (!route.continue) break;
  }
  return { channels: [...channels], digest };
}

/**
 * When a notice may go out: a digest at the next `digestAt`; a non-critical notice to someone in
 * their quiet hours when those end; everything else at once.
 */
export function sendAfter(at: number, recipient: RecipientEntry, severity: Severity, digest: boolean, policy: NotifyPolicy, timeZone: string): number {
  if (digest) return nextLocal(at, policy.digestAt, timeZone);
  const quiet = recipient.quietHours;
  if (quiet && severity !== 'critical' && withinLocal(at, quiet, timeZone)) return nextLocal(at, quiet.to, timeZone);
  return at;
}
