/**
 * The baseline of the engine part: routing a reading to its rules with the router's index
 * (rules/router.ts: rules by metric and site kind, watch rules paired with devices once) against
 * a naive scan that checks every rule against every reading (site kind, village and site
 * filters, metrics carried; watch rules by the device's catalog metrics). Both must find the
 * same rules; only the finding is timed, not the evaluation (the engine does that part the same
 * way whichever finds the rules).
 */
import type { Device } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import type { Rule } from '../rules/kinds/index.ts';
import { RuleIndex, watchesSite, type CompiledRule } from '../rules/router.ts';

export interface RoutedReading {
  readonly device: Device;
  readonly ts: number;
  readonly values: ReadonlyMap<MetricName, number>;
}

/** Whether a rule meets the reading, decided from scratch. */
function meets(compiled: CompiledRule, reading: RoutedReading): boolean {
  const { device, values } = reading;
  if (!watchesSite(compiled, device.site)) return false;
  const watch = compiled.kind.watch;
  if (watch !== undefined) return watch.metricOf(compiled.rule, device) !== undefined;
  return compiled.metrics.every((metric) => values.has(metric)) || compiled.context.some((metric) => values.has(metric));
}

export interface Router {
  /** How many rules the reading meets. */
  route(reading: RoutedReading): number;
}

/** The engine's way: the index, and watch rules paired with each device when first seen. */
export function indexRouter(rules: readonly Rule[]): Router {
  const index = new RuleIndex(rules);
  const watches = new Map<string, readonly CompiledRule[]>();
  const watchesOf = (device: Device) => index.watchRules.filter((c) => watchesSite(c, device.site) && c.kind.watch?.metricOf(c.rule, device) !== undefined);
  return {
    route(reading) {
      let paired = watches.get(reading.device.id);
      if (paired === undefined) watches.set(reading.device.id, (paired = watchesOf(reading.device)));
      return index.candidates(reading).length + paired.length;
    },
  };
}

/** Every rule checked against every reading. */
export function scanRouter(rules: readonly Rule[]): Router {
  const compiled = [...new RuleIndex(rules).byId.values()];
  return {
    route(reading) {
      let found = 0;
      for (const rule of compiled) if (meets(rule, reading)) found++;
      return found;
    },
  };
}
