/**
 * Alarm load as ISA-18.2 measures it per operator console (alarm performance metrics of
 * ANSI/ISA-18.2-2016, clause 16, monitoring and assessment): about 6 alarms an hour acceptable and
 * 12 the most, at most 10 in any 10 minutes, under 5 standing (stale) longer than 24 hours. Pure: counts over tickets, compared with those targets by
 * whoever reads them (the monitoring wall, /metrics).
 */
import type { Ticket } from './ticket.ts';
import { isActive } from './ticket.ts';

export const ISA_18_2 = {
  /** Alarms per hour: acceptable / most. */
  perHour: { acceptable: 6, most: 12 },
  /** Alarms in any 10 minutes, most. */
  per10Minutes: 10,
  /** Alarms standing longer than 24 h, fewer than. */
  standing24h: 5,
} as const;

export interface AlarmLoad {
  /** Tickets opened in the last 10 minutes. */
  readonly opened10m: number;
  /** Tickets opened in the last hour. */
  readonly opened1h: number;
  /** Active tickets opened more than 24 hours ago. */
  readonly standing24h: number;
}

const MINUTE = 60_000;

/** Counts over `tickets` at `now` (epoch ms). Maintenance tickets count too: they reach a console. */
export function alarmLoad(tickets: readonly Pick<Ticket, 'openedAt' | 'state'>[], now: number): AlarmLoad {
  let opened10m = 0;
  let opened1h = 0;
  let standing24h = 0;
  for (const ticket of tickets) {
    const age = now - ticket.openedAt;
    if (age >= 0 && age <= 10 * MINUTE) opened10m++;
    if (age >= 0 && age <= 60 * MINUTE) opened1h++;
    if (isActive(ticket.state) && age > 24 * 60 * MINUTE) standing24h++;
  }
  return { opened10m, opened1h, standing24h };
}
