/**
 * Pieces of the engine that need no engine state: pairing watch-kind rules with catalog devices,
 * and the subject a ticket is filed under. Pure.
 */
import type { MetricName } from '../network/metrics.ts';
import type { WatchedDevice } from './kinds/index.ts';
import { watchesSite, type CompiledRule, type ReadingDevice } from './router.ts';
import { fingerprintOf, type TicketSubject } from './tickets/ticket.ts';

/** One watch-kind rule paired with one catalog device. */
export interface Watch {
  readonly compiled: CompiledRule;
  readonly device: WatchedDevice;
  readonly fingerprint: string;
  readonly metric: MetricName;
}

/** Pairs every watch-kind rule with the catalog devices it watches, by device id. */
export function watchesByDevice(rules: readonly CompiledRule[], devices: Iterable<WatchedDevice>): Map<string, Watch[]> {
  const byDevice = new Map<string, Watch[]>();
  if (rules.length === 0) return byDevice;
  for (const device of devices) {
    const list: Watch[] = [];
    for (const compiled of rules) {
      const metric = compiled.kind.watch?.metricOf(compiled.rule, device);
      if (metric === undefined || !watchesSite(compiled, device.site)) continue;
      list.push({ compiled, device, metric, fingerprint: fingerprintOf(compiled.rule.id, device.site.id, device.id) });
    }
    if (list.length > 0) byDevice.set(device.id, list);
  }
  return byDevice;
}

export function subjectOf(compiled: CompiledRule, fingerprint: string, device: ReadingDevice, metric: MetricName): TicketSubject {
  const { rule } = compiled;
  const { site } = device;
  return {
    fingerprint,
    ruleId: rule.id,
    title: rule.title,
    titleZh: rule.titleZh,
    source: rule.source,
    metric,
    site: site.id,
    siteKind: site.kind,
    device: device.id,
    village: site.village ?? null,
    township: site.township,
    zone: site.zone,
  };
}
