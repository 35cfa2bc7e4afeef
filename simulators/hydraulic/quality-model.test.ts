import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, LOCAL_MIDNIGHT_MS, MINUTE_MS, sampleCatalog } from '../fixtures.ts';
import { hydraulicsConfigSchema, stateAt } from './config.ts';
import { countyNetwork, type CountyNetwork } from './network-inp.ts';
import { QualityModel, type WaterQuality } from './quality-model.ts';

const START = LOCAL_MIDNIGHT_MS;
const STEP_MS = 5 * MINUTE_MS;
const FAILURE_AT_MS = START + 6 * HOUR_MS;
const { events } = hydraulicsConfigSchema.parse({
  events: [{ kind: 'dosing-failure', plant: 'south-plant', residualFactor: 0.15, startsAfter: '6h', durationMs: '2h' }],
});

/** Every step's water from START to START + hours, under `withEvents`. */
async function run(network: CountyNetwork, hours: number, withEvents: boolean): Promise<WaterQuality[]> {
  const model = await QualityModel.create(network, START, STEP_MS);
  const steps: WaterQuality[] = [];
  for (let t = START; t <= START + hours * HOUR_MS; t += STEP_MS) steps.push(model.at(t, (s) => (withEvents ? stateAt(events, START, s) : {})));
  model.close();
  return steps;
}

const hoursOf = (step: number) => (step * STEP_MS) / HOUR_MS;
let network: CountyNetwork;
let normal: WaterQuality[];
let failed: WaterQuality[];

beforeAll(async () => {
  network = countyNetwork(await sampleCatalog());
  [normal, failed] = [await run(network, 20, false), await run(network, 20, true)];
});

describe('water quality from the EPANET extended-period run', () => {
  it('a tap far from the plant, behind a booster tank, holds older water and less chlorine than one near it', () => {
    const water = normal[6 * 12]!; // 06:00
    expect(water.ageH('baishan-tap')).toBeLessThan(8);
    expect(water.ageH('chayuan-tap')).toBeGreaterThan(water.ageH('baishan-tap') + 24);
    expect(water.freeChlorineMgL('chayuan-tap')).toBeLessThan(water.freeChlorineMgL('baishan-tap') - 0.2);
  });

  it('every plant, main, booster and tap holds 0.05-2 mg/L free chlorine (GB 5749-2022 Table 2 band), the plants 0.7', () => {
    const water = normal[normal.length - 1]!;
    const nodes = network.nodes.filter((n) => !n.id.endsWith('-reservoir'));
    for (const node of nodes) {
      expect(water.freeChlorineMgL(node.id), node.id).toBeGreaterThanOrEqual(0.05);
      expect(water.freeChlorineMgL(node.id), node.id).toBeLessThanOrEqual(2);
    }
    expect(water.freeChlorineMgL('south-plant')).toBeCloseTo(0.7, 6);
  });
});

describe('a dosing failure at the south plant, 06:00-08:00', () => {
  /** Hours after the failure began when the tap's chlorine first falls below 80 % of the normal run's. */
  const arrivalH = (nodeId: string) => {
    const step = failed.findIndex((w, i) => w.freeChlorineMgL(nodeId) < 0.8 * normal[i]!.freeChlorineMgL(nodeId));
    return step < 0 ? Infinity : hoursOf(step) - (FAILURE_AT_MS - START) / HOUR_MS;
  };

  it('drops the plant outlet at once to 15 % of its setpoint', () => {
    expect(arrivalH('south-plant')).toBeLessThanOrEqual(STEP_MS / HOUR_MS);
    expect(failed[7 * 12]!.freeChlorineMgL('south-plant')).toBeCloseTo(0.105, 6);
  });

  it('reaches a tap when the water there is as old as the failure, a farther tap later', () => {
    for (const tap of ['baishan-tap', 'qianyang-tap']) {
      const arrival = arrivalH(tap);
      const ageOnArrival = normal[Math.round((6 + arrival) * 12)]!.ageH(tap);
      expect(arrival, tap).toBeGreaterThan(1);
      expect(Math.abs(arrival - ageOnArrival), tap).toBeLessThan(0.25);
    }
    expect(arrivalH('qianyang-tap')).toBeGreaterThan(arrivalH('baishan-tap') + 1);
    const lowest = Math.min(...failed.map((w) => w.freeChlorineMgL('baishan-tap')));
    expect(lowest).toBeLessThan(0.3); // below GB 5749-2022's 0.3 mg/L plant-outlet minimum
  });

  it('leaves the other zone alone', () => {
    for (let i = 0; i < failed.length; i++) expect(failed[i]!.freeChlorineMgL('tongmen-tap')).toBe(normal[i]!.freeChlorineMgL('tongmen-tap'));
  });
});
