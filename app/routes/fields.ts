/**
 * The numbers and instants people type into the API: ids and limits in URLs, instants in query
 * strings and silence bodies. Strict on purpose: `z.coerce.number()` reads `0x1`, `1e0`, ` 1` and
 * `+1` as 1, and `Date.parse` rolls 2026-11-31 over to 1 December; here each of them is a 400
 * with a reason. `parseInstant` is the pure decision; the schemas are thin wrappers.
 */
import { z } from 'zod';

/** Plain decimal digits, as a URL or query string carries a count or an id; at most 15, so every value is a safe integer. */
const DIGITS = /^[0-9]{1,15}$/;

/** Digits only, read as a number: `0x1`, `1e0`, ` 1`, `+1`, `1.0` are refused. */
export const digitsSchema = z
  .string()
  .regex(DIGITS, 'digits 0-9 only (no sign, spaces, exponent or hex)')
  .transform(Number);

/** A ticket or silence id in a URL: digits, at least 1. */
export const idSchema = digitsSchema.pipe(z.number().min(1, 'ids start at 1'));

/** Latest instant a JavaScript Date holds, epoch ms (ECMA-262 §21.4.1.1, "Time Values and Time Range"). */
export const MAX_INSTANT_MS = 8.64e15;

/**
 * RFC 3339 §5.6 date-time as the API has always taken it: seconds required, optional fraction,
 * `Z` or a ±hh:mm offset. The fields are read here and checked by `parseInstant`.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/;

const monthNames = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

/** Days in a month of the Gregorian calendar (RFC 3339 §5.7, leap years as in Appendix C). */
function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

export type InstantParse = { ok: true; epochMs: number } | { ok: false; reason: string };

/** Epoch ms (a JSON number or a string of digits) or an RFC 3339 date-time, to epoch ms. Pure. */
export function parseInstant(value: number | string): InstantParse {
  if (typeof value === 'number' || /^[0-9]+$/.test(value)) return epochMs(Number(value));
  const match = DATE_TIME.exec(value);
  if (!match) return { ok: false, reason: `"${value.slice(0, 40)}" is neither epoch ms (digits) nor an RFC 3339 date-time such as 2026-11-28T10:00:00+08:00` };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = match[7] ? Math.trunc(Number(match[7]) * 1000) : 0;
  const [sign, offsetHours, offsetMinutes] = [match[8], Number(match[9] ?? 0), Number(match[10] ?? 0)];
  if (year < 1970) return { ok: false, reason: `${value}: instants before 1970 are not taken` };
  if (month < 1 || month > 12) return { ok: false, reason: `${value}: month ${match[2]} does not exist` };
  const monthName = monthNames[month - 1]!;
  if (day < 1 || day > daysIn(year, month)) return { ok: false, reason: `${value}: ${monthName} ${year} has ${daysIn(year, month)} days` };
  if (hour > 23) return { ok: false, reason: `${value}: hour ${match[4]} does not exist (00-23)` };
  if (minute > 59) return { ok: false, reason: `${value}: minute ${match[5]} does not exist (00-59)` };
  // RFC 3339 §5.7 allows second 60 on a leap second; a Date cannot hold one.
  if (second > 59) return { ok: false, reason: `${value}: second ${match[6]} does not exist (00-59; leap seconds are not taken)` };
  if (offsetHours > 23 || offsetMinutes > 59) return { ok: false, reason: `${value}: offset ${sign}${match[9]}:${match[10]} does not exist` };
  const offsetMs = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  // year ≥ 1970 here, so Date.UTC does not map it into the 1900s.
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, fraction) - offsetMs;
  return ms < 0 ? { ok: false, reason: `${value}: instants before 1970 are not taken` } : epochMs(ms);
}

function epochMs(ms: number): InstantParse {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_INSTANT_MS) return { ok: false, reason: `epoch ms must be a whole number from 0 to ${MAX_INSTANT_MS}` };
  return { ok: true, epochMs: ms };
}

/** An instant as epoch ms (a JSON number or digits) or an RFC 3339 date-time; impossible dates are refused, never rolled over. */
export const instantSchema = z
  .union([z.number(), z.string()], { error: 'an instant is epoch ms or an RFC 3339 date-time' })
  .transform((value, context) => {
    const parsed = parseInstant(value);
    if (parsed.ok) return parsed.epochMs;
    context.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  });
