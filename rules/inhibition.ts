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
 *
 * Group holds (kinds/flood.ts): while a group ticket is open, its fingerprint holds the tickets
 * of its member devices under the watch rules it names (`device-silent`): the engine opens no
 * such ticket for a held device. The same bookkeeping: held by fingerprint, released when it
 * resolves, held again by `start()` from the saved group state.
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
  /** Group fingerprint → the watch rule × device pairs it holds ("rule/device"). */
  private readonly watchHolds = new Map<string, ReadonlySet<string>>();
  /** "rule/device" → holding group fingerprints. */
  private readonly byWatch = new Map<string, Set<string>>();

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

  /**
   * A group fires with these members: their tickets under `rules` are held back until it
   * resolves; replaces what the fingerprint held back before. True when the holds changed.
   */
  holdWatches(fingerprint: string, rules: readonly string[], devices: readonly string[]): boolean {
    const pairs = new Set(devices.flatMap((device) => rules.map((rule) => `${rule}/${device}`)));
    const before = this.watchHolds.get(fingerprint);
    if (before !== undefined && before.size === pairs.size && [...pairs].every((pair) => before.has(pair))) return false;
    this.releaseWatches(fingerprint);
    this.watchHolds.set(fingerprint, pairs);
    for (const pair of pairs) {
      const holders = this.byWatch.get(pair);
      if (holders === undefined) this.byWatch.set(pair, new Set([fingerprint]));
      else holders.add(fingerprint);
    }
    return true;
  }

  /** Whether an open group holds back the ticket of `rule` for `device`. */
  watchHeld(rule: string, device: string): boolean {
    return this.byWatch.has(`${rule}/${device}`);
  }

  /** Watch rule × device pairs held back now. */
  heldWatches(): number {
    return this.byWatch.size;
  }

  private releaseWatches(fingerprint: string): boolean {
    const pairs = this.watchHolds.get(fingerprint);
    if (pairs === undefined) return false;
    this.watchHolds.delete(fingerprint);
    for (const pair of pairs) {
      const holders = this.byWatch.get(pair);
      holders?.delete(fingerprint);
      if (holders?.size === 0) this.byWatch.delete(pair);
    }
    return true;
  }

  /** The fingerprint resolved: its hold ends (readings and watches). True when it held something. */
  release(fingerprint: string): boolean {
    const watches = this.releaseWatches(fingerprint);
    const held = this.holds.get(fingerprint);
    if (held === undefined) return watches;
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
