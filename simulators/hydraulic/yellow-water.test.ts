import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../network/catalog.ts';
import { HOUR_MS, LOCAL_MIDNIGHT_MS, MINUTE_MS, sampleCatalog } from '../fixtures.ts';
import { hydraulicsConfigSchema } from './config.ts';
import { HydraulicModel } from './model.ts';
import { countyNetwork, type CountyNetwork } from './network-inp.ts';
import { createHydraulicSolver } from './solver.ts';
import { createNetworkModel } from '../network-model.ts';
import { findEpisodes } from './discolouration.ts';
import { predictYellowWater, stepsAt, usualPeakVelocities, yellowWaterAt, yellowWaterTruth } from './yellow-water.ts';

const START = LOCAL_MIDNIGHT_MS;
const STEP_MS = 5 * MINUTE_MS;
/** Tongmen's feed is closed at 06:00 for 3 h and its tie to the Shangyuan DN300 opened: the village is fed the long way round. */
const reroute = hydraulicsConfigSchema.parse({
  events: [
    { kind: 'valve', link: 'pipe-main-tongmen-dn300', closed: true, startsAfter: '6h', durationMs: '3h' },
    { kind: 'valve', link: 'tie-main-tongmen-dn300', closed: false, startsAfter: '6h', durationMs: '3h' },
  ],
}).events;
let catalog: Catalog;
let network: CountyNetwork;
let model: HydraulicModel;

beforeAll(async () => {
  catalog = await sampleCatalog();
  network = countyNetwork(catalog);
  model = await HydraulicModel.create(network);
});
afterAll(() => model.close());

const predict = (events: typeof reroute) => predictYellowWater({ model, network, events, simStartMs: START, stepMs: STEP_MS });
const turbidityAt = (episodes: ReturnType<typeof predict>, node: string, hours: number) => yellowWaterAt(episodes, node, START + hours * HOUR_MS).turbidity;

describe('yellow water from the velocities of the EPANET model', () => {
  it('a valve operation rerouting Tongmen through the tie stirs up its deposits: tap turbidity passes 1 NTU, then decays over hours', () => {
    const episodes = predict(reroute);
    expect(episodes.map((e) => e.linkId)).toContain('tie-main-tongmen-dn300');
    const hours = Array.from({ length: 24 * 12 }, (_, i) => i / 12);
    const series = hours.map((h) => turbidityAt(episodes, 'tongmen-tap', h));
    const peak = Math.max(...series);
    const peakH = hours[series.indexOf(peak)]!;
    expect(peak).toBeGreaterThan(1); // GB 5749-2022 Table 1: turbidity ≤ 1 NTU
    expect(turbidityAt(episodes, 'tongmen-tap', 6)).toBe(0); // not before the water has come down the main
    expect(peakH).toBeGreaterThan(6);
    expect(turbidityAt(episodes, 'tongmen-tap', peakH + 2)).toBeLessThan(0.6 * peak);
    expect(turbidityAt(episodes, 'tongmen-tap', peakH + 8)).toBeLessThan(0.1 * peak);
    expect(Math.max(...hours.map((h) => turbidityAt(episodes, 'houwu-tap', h)))).toBe(0); // another zone
  });

  it('normal diurnal flow moves no deposits, nor does closing a service pipe (less flow, not more)', () => {
    const closeXiwan = hydraulicsConfigSchema.parse({ events: [{ kind: 'valve', link: 'pipe-xiwan-tap', startsAfter: '6h', durationMs: '3h' }] }).events;
    const input = { model, network, events: [], simStartMs: START, stepMs: STEP_MS };
    // The next day, every 5 min between the steps the peaks were taken at.
    const nextDay = Array.from({ length: 24 * 12 }, (_, i) => START + 24 * HOUR_MS + i * STEP_MS + STEP_MS / 2);
    expect(findEpisodes(stepsAt(input, nextDay), usualPeakVelocities(input))).toEqual([]);
    expect(predict(closeXiwan)).toEqual([]);
  });

  it('a burst at the morning peak stirs the Tongmen DN300 as a valve operation would; one at night reaches no tap', () => {
    const burstAt = (startsAfter: string) => predict(hydraulicsConfigSchema.parse({ events: [{ kind: 'burst', node: 'main-tongmen-dn300', coefficient: 3, startsAfter, durationMs: '2h' }] }).events);
    const morning = burstAt('7h');
    expect(Math.max(...Array.from({ length: 24 * 12 }, (_, i) => turbidityAt(morning, 'tongmen-tap', i / 12)))).toBeGreaterThan(1);
    expect(yellowWaterTruth(morning, catalog).map((r) => r.name)).toContain('yellow-water@main-tongmen-dn300');
    // At night the burst lifts the main's velocity too, but the stirred water gets no further
    // than the main before the burst is over: no tap turns turbid, so no yellow-water incident.
    expect(yellowWaterTruth(burstAt('3h'), catalog)).toEqual([]);
  });

  it('writes one yellow-water record per stirred main, over the sites its water reaches', () => {
    const records = yellowWaterTruth(predict(reroute), catalog);
    // The Shangyuan DN300 is stirred too, but its water only reaches the boosters' break tanks.
    expect(records.map((r) => r.name)).toEqual(['yellow-water@main-tongmen-dn300']);
    const tie = records[0]!;
    expect(tie).toMatchObject({ kind: 'yellow-water', village: 'tongmen', startMs: START + 6 * HOUR_MS });
    expect(tie.affectedSites).toEqual(expect.arrayContaining(['main-tongmen-dn300', 'tongmen-tap', 'tongmen-end-tap', 'xiwan-tap', 'dongqiao-tap']));
    expect(tie.affectedDevices).toContain('tongmen-tap-wq');
    expect(tie.endMs).toBeGreaterThan(START + 12 * HOUR_MS);
  });

  it('reaches a tap analyser through the solver: turbidity, colour and iron up while its pressure and chlorine stay modelled', async () => {
    const solver = await createHydraulicSolver(catalog, hydraulicsConfigSchema.parse({ events: reroute }), START);
    try {
      const signal = createNetworkModel(catalog, { seed: 1, simStartMs: START, scenarios: [], hydraulics: solver }).signal('tongmen-tap-wq');
      const before = signal.sample(START + 5 * HOUR_MS);
      const during = signal.sample(START + 7 * HOUR_MS);
      expect(before.turbidity!).toBeLessThan(0.5);
      expect(during.turbidity!).toBeGreaterThan(1);
      expect(during.iron!).toBeGreaterThan(before.iron! + 0.2);
      expect(during.color!).toBeGreaterThan(before.color! + 10);
      expect(solver.excessFor(catalog.device('houwu-tap-wq')!, START + 7 * HOUR_MS)).toBeUndefined();
    } finally {
      solver.close();
    }
  });
});
