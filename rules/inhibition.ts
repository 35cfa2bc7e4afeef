/**
 * Inhibition: while a rule with `inhibit: true` fires for a device (a saturated, flatlined or
 * fouled sensor), the readings of its ticket metric from that device are withheld from every
 * rule without `inhibit`, so a lying sensor opens no process tickets (the Alertmanager inhibit
 * idea, per device and metric). Other metrics of the same reading still count; rules with
 * `inhibit` see everything, so they can tell when the sensor recovers.
 *
 * The holds follow the inhibiting fingerprints' state in the engine: a fire or update holds, a
 * resolve releases, `start()` holds again for the open tickets of inhibiting rules. Whether the
 * ticket write succeeded does not matter. Several rules may hold one device and metric; it is
 * withheld while any of them holds.
 */
import type { MetricName } from '../network/metrics.ts';
import type { RuleReading } from './router.ts';

interface Hold {
  readonly device: string;
  readonly metric: MetricName;
}

export class Inhibitions {
  /** Inhibiting fingerprint → what it holds. */
  private readonly holds = new Map<string, Hold>();
  /** device → metric → holding fingerprints. */
  private readonly byDevice = new Map<string, Map<MetricName, Set<string>>>();

  /** The fingerprint fires: withhold `metric` of `device` until it resolves. True when the hold is new. */
  hold(fingerprint: string, device: string, metric: MetricName): boolean {
    const held = this.holds.get(fingerprint);
    if (held?.device === device && held.metric === metric) return false;
    if (held !== undefined) this.release(fingerprint);
    this.holds.set(fingerprint, { device, metric });
    let byMetric = this.byDevice.get(device);
    if (byMetric === undefined) this.byDevice.set(device, (byMetric = new Map()));
    const holders = byMetric.get(metric);
    if (holders === undefined) byMetric.set(metric, new Set([fingerprint]));
    else holders.add(fingerprint);
    return true;
  }

  /** The fingerprint resolved: its hold ends. True when it held something. */
  release(fingerprint: string): boolean {
    const held = this.holds.get(fingerprint);
    if (held === undefined) return false;
    this.holds.delete(fingerprint);
    const byMetric = this.byDevice.get(held.device);
    const holders = byMetric?.get(held.metric);
    holders?.delete(fingerprint);
    if (holders?.size === 0) byMetric?.delete(held.metric);
    if (byMetric?.size === 0) this.byDevice.delete(held.device);
    return true;
  }

  /** Device × metric pairs withheld now. */
  size(): number {
    let count = 0;
    for (const byMetric of this.byDevice.values()) count += byMetric.size;
    return count;
  }

  /**
   * The reading as rules without `inhibit` see it: the reading itself (no copy) when its device
   * holds nothing it carries, so the common case costs one map lookup and no allocation.
   */
  withhold(reading: RuleReading): RuleReading {
    const byMetric = this.byDevice.get(reading.device.id);
    return byMetric === undefined ? reading : withheldFrom(reading, byMetric);
  }
}

/** Pure: the reading without the given metrics; the reading itself when it carries none of them. */
export function withheldFrom(reading: RuleReading, metrics: { has(metric: MetricName): boolean }): RuleReading {
  const values = new Map<MetricName, number>();
  for (const [metric, value] of reading.values) if (!metrics.has(metric)) values.set(metric, value);
  return values.size === reading.values.size ? reading : { device: reading.device, ts: reading.ts, values };
}
