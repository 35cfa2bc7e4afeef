/** The incident and fault scenarios against the sample county: their ground truth, windows and effects. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../network/catalog.ts';
import { HOUR_MS, MINUTE_MS, sampleCatalog } from '../fixtures.ts';
import { createRandom } from '../random.ts';
import { siteProfiles } from '../site-profile.ts';
import { createScenarios, scenarioConfigSchema } from './registry.ts';
import type { Scenario } from './scenario.ts';

const T0 = Date.UTC(2026, 11, 1);
let catalog: Catalog;
beforeAll(async () => {
  catalog = await sampleCatalog();
});

const create = (config: unknown): Scenario => createScenarios([scenarioConfigSchema.parse(config)], { catalog, profiles: siteProfiles(catalog), simStartMs: T0, rng: createRandom(1) })[0]!;

describe('sensor-fault', () => {
  it('disturbs only its device, only in its window, on the metric it names', () => {
    const s = create({ kind: 'sensor-fault', device: 'tongmen-tap-wq', fault: 'flatline', startsAfter: '1h', durationMs: '2h' });
    expect(s.groundTruth).toMatchObject({ kind: 'sensor-fault', name: 'flatline@tongmen-tap-wq', startMs: T0 + HOUR_MS, endMs: T0 + 3 * HOUR_MS, affectedDevices: ['tongmen-tap-wq'], details: { fault: 'flatline', metric: 'turbidity' } });
    expect(s.deviceAt!('tongmen-tap-wq', T0 + 30 * MINUTE_MS)).toBeUndefined();
    expect(s.deviceAt!('tongmen-tap-wq', T0 + 2 * HOUR_MS)).toMatchObject({ fault: { fault: 'flatline', metric: 'turbidity' } });
    expect(s.deviceAt!('tongmen-tap-wq', T0 + 3 * HOUR_MS)).toBeUndefined();
    expect(s.deviceAt!('dongqiao-tap-wq', T0 + 2 * HOUR_MS)).toBeUndefined();
    expect(s.effectAt('tongmen-tap', T0 + 2 * HOUR_MS)).toBeUndefined();
  });

  it('skews the clock instead for clock-skew, and refuses a metric the device lacks', () => {
    expect(create({ kind: 'sensor-fault', device: 'tongmen-tap-wq', fault: 'clock-skew', size: 600_000 }).deviceAt!('tongmen-tap-wq', T0 + 2 * HOUR_MS)).toEqual({ skewMs: 600_000 });
    expect(() => create({ kind: 'sensor-fault', device: 'tongmen-tap-wq', fault: 'drift', metric: 'level' })).toThrow(/does not measure level/);
    expect(() => create({ kind: 'sensor-fault', device: 'nowhere', fault: 'drift' })).toThrow(/unknown device "nowhere"/);
  });
});

describe('device-offline and link-loss', () => {
  it('takes one device down, buffering by default', () => {
    const s = create({ kind: 'device-offline', device: 'tongmen-tap-wq' });
    expect(s.groundTruth).toMatchObject({ kind: 'device-offline', village: 'tongmen', endMs: T0 + 2 * HOUR_MS, affectedDevices: ['tongmen-tap-wq'] });
    expect(s.deviceAt!('tongmen-tap-wq', T0 + 90 * MINUTE_MS)).toEqual({ linkDown: { buffers: true } });
  });

  it('takes every device of a township down and none elsewhere, without buffers by default', () => {
    const s = create({ kind: 'link-loss', township: 'tongmen', durationMs: '30m' });
    const members = [...catalog.devices.values()].filter((d) => d.site.township === 'tongmen').map((d) => d.id);
    expect(members.length).toBeGreaterThan(5);
    expect(s.groundTruth).toMatchObject({ kind: 'link-loss', township: 'tongmen', affectedDevices: members, endMs: T0 + 90 * MINUTE_MS });
    for (const id of members) expect(s.deviceAt!(id, T0 + 70 * MINUTE_MS)).toEqual({ linkDown: { buffers: false } });
    const outsider = [...catalog.devices.values()].find((d) => d.site.township !== 'tongmen')!;
    expect(s.deviceAt!(outsider.id, T0 + 70 * MINUTE_MS)).toBeUndefined();
    expect(() => create({ kind: 'link-loss', township: 'atlantis' })).toThrow(/unknown township/);
  });
});

describe('dosing-failure', () => {
  it('drops the outlet residual first and the far sites of the zone later, then restores them in the same order', () => {
    const s = create({ kind: 'dosing-failure', startsAfter: '1h', durationMs: '4h', residualFactor: 0.1 });
    const plant = [...catalog.sites.values()].find((x) => x.kind === 'plant')!;
    expect(s.groundTruth).toMatchObject({ kind: 'dosing-failure', name: `dosing-failure@${plant.id}` });
    const delays = s.groundTruth.details.delayMinBySite as Record<string, number>;
    const far = Object.entries(delays).sort(([, a], [, b]) => b - a)[0]![0];
    expect(delays[plant.id]).toBe(0);
    expect(delays[far]).toBeGreaterThan(30);
    const factor = (site: string, minutes: number) => s.effectAt(site, T0 + minutes * MINUTE_MS)?.chlorineFactor ?? 1;
    expect(factor(plant.id, 59)).toBe(1);
    expect(factor(plant.id, 60 + 20)).toBeCloseTo(0.1);
    expect(factor(far, 60 + 20)).toBe(1); // not there yet
    expect(factor(far, 60 + delays[far]! + 20)).toBeCloseTo(0.1, 1);
    expect(factor(plant.id, 300 + 20)).toBe(1); // dosing back
    expect(factor(far, 300 + 20)).toBeCloseTo(0.1, 1); // the under-dosed water still on its way
    expect(s.groundTruth.endMs).toBeGreaterThanOrEqual(T0 + (300 + delays[far]! - 1 + 20) * MINUTE_MS);
    expect(Number.isInteger(s.groundTruth.endMs)).toBe(true);
    expect(() => create({ kind: 'dosing-failure', plant: 'tongmen-tap' })).toThrow(/not a plant/);
  });
});

describe('quiet', () => {
  it('is a week of nothing, spanning every site', () => {
    const s = create({ kind: 'quiet', startsAfter: 0 });
    expect(s.groundTruth).toMatchObject({ kind: 'quiet', startMs: T0, endMs: T0 + 7 * 24 * HOUR_MS });
    expect(s.groundTruth.affectedSites).toHaveLength(catalog.sites.size);
    expect(s.effectAt('tongmen-tap', T0 + HOUR_MS)).toBeUndefined();
  });
});
