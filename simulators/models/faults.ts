/**
 * Sensor faults laid over a device's true readings (pure apart from the draws, which come from
 * the fault's own stream). The faults are the common failure modes of online water-quality
 * instruments (operational practice: air bubbles in a turbidimeter's cell, electrode drift and
 * fouling of chlorine and pH sensors, a frozen transmitter, a reading pinned at the range top, a
 * transmitter sending garbage):
 *
 * | fault | what the device reports for `metric` |
 * |---|---|
 * | `flatline` | the value it read when the fault began, unchanged |
 * | `bubbles` | the true value, with a short spike of `size` (NTU) on a share `chance` of samples |
 * | `drift` | the true value plus `size` units per day since the fault began |
 * | `fouling` | the true value times (1 − `size`)^days since the fault began: a membrane sensor reading ever lower |
 * | `saturation` | the metric's range top (`size`, or the registry's maximum) |
 * | `junk` | not a number (NaN: `null` on the wire), which the ingest dead-letters |
 */
import { metrics, type MetricName } from '../../network/metrics.ts';
import type { Random } from '../random.ts';
import { DAY_MS } from './context.ts';
import type { Readings } from './signals.ts';

export const sensorFaultKinds = ['flatline', 'bubbles', 'drift', 'fouling', 'saturation', 'junk'] as const;
export type SensorFaultKind = (typeof sensorFaultKinds)[number];

export interface SensorFault {
  readonly fault: SensorFaultKind;
  readonly metric: MetricName;
  /** Simulated epoch ms the fault began. */
  readonly sinceMs: number;
  /** The fault's size in the metric's unit (see the table); undefined: the kind's default. */
  readonly size?: number | undefined;
  /** bubbles: share of samples with a spike. */
  readonly chance?: number | undefined;
}

/** Spike height when none is given, NTU: well above the sensor-health pack's 0.5 NTU. */
const DEFAULT_BUBBLE_NTU = 2;
/** A spike on one sample in ten when no share is given: about 6 an hour at 1-minute samples. */
const DEFAULT_BUBBLE_CHANCE = 0.1;

/**
 * What the faulty device reports, given its true `readings` at `tMs`. `frozen` keeps the value a
 * flatline holds (the first faulty sample's), per fault; the caller keeps it between samples.
 */
export function applyFault(readings: Readings, fault: SensorFault, tMs: number, rng: Random, frozen: Map<SensorFault, number>): Readings {
  const value = readings[fault.metric];
  if (value === undefined) return readings;
  const days = Math.max(0, tMs - fault.sinceMs) / DAY_MS;
  const faulty = (() => {
    switch (fault.fault) {
      case 'flatline': {
        if (!frozen.has(fault)) frozen.set(fault, value);
        return frozen.get(fault)!;
      }
      case 'bubbles':
        return rng.uniform(0, 1) < (fault.chance ?? DEFAULT_BUBBLE_CHANCE) ? value + (fault.size ?? DEFAULT_BUBBLE_NTU) : value;
      case 'drift':
        return value + (fault.size ?? 0) * days;
      case 'fouling':
        return value * (1 - (fault.size ?? 0.2)) ** days;
      case 'saturation':
        return fault.size ?? metrics[fault.metric].max;
      case 'junk':
        return Number.NaN;
    }
  })();
  return { ...readings, [fault.metric]: faulty };
}
