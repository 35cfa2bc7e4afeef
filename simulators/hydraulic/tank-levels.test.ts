import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../network/catalog.ts';
import { KPA_PER_METRE_HEAD } from '../../network/metrics.ts';
import { HOUR_MS, LOCAL_MIDNIGHT_MS, MINUTE_MS, sampleCatalog } from '../fixtures.ts';
import { hydraulicsConfigSchema } from './config.ts';
import { networkParams } from './network-inp.ts';
import { createHydraulicSolver, type HydraulicSolver } from './solver.ts';

const START = LOCAL_MIDNIGHT_MS;
const HOUWU_TANK = 'booster-houwu-tank'; // level gauge in the Houwu booster's break tank (south zone)
const SOUTH_WELL = 'south-reservoir-lvl'; // level gauge in the south plant's clear well
let catalog: Catalog;
let normal: HydraulicSolver;
let plantTrip: HydraulicSolver;
let boosterTrip: HydraulicSolver;
const solvers: HydraulicSolver[] = [];
const run = async (events: unknown[]) => {
  const solver = await createHydraulicSolver(catalog, hydraulicsConfigSchema.parse({ events }), START);
  solvers.push(solver);
  return solver;
};
/** A device's true level at `hours` after local midnight. */
const level = (solver: HydraulicSolver, deviceId: string, hours: number) => solver.truthFor(catalog.device(deviceId)!, START + hours * HOUR_MS)!.level!;
const day = (solver: HydraulicSolver, deviceId: string) => Array.from({ length: 24 * 12 }, (_, i) => level(solver, deviceId, (i * 5 * MINUTE_MS) / HOUR_MS));

beforeAll(async () => {
  catalog = await sampleCatalog();
  normal = await run([]);
  plantTrip = await run([{ kind: 'pump-trip', pump: 'pump-south-plant', startsAfter: '6h', durationMs: '1h' }]);
  boosterTrip = await run([{ kind: 'pump-trip', pump: 'pump-booster-houwu', startsAfter: '6h', durationMs: '2h' }]);
});
afterAll(() => solvers.forEach((s) => s.close()));

describe('tank levels from the mass balance over the snapshots', () => {
  it('a break tank and a clear well move over the day, inside their levels', () => {
    for (const [id, least] of [[HOUWU_TANK, 0.1], [SOUTH_WELL, 0.2]] as const) {
      const levels = day(normal, id);
      expect(Math.max(...levels) - Math.min(...levels), id).toBeGreaterThan(least);
      expect(Math.min(...levels), id).toBeGreaterThanOrEqual(networkParams.tankMinLevelM);
      expect(Math.max(...levels), id).toBeLessThanOrEqual(networkParams.tankMaxLevelM);
    }
  });

  it('the break tank draws down while its pump runs at the morning peak and refills at night', () => {
    const pumpFlow = normal.truthFor(catalog.device('booster-houwu-discharge')!, START + 7 * HOUR_MS)!.flow!;
    expect(pumpFlow).toBeGreaterThan(30); // m³/h at 07:00
    expect(level(normal, HOUWU_TANK, 9)).toBeLessThan(level(normal, HOUWU_TANK, 5) - 0.05);
    expect(level(normal, HOUWU_TANK, 24)).toBeGreaterThan(level(normal, HOUWU_TANK, 22) + 0.03);
    expect(level(normal, HOUWU_TANK, 27)).toBeCloseTo(networkParams.tankMaxLevelM, 6); // full by 03:00
  });

  it("the booster's suction gauge at the tank's bottom reads the level's head, and follows it down at the morning peak", () => {
    const suction = (hours: number) => normal.truthFor(catalog.device('booster-houwu-suction')!, START + hours * HOUR_MS)!.pressure!;
    for (const hours of [5, 9, 22]) expect(suction(hours)).toBeCloseTo(level(normal, HOUWU_TANK, hours) * KPA_PER_METRE_HEAD, 6);
    expect(suction(9)).toBeLessThan(suction(5) - 0.5); // kPa: the level falls more than 5 cm
  });

  it('a plant trip upstream drains the break tank (its feed main loses pressure) and fills the clear well (its pump stops); both recover', () => {
    expect(level(plantTrip, HOUWU_TANK, 6)).toBe(level(normal, HOUWU_TANK, 6));
    expect(level(plantTrip, HOUWU_TANK, 7)).toBeLessThan(level(normal, HOUWU_TANK, 7) - 0.05);
    expect(level(plantTrip, SOUTH_WELL, 7)).toBeGreaterThan(level(normal, SOUTH_WELL, 7) + 0.05);
    expect(level(plantTrip, HOUWU_TANK, 27)).toBeCloseTo(level(normal, HOUWU_TANK, 27), 6);
    expect(level(plantTrip, SOUTH_WELL, 27)).toBeCloseTo(level(normal, SOUTH_WELL, 27), 6);
  });

  it('its own booster tripping stops the draw: the break tank stays full through the morning peak, and draws down at the evening one as any day', () => {
    expect(level(boosterTrip, HOUWU_TANK, 8)).toBeCloseTo(networkParams.tankMaxLevelM, 6);
    expect(level(normal, HOUWU_TANK, 8)).toBeLessThan(networkParams.tankMaxLevelM - 0.04);
    expect(level(boosterTrip, HOUWU_TANK, 21)).toBeLessThan(networkParams.tankMaxLevelM - 0.05);
    expect(level(boosterTrip, HOUWU_TANK, 21)).toBeCloseTo(level(normal, HOUWU_TANK, 21), 6);
  });
});
