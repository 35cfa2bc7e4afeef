/**
 * Local clock time in the county's time zone, for quiet hours, time-of-day routes and daily
 * digests. Pure, on the IANA time-zone database that Node.js ships (Intl). Zones with daylight
 * saving move by an hour twice a year; a quiet hour may then end an hour early or late that day,
 * which notifications can bear (Asia/Shanghai has no DST).
 */

/** A local time "HH:MM" as minutes after midnight. */
export function minutesOf(clock: string): number {
  const [hours = 0, minutes = 0] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes after local midnight at `at` in `timeZone` (seconds dropped). */
export function localMinutes(at: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/** Whether local time at `at` lies in [from, to); a window may span midnight ("22:00"-"07:00"). */
export function withinLocal(at: number, window: { from: string; to: string }, timeZone: string): boolean {
  const now = localMinutes(at, timeZone);
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  return from <= to ? now >= from && now < to : now >= from || now < to;
}

/** The next instant at or after `at` whose local time is `clock` (at a whole minute). */
export function nextLocal(at: number, clock: string, timeZone: string): number {
  const startOfMinute = at - (at % 60_000);
  const wait = (minutesOf(clock) - localMinutes(at, timeZone) + 1440) % 1440;
  const next = startOfMinute + wait * 60_000;
  return next < at ? next + 1440 * 60_000 : next;
}
