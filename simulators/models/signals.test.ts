import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../network/catalog.ts';
import { metrics, type MetricName } from '../../network/metrics.ts';
import { DAY_MS, HOUR_MS, LOCAL_MIDNIGHT_MS, MINUTE_MS, sampleCatalog } from '../fixtures.ts';
import { createNetworkModel } from '../network-model.ts';
import { quantize, type Readings } from './signals.ts';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await sampleCatalog();
});

/** Samples one device every `stepMs` for `spanMs` from local midnight. */
function series(deviceId: string, spanMs: number, stepMs: number, seed = 1): { tMs: number; readings: Readings }[] {
  const signal = createNetworkModel(catalog, { seed, simStartMs: LOCAL_MIDNIGHT_MS, scenarios: [] }).signal(deviceId);
  const out = [];
  for (let t = LOCAL_MIDNIGHT_MS; t < LOCAL_MIDNIGHT_MS + spanMs; t += stepMs) out.push({ tMs: t, readings: signal.sample(t) });
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const values = (s: ReturnType<typeof series>, metric: MetricName) => s.map((x) => x.readings[metric] ?? NaN);

/** Mean of a metric per local hour of day, over several days. */
function hourlyMeans(deviceId: string, metric: MetricName): number[] {
  const byHour: number[][] = Array.from({ length: 24 }, () => []);
  for (const { tMs, readings } of series(deviceId, 3 * DAY_MS, 5 * MINUTE_MS)) {
    byHour[Math.floor(((tMs - LOCAL_MIDNIGHT_MS) % DAY_MS) / HOUR_MS)]?.push(readings[metric] ?? NaN);
  }
  return byHour.map(mean);
}

describe('signal models', () => {
  it.each(['north-plant-fm', 'main-tongmen-dn300-pt', 'tongmen-end-tap-pt', 'xiaxi-tap-pt', 'booster-lingxia-suction'])(
    'pressure at %s is highest at night and lowest at the morning or evening peak',
    (deviceId) => {
      const hourly = hourlyMeans(deviceId, 'pressure');
      const highest = hourly.indexOf(Math.max(...hourly));
      const lowest = hourly.indexOf(Math.min(...hourly));
      expect(highest).toBeGreaterThanOrEqual(0);
      expect(highest).toBeLessThanOrEqual(5);
      expect([6, 7, 8, 18, 19, 20]).toContain(lowest);
    },
  );

  it.each([
    ['plant outlet', 'north-plant-fm', 250, 450],
    ['village tap', 'tongmen-tap-pt', 140, 450],
    ['hill village behind a booster', 'zhukeng-tap-pt', 140, 320],
  ])('pressure at a %s stays within %s..%s kPa', (_kind, deviceId, lo, hi) => {
    const kpa = values(series(deviceId, 2 * DAY_MS, 5 * MINUTE_MS), 'pressure');
    expect(Math.min(...kpa)).toBeGreaterThanOrEqual(lo);
    expect(Math.max(...kpa)).toBeLessThanOrEqual(hi);
  });

  it('has less free chlorine at every tap than at either plant outlet, and least in the farthest villages', () => {
    const daily = (id: string) => mean(values(series(id, DAY_MS, 10 * MINUTE_MS), 'free_chlorine'));
    const plants = ['north-plant-cl', 'south-plant-cl'].map(daily);
    const taps = [...catalog.devices.values()].filter((d) => d.site.kind === 'tap' && d.metrics.has('free_chlorine')).map((d) => daily(d.id));
    for (const tap of taps) expect(tap).toBeLessThan(Math.min(...plants));
    for (const plant of plants) expect(plant).toBeGreaterThan(0.6);
    expect(daily('north-reservoir-cl')).toBeLessThan(plants[0] ?? 0);
    expect(daily('zhukeng-tap-wq')).toBeLessThan(daily('tongmen-tap-wq'));
  });

  it.each([
    // device, metric, plausible band
    ['north-plant-turb', 'turbidity', 0.04, 0.16],
    ['tongmen-tap-wq', 'turbidity', 0.05, 0.45],
    ['north-intake-mp', 'turbidity', 1, 40],
    ['tongmen-tap-wq', 'ph', 7.1, 7.7],
    ['tongmen-tap-wq', 'color', 1, 7],
    ['tongmen-tap-wq', 'iron', 0.01, 0.12],
    ['north-plant-cl', 'free_chlorine', 0.55, 0.85],
    ['zhukeng-tap-wq', 'free_chlorine', 0.08, 0.3],
    ['north-reservoir-lvl', 'level', 1.5, 5],
    ['north-plant-ph', 'orp', 550, 750],
  ] as const)('%s %s stays within %s..%s over a week', (deviceId, metric, lo, hi) => {
    const xs = values(series(deviceId, 7 * DAY_MS, 5 * MINUTE_MS), metric);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(lo);
    expect(Math.max(...xs)).toBeLessThanOrEqual(hi);
  });

  it('reports exactly the declared metrics of every device, inside the registry ranges, over a simulated week', () => {
    for (const device of catalog.devices.values()) {
      for (const { readings } of series(device.id, 7 * DAY_MS, 15 * MINUTE_MS)) {
        expect(Object.keys(readings).sort()).toEqual([...device.metrics].sort());
        for (const [metric, value] of Object.entries(readings) as [MetricName, number][]) {
          expect(Number.isFinite(value), `${device.id} ${metric}`).toBe(true);
          expect(value, `${device.id} ${metric}`).toBeGreaterThanOrEqual(metrics[metric].min);
          expect(value, `${device.id} ${metric}`).toBeLessThanOrEqual(metrics[metric].max);
        }
      }
    }
  });

  it('reproduces readings from the same seed and differs with another seed', () => {
    const run = (seed: number) => JSON.stringify(series('tongmen-end-tap-wq', 6 * HOUR_MS, 5 * MINUTE_MS, seed));
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });

  it("gives a device the same readings whichever other devices run", () => {
    const model = createNetworkModel(catalog, { seed: 3, simStartMs: LOCAL_MIDNIGHT_MS, scenarios: [] });
    const other = model.signal('north-plant-cl');
    const alone = series('tongmen-tap-wq', HOUR_MS, MINUTE_MS, 3);
    const signal = model.signal('tongmen-tap-wq');
    const interleaved = alone.map(({ tMs }) => {
      other.sample(tMs);
      return { tMs, readings: signal.sample(tMs) };
    });
    expect(interleaved).toEqual(alone);
  });
});

describe('quantize', () => {
  it.each([
    ['turbidity', 0.12345, 0.123],
    ['pressure', 312.26, 312.3],
    ['free_chlorine', 0.1 + 0.2, 0.3],
    ['conductivity', 211.6, 212],
    ['turbidity', -0.004, 0],
    ['ph', 15, 14],
  ] as const)('%s %s → %s', (metric, value, expected) => {
    expect(quantize(metric, value)).toBe(expected);
  });
});
