import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { sampleCatalog } from './fixtures.ts';
import { deviceRole, distanceKm, siteProfiles, type SiteProfile } from './site-profile.ts';

let catalog: Catalog;
let profiles: Map<string, SiteProfile>;
beforeAll(async () => {
  catalog = await sampleCatalog();
  profiles = siteProfiles(catalog);
});

describe('site profiles', () => {
  it('measures great-circle distances', () => {
    // One minute of latitude is one nautical mile.
    expect(distanceKm({ lat: 29, lon: 119 }, { lat: 29 + 1 / 60, lon: 119 })).toBeCloseTo(1.853, 2);
  });

  it.each([
    ['shangyuan-tap', 'booster-shangyuan'],
    ['lingxia-tap', 'booster-lingxia'],
    ['zhukeng-tap', 'booster-lingxia'],
    ['houwu-tap', 'booster-houwu'],
    ['chayuan-tap', 'booster-houwu'],
    ['tongmen-tap', undefined],
    ['baishan-tap', undefined],
    ['main-shangyuan-dn300', undefined],
  ])('%s is fed through %s', (site, booster) => {
    expect(profiles.get(site)?.booster?.siteId).toBe(booster);
  });

  it.each([
    ['main-north-dn600', 600],
    ['main-baishan-dn200', 200],
    ['tongmen-tap', undefined],
  ])('%s has a DN %s pipe', (site, dn) => {
    expect(profiles.get(site)?.pipeDnMm).toBe(dn);
  });

  it('puts plants at distance 0 and taps farther away', () => {
    expect(profiles.get('north-plant')?.distanceKm).toBe(0);
    expect(profiles.get('tongmen-end-tap')?.distanceKm).toBeGreaterThan(profiles.get('tongmen-tap')?.distanceKm ?? Infinity);
  });

  it.each([
    ['booster-houwu-suction', 'suction'],
    ['booster-houwu-discharge', 'discharge'],
    ['tongmen-tap-pt', 'inline'],
  ])('%s reads the %s side', (deviceId, role) => {
    const device = catalog.device(deviceId);
    if (!device) throw new Error(deviceId);
    expect(deviceRole(device)).toBe(role);
  });
});
