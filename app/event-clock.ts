/**
 * A rehearsal's clock: the event time the pipeline has reached, not the wall clock. It is the
 * median over the devices of their latest reading time plus half their reporting interval (a
 * device last heard at `ts` reports every `interval`, so on average the time is `ts + interval/2`),
 * so it moves as readings arrive whatever the pipeline's lag, and neither a device whose clock
 * runs ahead nor a township that fell silent moves it. Until `minDevices` have reported it stands
 * at the start. Pure apart from `now()`'s cache of the median (recomputed when a reading arrived since).
 */
export class EventClock {
  private readonly latest = new Map<string, number>();
  private cached: number | undefined;

  constructor(private readonly startMs: number, private readonly minDevices = 1) {}

  /** A device's reading at event time `ts`; it reports every `intervalMs`. */
  heard(deviceId: string, ts: number, intervalMs = 0): void {
    const estimate = ts + intervalMs / 2;
    if (estimate > (this.latest.get(deviceId) ?? -Infinity)) {
      this.latest.set(deviceId, estimate);
      this.cached = undefined;
    }
  }

  now(): number {
    this.cached ??= this.median();
    return this.cached;
  }

  private median(): number {
    if (this.latest.size < this.minDevices) return this.startMs;
    const sorted = [...this.latest.values()].sort((a, b) => a - b);
    return Math.max(this.startMs, sorted[Math.floor((sorted.length - 1) / 2)]!);
  }
}
