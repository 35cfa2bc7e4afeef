import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleCatalog, LOCAL_MIDNIGHT_MS, HOUR_MS } from '../fixtures.ts';
import { countyNetwork, toInp } from './network-inp.ts';
import { deviceHydraulics, readsHydraulics } from './device-map.ts';
import { HydraulicModel } from './model.ts';

const NIGHT = LOCAL_MIDNIGHT_MS + 3 * HOUR_MS;
const MORNING = LOCAL_MIDNIGHT_MS + 7 * HOUR_MS;
let model: HydraulicModel;

beforeAll(async () => {
  model = await HydraulicModel.create(countyNetwork(await sampleCatalog()));
});
afterAll(() => model.close());

describe('county network', () => {
  it('is generated deterministically', async () => {
    const catalog = await sampleCatalog();
    expect(toInp(countyNetwork(catalog))).toBe(toInp(countyNetwork(catalog)));
  });

  it('maps every pressure, flow and level device to a node or link of the model', async () => {
    const catalog = await sampleCatalog();
    const solution = model.solve(NIGHT);
    const devices = [...catalog.devices.values()].filter(readsHydraulics);
    expect(devices.length).toBeGreaterThan(20);
    for (const device of devices) {
      const where = deviceHydraulics(device);
      expect(where, device.id).toBeDefined();
      expect(Number.isFinite(solution.pressureKpa(where!.nodeId)), device.id).toBe(true);
      if (device.metrics.has('flow')) expect(Number.isFinite(solution.flowM3h(where!.linkId!)), device.id).toBe(true);
    }
  });
});

describe('hydraulic solution', () => {
  it('pressure is higher at night than at the morning peak', () => {
    expect(model.solve(NIGHT).pressureKpa('dongqiao-tap')).toBeGreaterThan(model.solve(MORNING).pressureKpa('dongqiao-tap'));
  });

  it('a burst lowers pressure at its node, raises flow on its feeding main, a neighbour drops less', () => {
    const before = model.solve(NIGHT);
    const after = model.solve(NIGHT, { bursts: [{ nodeId: 'main-tongmen-dn300', coefficient: 5 }] });
    const drop = (id: string) => before.pressureKpa(id) - after.pressureKpa(id);
    expect(drop('main-tongmen-dn300')).toBeGreaterThan(30);
    expect(after.flowM3h('pipe-main-tongmen-dn300')).toBeGreaterThan(before.flowM3h('pipe-main-tongmen-dn300') + 20);
    expect(drop('main-south-dn500')).toBeLessThan(1);
    const neighbours = ['main-north-dn600', 'main-shangyuan-dn300'].map(drop);
    for (const d of neighbours) expect(d).toBeLessThan(drop('main-tongmen-dn300'));
  });

  it('a booster trip drops the discharge pressure downstream', () => {
    const before = model.solve(NIGHT);
    const after = model.solve(NIGHT, { trippedPumps: ['pump-booster-houwu'] });
    expect(after.pressureKpa('booster-houwu')).toBeLessThan(before.pressureKpa('booster-houwu') - 100);
    expect(after.pressureKpa('houwu-tap')).toBeLessThan(before.pressureKpa('houwu-tap') - 100);
    expect(Math.abs(after.flowM3h('pump-booster-houwu'))).toBeLessThan(0.01);
  });

  it('a valve closure cuts flow on its link; a throttle reduces it', () => {
    const before = model.solve(MORNING);
    const closed = model.solve(MORNING, { valves: [{ linkId: 'pipe-xiwan-tap', closed: true }] });
    expect(before.flowM3h('pipe-xiwan-tap')).toBeGreaterThan(1);
    expect(Math.abs(closed.flowM3h('pipe-xiwan-tap'))).toBeLessThan(0.01);
    const burst = { bursts: [{ nodeId: 'xiwan-tap', coefficient: 3 }] };
    const open = model.solve(MORNING, burst);
    const throttled = model.solve(MORNING, { ...burst, valves: [{ linkId: 'pipe-xiwan-tap', minorLossK: 500 }] });
    expect(throttled.flowM3h('pipe-xiwan-tap')).toBeLessThan(open.flowM3h('pipe-xiwan-tap'));
  });
});
