/**
 * Seeded readings for the rules benchmark: every catalog device reports at its catalog interval
 * (event time), mostly quiet values with sensor noise, and now and then an event that crosses a
 * shipped rule, so tickets open, update and resolve as in a working county:
 *
 * | event | devices | what | rules it meets |
 * |---|---|---|---|
 * | yellow water | taps and mains with turbidity | turbidity 1.5-8 NTU, chlorine 0.02-0.04 mg/L, 4-25 min | tap-turbidity, tap-free-chlorine-low |
 * | pressure drop | pressure at taps, mains, boosters | −60 to −150 kPa, flow +30-80 m³/h, 5-20 min | *-pressure-drop, tap-pressure-low |
 * | quality shift | plant outlet panels | turbidity, chlorine, pH, ORP step, 10-30 min | plant-outlet-quality-anomaly |
 * | silence | any device | no data for 4-10 intervals | device-silent (on `tick`) |
 *
 * Quiet levels stay well inside every rule (taps: turbidity 0.1-0.3 NTU, chlorine ≥ 0.15 mg/L,
 * pressure ≥ 200 kPa, noise a few kPa: inside GB 5749-2022 Tables 1-2 and above the 140 kPa of
 * GB/T 32063-2015 §3.3.1). Noise at plant panels is each sensor's resolution (the anomaly pack's
 * minSpread). Same seed, same readings.
 */
import type { Catalog, Device } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import type { RuleReading } from '../rules/engine.ts';
import { createRandom, type Random } from '../simulators/random.ts';

type EventKind = 'yellow-water' | 'pressure-drop' | 'quality-shift' | 'silence';

interface ActiveEvent {
  readonly kind: EventKind;
  readonly until: number;
  /** Drawn once per event: the size of the change. */
  readonly size: number;
}

interface DeviceSim {
  readonly device: Device;
  readonly random: Random;
  /** [metric, quiet level, noise sd] */
  readonly quiet: readonly (readonly [MetricName, number, number])[];
  readonly events: readonly EventKind[];
  nextAt: number;
  event: ActiveEvent | undefined;
}

/** Quiet level and noise of a metric at a site kind. */
function quietLevel(metric: MetricName, device: Device, random: Random): [number, number] {
  const kind = device.site.kind;
  switch (metric) {
    case 'turbidity':
      return kind === 'source' ? [random.uniform(2, 10), 0.3] : kind === 'plant' ? [random.uniform(0.05, 0.15), 0.003] : [random.uniform(0.1, 0.3), 0.02];
    case 'free_chlorine':
      return kind === 'plant' ? [random.uniform(0.6, 1), 0.01] : kind === 'tap' ? [random.uniform(0.15, 0.5), 0.01] : [random.uniform(0.3, 0.8), 0.01];
    case 'total_chlorine':
      return [random.uniform(0.8, 1.2), 0.002];
    case 'ph':
      return [random.uniform(6.9, 7.6), 0.01];
    case 'orp':
      return [random.uniform(600, 720), 1];
    case 'conductivity':
      return [random.uniform(150, 450), 2];
    case 'temperature':
      return [random.uniform(12, 22), 0.1];
    case 'pressure':
      return kind === 'tap' ? [random.uniform(200, 400), 3] : kind === 'main' ? [random.uniform(300, 550), 3] : [random.uniform(250, 550), 3];
    case 'flow':
      return kind === 'booster' ? [random.uniform(30, 100), 1] : [random.uniform(100, 600), 3];
    default:
      return [random.uniform(2, 5), 0.01];
  }
}

function eventsOf(device: Device): EventKind[] {
  const kind = device.site.kind;
  const has = (metric: MetricName) => device.metrics.has(metric);
  const events: EventKind[] = ['silence'];
  if (has('turbidity') && (kind === 'tap' || kind === 'main')) events.push('yellow-water');
  if (has('pressure') && (kind === 'tap' || kind === 'main' || kind === 'booster')) events.push('pressure-drop');
  if (has('orp') && kind === 'plant') events.push('quality-shift');
  return events;
}

