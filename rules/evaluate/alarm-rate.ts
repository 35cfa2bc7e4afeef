/**
 * Alarm rate of a replay without labels (CANARY station B), against the ISA-18.2 alarm-load
 * targets per operator console (ANSI/ISA-18.2-2016 clause 16, as rules/tickets/alarm-load.ts
 * carries them: about 6 alarms an hour acceptable, 12 the most, at most 10 in any 10 minutes,
 * under 5 standing longer than 24 h; a chattering alarm activates 3+ times in a minute). Pure.
 *
 * One replayed site is a small share of a console's load: the figures say what this site alone
 * adds, and how many sites like it one console could watch at the acceptable average.
 */
import { ISA_18_2 } from '../tickets/alarm-load.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const WEEK = 7 * 24 * HOUR;

export interface AlarmTicket {
  readonly fingerprint: string;
  readonly openedAt: number;
  readonly resolvedAt: number | null;
}

export interface AlarmRate {
  readonly alarms: number;
  readonly spanMs: number;
  readonly perWeek: number | null;
  readonly perHour: number | null;
  /** Most alarms opened in any 60 minutes, and when that hour began. */
  readonly worstHour: { readonly alarms: number; readonly from: number | null };
  /** Most alarms opened in any 10 minutes. */
  readonly worst10Minutes: number;
  /** Fingerprints that opened 3 or more times within one minute. */
  readonly chattering: number;
  /** Tickets open longer than 24 h (to their resolution, or to the end of the data). */
  readonly standing24h: number;
  /** Sites like this one a console could watch at ISA-18.2's acceptable average (6 an hour); null without alarms. */
  readonly sitesPerConsole: number | null;
}

/** Most openings within any window of `windowMs` (sliding, inclusive), and the first opening of it. */
function busiest(openings: readonly number[], windowMs: number): { alarms: number; from: number | null } {
  let best = { alarms: 0, from: null as number | null };
  let start = 0;
  openings.forEach((at, end) => {
    while ((openings[start] ?? at) < at - windowMs + 1) start++;
    const alarms = end - start + 1;
    if (alarms > best.alarms) best = { alarms, from: openings[start] ?? null };
  });
  return best;
}

/** The figures over tickets of a replay spanning `spanMs`, its data ending at `end`. Pure. */
export function alarmRate(tickets: readonly AlarmTicket[], spanMs: number, end: number): AlarmRate {
  const openings = tickets.map((t) => t.openedAt).sort((a, b) => a - b);
  const byFingerprint = new Map<string, number[]>();
  for (const t of tickets) byFingerprint.set(t.fingerprint, [...(byFingerprint.get(t.fingerprint) ?? []), t.openedAt]);
  const chattering = [...byFingerprint.values()].filter((times) => busiest(times.sort((a, b) => a - b), MINUTE).alarms >= 3).length;
  const perHour = spanMs > 0 ? tickets.length / (spanMs / HOUR) : null;
  return {
    alarms: tickets.length,
    spanMs,
    perWeek: spanMs > 0 ? tickets.length / (spanMs / WEEK) : null,
    perHour,
    worstHour: busiest(openings, HOUR),
    worst10Minutes: busiest(openings, 10 * MINUTE).alarms,
    chattering,
    standing24h: tickets.filter((t) => (t.resolvedAt ?? end) - t.openedAt > 24 * HOUR).length,
    sitesPerConsole: perHour === null || perHour === 0 ? null : ISA_18_2.perHour.acceptable / perHour,
  };
}
