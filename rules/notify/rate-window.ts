/**
 * Messages sent per destination over the last minute, and destinations a peer throttles (DingTalk
 * answers 130101 and refuses the robot for 10 minutes). The sender records its own messages as it
 * sends them and, each round, learns (`know`) those the outbox holds as sent in the last minute,
 * by this process before a restart or by another instance: one window for a robot however many
 * processes send to it. Two instances in the same round may still both spend the last of a budget.
 */
import type { DestinationBudget } from './batch.ts';

const MINUTE_MS = 60_000;

export class RateWindow {
  private readonly sent = new Map<string, number[]>();
  private readonly throttledUntil = new Map<string, number>();

  /** A message went to `destination` at `at`. */
  record(destination: string, at: number): void {
    const times = this.recent(destination, at);
    times.push(at);
    this.sent.set(destination, times);
  }

  /** A message to `destination` at `at` that the outbox holds as sent: counted once, whoever sent it. */
  know(destination: string, at: number): void {
    const times = this.sent.get(destination) ?? [];
    if (!times.includes(at)) {
      times.push(at);
      this.sent.set(destination, times);
    }
  }

  /** The peer refuses `destination` until `until`. */
  throttle(destination: string, until: number): void {
    this.throttledUntil.set(destination, Math.max(until, this.throttledUntil.get(destination) ?? 0));
  }

  /** What `destination` may still take at `now`, under `perMinute` (undefined: no limit). */
  budget(destination: string, perMinute: number | undefined, now: number): DestinationBudget {
    const throttled = this.throttledUntil.get(destination) ?? 0;
    if (throttled > now) return { remaining: 0, roomAt: throttled };
    if (perMinute === undefined) return { remaining: Number.POSITIVE_INFINITY, roomAt: now };
    const times = this.recent(destination, now);
    this.sent.set(destination, times);
    const remaining = perMinute - times.length;
    return remaining > 0 ? { remaining, roomAt: now } : { remaining: 0, roomAt: (times[-remaining] ?? now) + MINUTE_MS };
  }

  private recent(destination: string, now: number): number[] {
    return (this.sent.get(destination) ?? []).filter((at) => at > now - MINUTE_MS);
  }
}
