import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Catalog } from '../network/catalog.ts';
import { selectDevices, simulatorConfigSchema } from './config.ts';
import { sampleCatalog } from './fixtures.ts';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await sampleCatalog();
});

describe('simulator config', () => {
  it('fills visible defaults', () => {
    expect(simulatorConfigSchema.parse({})).toEqual({
      brokerUrl: 'mqtt://127.0.0.1:1883',
      seed: 1,
      speed: 1,
      backfillMs: 86_400_000,
      scenarios: [],
      devices: [],
      maxInFlightPerDevice: 10,
      connectTimeoutMs: 10_000,
      reconnectPeriodMs: 1000,
      stopTimeoutMs: 5000,
    });
  });

  it.each([
    [{ brokerUrl: 'localhost:1883' }, 'brokerUrl'],
    [{ speed: 0 }, 'speed'],
    [{ seed: -1 }, 'seed'],
    [{ scenarios: [{ kind: 'flood' }] }, 'scenarios'],
    [{ speeed: 10 }, 'speeed'],
  ])('refuses %j', (input, field) => {
    const parsed = simulatorConfigSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(field);
  });

  it('parses the sample configuration', async () => {
    const text = await readFile(new URL('./sample/simulate.yaml', import.meta.url), 'utf8');
    const parsed = simulatorConfigSchema.safeParse(parse(text));
    expect(parsed.success && parsed.data.scenarios[0]).toMatchObject({ kind: 'yellow-water', village: 'tongmen', peakNtu: 6 });
  });

  it('describes every field', () => {
    for (const [name, field] of Object.entries(simulatorConfigSchema.shape)) expect(field.description, name).toBeTruthy();
  });
});

describe('device selection', () => {
  it.each([
    ['everything when empty', [], 70],
    ['one device', ['tongmen-end-tap-wq'], 1],
    ['a site brings its devices', ['north-plant'], 9],
    ['a village brings every site in it', ['tongmen'], 6],
    ['overlaps count once', ['tongmen', 'tongmen-tap-wq'], 6],
  ])('%s', (_name, filter, count) => {
    const selection = selectDevices(catalog, filter);
    expect(selection.ok && selection.devices.length).toBe(count);
  });

  it('names what it does not know', () => {
    expect(selectDevices(catalog, ['tongmen', 'atlantis', 'nope-wq'])).toEqual({ ok: false, unknown: ['atlantis', 'nope-wq'] });
  });
});
