import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../network/catalog.ts';
import { createNetworkModel } from '../network-model.ts';
import { HOUR_MS, LOCAL_MIDNIGHT_MS, MINUTE_MS, sampleCatalog } from '../fixtures.ts';
import { hydraulicsConfigSchema } from './config.ts';
import { createHydraulicSolver, type HydraulicSolver } from './solver.ts';

const START = LOCAL_MIDNIGHT_MS; // bursts 2 h in: 02:00 local, at minimum night flow
let catalog: Catalog;
let solver: HydraulicSolver;

beforeAll(async () => {
  catalog = await sampleCatalog();
  const config = hydraulicsConfigSchema.parse({ events: [{ kind: 'burst', node: 'main-tongmen-dn300', coefficient: 5, startsAfter: '2h' }] });
  solver = await createHydraulicSolver(catalog, config, START);
});
afterAll(() => solver.close());

describe('hydraulic solver', () => {
  it('gives a device the solution of its step, changed by an event in force', () => {
    const device = catalog.device('main-tongmen-dn300-pt')!;
    const before = solver.truthFor(device, START + 2 * HOUR_MS - MINUTE_MS)!;
    const sameStep = solver.truthFor(device, START + 2 * HOUR_MS - 4 * MINUTE_MS)!;
    const after = solver.truthFor(device, START + 2 * HOUR_MS + MINUTE_MS)!;
    expect(sameStep.pressure).toBe(before.pressure);
    expect(after.pressure!).toBeLessThan(before.pressure! - 30);
  });

  it('returns nothing for a device without pressure, flow, level or chlorine at a modelled node', () => {
    expect(solver.truthFor(catalog.device('north-intake-mp')!, START)).toBeUndefined();
    expect(solver.truthFor(catalog.device('north-reservoir-cl')!, START)).toBeUndefined();
  });

  it('gives a tap analyser the modelled free chlorine, less than the plant outlet', () => {
    const tap = solver.truthFor(catalog.device('tongmen-tap-wq')!, START + HOUR_MS)!;
    const plant = solver.truthFor(catalog.device('north-plant-cl')!, START + HOUR_MS)!;
    expect(Object.keys(tap)).toEqual(['free_chlorine']);
    expect(tap.free_chlorine!).toBeGreaterThan(0.2);
    expect(tap.free_chlorine!).toBeLessThan(plant.free_chlorine! - 0.1);
    expect(plant.total_chlorine!).toBeGreaterThan(plant.free_chlorine!);
  });

  it('drives the network model: a tap logger reports the burst', () => {
    const model = createNetworkModel(catalog, { seed: 1, simStartMs: START, scenarios: [], hydraulics: solver });
    const signal = model.signal('tongmen-tap-pt');
    const before = signal.sample(START + HOUR_MS).pressure!;
    const after = signal.sample(START + 2 * HOUR_MS + 5 * MINUTE_MS).pressure!;
    expect(after).toBeLessThan(before - 20);
  });
});
