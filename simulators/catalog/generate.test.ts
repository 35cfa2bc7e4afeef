import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../network/password.ts';
import { checkedCatalog, tapCounty, withPasswordHashes, worksCounty } from './generate.ts';
import { install, instruments } from './instruments.ts';

const placeholder = () => 'scrypt$placeholder';

describe('worksCounty', () => {
  it('gives the asked number of devices, the same county for the same seed, another for another', () => {
    const a = worksCounty({ devices: 500, seed: 's1', passwordHash: placeholder });
    expect(a.devices).toHaveLength(500);
    expect(worksCounty({ devices: 500, seed: 's1', passwordHash: placeholder })).toEqual(a);
    expect(worksCounty({ devices: 500, seed: 's2', passwordHash: placeholder }).sites).not.toEqual(a.sites);
    const catalog = checkedCatalog(a);
    expect(catalog.devices.size).toBe(500);
  });

  it('puts worksPerTownship works in a township and villagesPerWorks villages in a works', () => {
    const file = worksCounty({ devices: 200, seed: 'layout', worksPerTownship: 2, villagesPerWorks: [4, 4], passwordHash: placeholder });
    expect(file.townships).toHaveLength(Math.ceil(file.zones.length / 2));
    const tapsByZone = new Map<string, number>();
    for (const site of file.sites) if (site.kind === 'tap') tapsByZone.set(site.zone, (tapsByZone.get(site.zone) ?? 0) + 1);
    expect(new Set(tapsByZone.values())).toEqual(new Set([4]));
  });
});

describe('tapCounty', () => {
  it('deals one station a tap over the villages, every one at the interval', () => {
    const file = tapCounty({ devices: 12, villages: 5, intervalS: 2, passwordHash: placeholder });
    expect(file.devices.map((d) => d.id).slice(0, 2)).toEqual(['tap-0000-wq', 'tap-0001-wq']);
    expect(new Set(file.devices.map((d) => d.intervalS))).toEqual(new Set([2]));
    expect(file.sites[11]?.village).toBe('village-1');
    expect(checkedCatalog(file).devices.size).toBe(12);
  });
});

describe('withPasswordHashes', () => {
  it('hashes the passwords given and leaves the other devices as they were', async () => {
    const file = tapCounty({ devices: 3, passwordHash: placeholder });
    const hashed = await withPasswordHashes(file, (id) => (id === 'tap-0001-wq' ? 'secret' : undefined), { N: 1024, r: 8, p: 1 });
    expect(hashed.devices.map((d) => d.passwordHash === 'scrypt$placeholder')).toEqual([true, false, true]);
    expect(await verifyPassword('secret', hashed.devices[1]!.passwordHash)).toBe(true);
  });
});

describe('install', () => {
  it('names the device after its site and takes changes', () => {
    expect(install('north-plant', instruments.filterTurbidimeter, { suffix: 'filter2' })).toEqual({
      id: 'north-plant-filter2',
      site: 'north-plant',
      model: 'filter-effluent turbidimeter',
      intervalS: 60,
      metrics: ['filter_turbidity'],
    });
  });
});
