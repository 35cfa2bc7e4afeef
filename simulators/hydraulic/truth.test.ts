import { describe, expect, it } from 'vitest';
import { HOUR_MS, sampleCatalog } from '../fixtures.ts';
import { hydraulicsConfigSchema } from './config.ts';
import { DOSING_RECOVERY_MS, hydraulicTruth } from './truth.ts';

describe('hydraulic events ground truth', () => {
  it('a dosing failure covers its plant zone until its oldest water has been replaced', async () => {
    const catalog = await sampleCatalog();
    const { events } = hydraulicsConfigSchema.parse({ events: [{ kind: 'dosing-failure', plant: 'south-plant', startsAfter: '6h', durationMs: '2h' }] });
    const [record] = hydraulicTruth(events, catalog, 0);
    const south = [...catalog.sites.values()].filter((s) => s.zone === 'south').map((s) => s.id);
    expect(record).toMatchObject({ kind: 'dosing-failure', name: 'dosing-failure@south-plant', startMs: 6 * HOUR_MS, endMs: 8 * HOUR_MS + DOSING_RECOVERY_MS });
    expect(record!.affectedSites).toEqual(south);
    expect(record!.affectedDevices).toContain('houwu-tap-wq');
    expect(record!.affectedDevices).not.toContain('tongmen-tap-wq');
  });

  it('rejects a dosing failure at a site not in the catalog', async () => {
    const { events } = hydraulicsConfigSchema.parse({ events: [{ kind: 'dosing-failure', plant: 'east-plant', startsAfter: 0 }] });
    const catalog = await sampleCatalog();
    expect(() => hydraulicTruth(events, catalog, 0)).toThrow(/east-plant/);
  });
});