const MINUTE = 60_000;
const DURATION_MINUTES: Record<Exclude<EventKind, 'silence'>, [number, number]> = {
  'yellow-water': [4, 25],
  'pressure-drop': [5, 20],
  'quality-shift': [10, 30],
};

function startEvent(sim: DeviceSim, at: number): ActiveEvent {
  const { random } = sim;
  const kind = sim.events[random.int(0, sim.events.length - 1)] ?? 'silence';
  if (kind === 'silence') return { kind, until: at + random.int(4, 10) * sim.device.intervalMs, size: 0 };
  const [min, max] = DURATION_MINUTES[kind];
  const size = kind === 'yellow-water' ? random.uniform(1.5, 8) : kind === 'pressure-drop' ? random.uniform(60, 150) : random.uniform(0.5, 1);
  return { kind, until: at + random.uniform(min, max) * MINUTE, size };
}

/** The value of one metric during an event; `quiet` is the noisy quiet value. */
function eventValue(metric: MetricName, quiet: number, event: ActiveEvent): number {
  const { kind, size } = event;
  if (kind === 'yellow-water') return metric === 'turbidity' ? size : metric === 'free_chlorine' ? 0.02 + size / 400 : quiet;
  if (kind === 'pressure-drop') return metric === 'pressure' ? quiet - size : metric === 'flow' ? quiet + size / 2 : quiet;
  if (kind !== 'quality-shift') return quiet;
  const shift: Partial<Record<MetricName, number>> = { turbidity: 0.15, free_chlorine: -0.25, ph: -0.25, orp: -50, conductivity: 30 };
  return quiet + (shift[metric] ?? 0) * size;
}

/** One reading of a device at `ts`, or undefined while it is silent. */
function readingOf(sim: DeviceSim, ts: number, eventChance: number): CountyReading | undefined {
  if (sim.event !== undefined && ts >= sim.event.until) sim.event = undefined;
  if (sim.event === undefined && sim.random.next() < eventChance) sim.event = startEvent(sim, ts);
  const { event } = sim;
  if (event?.kind === 'silence') return undefined;
  const values = new Map<MetricName, number>();
  for (const [metric, level, sd] of sim.quiet) {
    const quiet = sim.random.normal(level, sd);
    values.set(metric, Math.max(0, event ? eventValue(metric, quiet, event) : quiet));
  }
  return { device: sim.device, ts, values };
}

/** A reading of a catalog device (the engine needs less: RuleReading). */
export interface CountyReading extends RuleReading {
  readonly device: Device;
}

export interface CountySimulation {
  /** Readings with event time before `untilTs` not given yet, in time order. */
  until(untilTs: number): CountyReading[];
}

/** Every device of the catalog from `startTs` on; each device draws from its own seeded stream. */
export function simulateCounty(catalog: Catalog, seed: string, startTs: number, eventChance: number): CountySimulation {
  const root = createRandom(`readings/${seed}`);
  const sims: DeviceSim[] = [...catalog.devices.values()].map((device) => {
    const random = root.fork(device.id);
    const quiet = [...device.metrics].map((metric) => [metric, ...quietLevel(metric, device, random)] as const);
    return { device, random, quiet, events: eventsOf(device), nextAt: startTs + Math.floor(random.next() * device.intervalMs), event: undefined };
  });
  return {
    until(untilTs) {
      const batch: CountyReading[] = [];
      for (const sim of sims) {
        for (; sim.nextAt < untilTs; sim.nextAt += sim.device.intervalMs) {
          const reading = readingOf(sim, sim.nextAt, eventChance);
          if (reading) batch.push(reading);
        }
      }
      return batch.sort((a, b) => a.ts - b.ts);
    },
  };
}
