/**
 * Scoring a detector against labelled minutes, all pure. The labels are GECCO's `EVENT` column
 * (GECCO Industrial Challenge 2017/2018 training sets, rules/evaluate/README.md); tickets are
 * what the rules engine opened while the labelled readings were replayed.
 *
 * - An event is a contiguous run of labelled readings.
 * - An event is detected when a ticket opened between its first reading and `graceMs` after
 *   its last; the detection delay is from the event's start to the first such ticket.
 * - A ticket that opened in no event's window is a false ticket.
 * - Point-wise (the GECCO challenge's own measure): a reading is flagged while a ticket is open
 *   (opened at or before it, resolved after it); F1 over readings.
 */

/** One reading with its label. */
export interface LabelledReading {
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly event: boolean;
}

export interface EventRun {
  /** First labelled reading, epoch ms. */
  readonly start: number;
  /** Last labelled reading, epoch ms. */
  readonly end: number;
  readonly readings: number;
}

export interface TicketSpan {
  readonly openedAt: number;
  /** Null while still open at the end of the replay. */
  readonly resolvedAt: number | null;
}

export interface Score {
  readonly events: number;
  readonly detected: number;
  /** detected / events; null without events. */
  readonly recall: number | null;
  readonly tickets: number;
  readonly falseTickets: number;
  /** Tickets that matched an event / all tickets; null without tickets. */
  readonly precision: number | null;
  /** False tickets per 7 days of the replayed span; null for an empty span. */
  readonly falsePerWeek: number | null;
  /** Point-wise F1 over readings; null when there is nothing to score (no event, no flag). */
  readonly f1: number | null;
  /** Median minutes from an event's start to its first ticket; null when none was detected. */
  readonly medianDelayMin: number | null;
}

export const MINUTE_MS = 60_000;
const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;
/** Default grace after an event's end within which a ticket still counts as its detection. */
export const DEFAULT_GRACE_MS = 10 * MINUTE_MS;

/** Contiguous runs of labelled readings, in order. */
export function eventRuns(readings: readonly LabelledReading[]): EventRun[] {
  const runs: EventRun[] = [];
  let open: { start: number; end: number; readings: number } | undefined;
  for (const { ts, event } of readings) {
    if (event) {
      if (open) {
        open.end = ts;
        open.readings++;
      } else open = { start: ts, end: ts, readings: 1 };
    } else if (open) {
      runs.push(open);
      open = undefined;
    }
  }
  if (open) runs.push(open);
  return runs;
}

/** Median of a list; null when empty. */
export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Which tickets matched an event (`matched`, aligned with `tickets`) and how soon each event was caught. */
export function matchTickets(runs: readonly EventRun[], tickets: readonly TicketSpan[], graceMs: number) {
  const firstTicket: (number | undefined)[] = runs.map(() => undefined);
  const matched = tickets.map(({ openedAt }) => {
    let hit = false;
    runs.forEach((run, i) => {
      if (openedAt < run.start || openedAt > run.end + graceMs) return;
      hit = true;
      const first = firstTicket[i];
      if (first === undefined || openedAt < first) firstTicket[i] = openedAt;
    });
    return hit;
  });
  const delaysMin = runs.flatMap((run, i) => {
    const first = firstTicket[i];
    return first === undefined ? [] : [(first - run.start) / MINUTE_MS];
  });
  return { detected: delaysMin.length, falseTickets: matched.filter((hit) => !hit).length, matched, delaysMin };
}

/** Flags each reading that falls while some ticket is open. Tickets in any order. */
export function flaggedReadings(readings: readonly LabelledReading[], tickets: readonly TicketSpan[]): boolean[] {
  const spans = tickets.map((t) => [t.openedAt, t.resolvedAt ?? Number.POSITIVE_INFINITY] as const).sort((a, b) => a[0] - b[0]);
  // Sweep: readings in time order, spans by opening time; keep the latest end seen so far.
  const order = readings.map((_, i) => i).sort((a, b) => (readings[a]?.ts ?? 0) - (readings[b]?.ts ?? 0));
  const flags = readings.map(() => false);
  let next = 0;
  let openUntil = Number.NEGATIVE_INFINITY;
  for (const i of order) {
    const ts = readings[i]?.ts ?? 0;
    while (next < spans.length && (spans[next]?.[0] ?? Infinity) <= ts) openUntil = Math.max(openUntil, spans[next++]?.[1] ?? 0);
    flags[i] = ts < openUntil;
  }
  return flags;
}

/** Readings flagged in an event, flagged outside one, and in an event unflagged. Pure. */
export function pointCounts(readings: readonly LabelledReading[], flags: readonly boolean[]): { truePositive: number; falsePositive: number; falseNegative: number } {
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  readings.forEach(({ event }, i) => {
    const flagged = flags[i] ?? false;
    if (flagged && event) truePositive++;
    else if (flagged) falsePositive++;
    else if (event) falseNegative++;
  });
  return { truePositive, falsePositive, falseNegative };
}

/** Point-wise F1 of flags against labels; null when there is neither an event nor a flag. */
export function pointwiseF1(readings: readonly LabelledReading[], flags: readonly boolean[]): number | null {
  const { truePositive, falsePositive, falseNegative } = pointCounts(readings, flags);
  const denominator = 2 * truePositive + falsePositive + falseNegative;
  return denominator === 0 ? null : (2 * truePositive) / denominator;
}

export interface ScoreInput {
  /** Every reading replayed (gaps excluded), with its label. */
  readonly readings: readonly LabelledReading[];
  /** The detector's tickets (sensor-health tickets left out). */
  readonly tickets: readonly TicketSpan[];
  /** Length of the replayed span for the weekly rate, ms. */
  readonly spanMs: number;
  /** Default 10 minutes. */
  readonly graceMs?: number;
}

export function score(input: ScoreInput): Score {
  const runs = eventRuns(input.readings);
  const { detected, falseTickets, delaysMin } = matchTickets(runs, input.tickets, input.graceMs ?? DEFAULT_GRACE_MS);
  const tickets = input.tickets.length;
  return {
    events: runs.length,
    detected,
    recall: runs.length === 0 ? null : detected / runs.length,
    tickets,
    falseTickets,
    precision: tickets === 0 ? null : (tickets - falseTickets) / tickets,
    falsePerWeek: input.spanMs > 0 ? falseTickets / (input.spanMs / WEEK_MS) : null,
    f1: pointwiseF1(input.readings, flaggedReadings(input.readings, input.tickets)),
    medianDelayMin: medianOf(delaysMin),
  };
}

/** Kinds and id words of sensor-health rules: their tickets are neither detections nor false alarms. */
const SENSOR_HEALTH = /(^|-)(stale|flatline|sensor-fault|flood)(-|$)/;

/** Is this rule about the instrument rather than the water? Told by its kind or a word of its id. */
export function isSensorHealthRule(rule: { readonly id: string; readonly kind: string }): boolean {
  return SENSOR_HEALTH.test(rule.kind) || SENSOR_HEALTH.test(rule.id);
}
