/**
 * Silences (maintenance windows): a time-bound matcher on rule, site, village and/or device,
 * with who set it and why. A ticket that opens or reopens while a silence matches it is kept,
 * in state `suppressed`: nobody is notified and it does not escalate; when the silence ends or is
 * expired by hand, its still-active tickets become open (and notify). As Alertmanager's silences,
 * they never stop evaluation or recording. Pure: the model and the matching.
 */
import { z } from 'zod';
import { ID_PATTERN } from '../../network/topic.ts';
import type { TicketSubject } from './ticket.ts';

const id = z.string().regex(ID_PATTERN, 'ids are lower-case letters, digits and dashes');

/** What a silence matches: every given field must equal the ticket's; at least one is given. */
export const silenceMatcherFields = {
  ruleId: id.optional().describe('Only tickets of this rule'),
  site: id.optional().describe('Only tickets of this site'),
  village: id.optional().describe('Only tickets of sites serving this village'),
  device: id.optional().describe('Only tickets whose device is this one'),
};
export const silenceMatcherSchema = z
  .strictObject(silenceMatcherFields)
  .refine((m) => Object.values(m).some((v) => v !== undefined), { message: 'name at least one of ruleId, site, village, device' });
export type SilenceMatcher = z.infer<typeof silenceMatcherSchema>;

export interface Silence extends Required<{ [K in keyof SilenceMatcher]: string | null }> {
  readonly id: number;
  /** Epoch ms; the window is [startsAt, endsAt). */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly reason: string;
  /** Set when someone ended it early. */
  readonly expiredAt: number | null;
  readonly expiredBy: string | null;
  /** Where it was created from (client address). */
  readonly origin: string | null;
}

/** Whether the silence is in force at `at`. */
export function silenceActive(silence: Silence, at: number): boolean {
  const end = silence.expiredAt === null ? silence.endsAt : Math.min(silence.endsAt, silence.expiredAt);
  return silence.startsAt <= at && at < end;
}

/** Whether the silence covers a ticket subject (time aside). */
export function silenceMatches(silence: Silence, subject: Pick<TicketSubject, 'ruleId' | 'site' | 'village' | 'device'>): boolean {
  return (
    (silence.ruleId === null || silence.ruleId === subject.ruleId) &&
    (silence.site === null || silence.site === subject.site) &&
    (silence.village === null || silence.village === subject.village) &&
    (silence.device === null || silence.device === subject.device)
  );
}
