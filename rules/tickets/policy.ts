/**
 * The ticket lifecycle policy: when a returning condition reopens a ticket, when a ticket is
 * flapping, and when an unacknowledged ticket goes up a tier. One zod block (the app's
 * `lifecycle:`), and the pure decisions the store applies.
 *
 * Sources: ANSI/ISA-18.2-2016 (Management of Alarm Systems for the Process Industries) — no
 * chattering alarms, at most 10 alarms in any 10 minutes per console; "3+ activations in a
 * minute" as the test for chattering is a common rule of thumb, not a figure of the standard —
 * and the alarm practice of Kapacitor (flapping detection) and Prometheus Alertmanager (one alert
 * per fingerprint). The durations below are operational defaults, not figures of a standard.
 */
import { z } from 'zod';
import { durationSchema } from '../../network/duration.ts';
import { severities, type Severity } from '../severity.ts';
import { tierAbove, type Ticket, type Tier } from './ticket.ts';

export const lifecyclePolicySchema = z
  .strictObject({
    reopenWithin: durationSchema
      .prefault('30m')
      .describe('A condition back within this time after its ticket resolved reopens that ticket instead of opening a new one; 0 = never reopen'),
    flapping: z
      .strictObject({
        activations: z.number().int().min(2).default(3).describe('Openings (the first and each reopen) within `within` that make a ticket flapping'),
        within: durationSchema.prefault('1h').describe('The window for `activations`; also how long a flapping condition must stay clear before its ticket resolves'),
      })
      .prefault({})
      .describe(
        'A condition that comes and goes faster than this is one ticket marked flapping: it stays active (no resolve/reopen notifications) until the condition has been clear for `within`. ANSI/ISA-18.2-2016 asks for no chattering alarms (a common rule of thumb counts 3+ activations in a minute as chattering); tickets ride `for` periods, so the window here is wider.',
      ),
    escalation: z
      .partialRecord(z.enum(severities), durationSchema)
      .prefault({ warning: '30m', critical: '10m' })
      .describe('Per severity: an open ticket not acknowledged within this time goes up one tier (village → township → county). A severity left out never escalates by time (maintenance tickets by default).'),
  })
  .prefault({})
  .describe('How tickets reopen, flap and escalate');
export type LifecyclePolicy = z.infer<typeof lifecyclePolicySchema>;

/** The default policy (as parsed from an empty block). */
export const defaultLifecyclePolicy: LifecyclePolicy = lifecyclePolicySchema.parse(undefined);

/** Does a condition returning at `at` reopen this (latest) ticket of its fingerprint? */
export function reopens(latest: Ticket | undefined, at: number, policy: LifecyclePolicy): latest is Ticket {
  if (latest === undefined || latest.state !== 'resolved' || latest.resolvedAt === null) return false;
  return policy.reopenWithin > 0 && at - latest.resolvedAt <= policy.reopenWithin;
}

/**
 * Is a ticket flapping after an activation at `at`? `activations` holds the times of its earlier
 * openings (opened and reopened events), this one not included.
 */
export function flapsAt(activations: readonly number[], at: number, policy: LifecyclePolicy): boolean {
  const recent = activations.filter((t) => at - t <= policy.flapping.within).length + 1;
  return recent >= policy.flapping.activations;
}

/** A held resolve (flapping ticket, condition clear) that has stayed clear long enough. */
export function heldResolveDue(ticket: Ticket, now: number, policy: LifecyclePolicy): boolean {
  return ticket.heldResolveAt !== null && now - ticket.heldResolveAt >= policy.flapping.within;
}

/** The tier an open ticket goes up to now, or undefined when it waits where it is. */
export function overdueTier(ticket: Ticket, now: number, policy: LifecyclePolicy): Tier | undefined {
  if (ticket.state !== 'open') return undefined; // acknowledged: someone answers; suppressed: nobody is asked
  if (ticket.heldResolveAt !== null) return undefined; // flapping and clear now: waiting to resolve
  const limit = policy.escalation[ticket.severity as Severity];
  if (limit === undefined || now - ticket.tierAt < limit) return undefined;
  return tierAbove(ticket.tier);
}
