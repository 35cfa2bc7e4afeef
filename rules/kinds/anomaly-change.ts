/**
 * A new change while an anomaly ticket is open (rules/kinds/anomaly.ts, step 7; option
 * `newChange`). While a ticket is open the baseline is frozen at the water from before the event,
 * so a second, different change (an event that begins while the first ticket is still held, e.g.
 * by a baseline shift waiting for its timeout) looks like more of the same and is never reported.
 *
 * The change watch learns the event's own level: from the panel that opened the ticket it keeps
 * each indicator's last `history` values that were no change against it, and flags each judged
 * panel that is an outlier against both the baseline and that event level. The same binomial event
 * discriminator as the baseline's decides when the flags are a new change. What then happens
 * follows the ticket lifecycle (rules/tickets/README.md: one active ticket per fingerprint; a
 * firing after a resolve opens a new ticket, or reopens the resolved one within `reopenWithin`,
 * notified again): the open ticket resolves at once and the next outlying panel opens the next one
 * (one panel later: a decision is one ticket change).
 *
 * Pure; memory is `history` values per indicator and `bedWindow` flags.
 */
import { pushed, resorted } from './robust-stats.ts';

export const newChangeModes = ['ignore', 'new-ticket'] as const;
export type NewChangeMode = (typeof newChangeModes)[number];

export interface ChangeWatch {
  /** Per indicator, aligned with `rule.indicators`: the event level's values, oldest first. */
  readonly values: readonly (readonly number[])[];
  /** The same, sorted. */
  readonly sorted: readonly (readonly number[])[];
  /** Change flags of the last `bedWindow` judged panels since the ticket opened, oldest first. */
  readonly flags: readonly boolean[];
}

/** A watch that knows nothing yet, for `indicators` indicators. */
export function emptyWatch(indicators: number): ChangeWatch {
  const none = Array.from({ length: indicators }, () => [] as number[]);
  return { values: none, sorted: none, flags: [] };
}

/**
 * The watch after one judged panel (values aligned with the indicators, NaN = missing): a panel
 * that is no change is learned as the event's level; its flag joins the window. Pure.
 */
export function watched(watch: ChangeWatch, values: readonly number[], change: boolean, history: number, bedWindow: number): ChangeWatch {
  const flags = [...watch.flags, change].slice(-bedWindow);
  if (change) return { ...watch, flags };
  const learned = values.map((value, i) => {
    const own = watch.values[i] ?? [];
    const sorted = watch.sorted[i] ?? [];
    if (!Number.isFinite(value)) return { own, sorted };
    const removed = own.length >= history ? own[own.length - history] : undefined;
    return { own: pushed(own, value, history), sorted: resorted(sorted, value, removed) };
  });
  return { values: learned.map(({ own }) => own), sorted: learned.map(({ sorted }) => sorted), flags };
}
