/**
 * Durations in configuration (rule packs, the app's and the simulator's config, API bodies,
 * command-line values): "90s", "5m", "2h", "1d", "1h30m", "250ms", or a number of milliseconds.
 * Everything downstream works in milliseconds (`forMs`, `intervalMs`). The one parser of the
 * project.
 */
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** One or more `<number><unit>` parts, largest unit first is not required ("1h30m", "90s"). */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Parses a duration text into milliseconds; undefined when it is not one. Pure. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit as Unit];
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** Formats milliseconds the way a pack would write them ("2m", "90s", "1h30m"). Pure. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * UNIT_MS[unit];
  }
  return parts.join('');
}

/** A duration in a config file; the parsed value is milliseconds. */
export const durationSchema = z
  .union([
    z.number().nonnegative().finite().describe('Milliseconds'),
    z.string().describe('Text such as "90s", "5m", "2h", "1d", "1h30m", "250ms"'),
  ])
  .transform((input, ctx) => {
    if (typeof input === 'number') return Math.round(input);
    const ms = parseDuration(input);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', input, message: `"${input}" is not a duration (e.g. "90s", "5m", "2h", "1d", or milliseconds)` });
      return z.NEVER;
    }
    return ms;
  })
  .describe('Duration: milliseconds, or text such as "90s", "5m", "2h", "1d"');

/**
 * A duration field with bounds on the parsed milliseconds, e.g.
 * `durationField((ms) => ms.min(30 * 60_000)).default(6 * 3_600_000)`.
 */
export function durationField(bounds: (ms: z.ZodNumber) => z.ZodNumber = (ms) => ms) {
  return durationSchema.pipe(bounds(z.number().int().nonnegative()));
}
