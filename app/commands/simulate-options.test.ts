import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseFlags } from '../cli-options.ts';
import { demoOptionsSchema, simulateOptionsSchema, simulatorOverrides, simulatorSettings } from './simulate-options.ts';

const sample = async () => parse(await readFile(new URL('../../simulators/sample/simulate.yaml', import.meta.url), 'utf8')) as unknown;

/** The flags as the command line gives them: the options checked, and which were given. */
function flags(values: Record<string, unknown>) {
  const parsed = parseFlags(simulateOptionsSchema, values);
  if (!parsed.ok) throw new Error(parsed.problems);
  return simulatorOverrides(parsed.value, new Set(Object.keys(values)));
}

describe('clearwater simulate -c FILE', () => {
  it('runs the sample file as written', async () => {
    const settings = simulatorSettings(await sample(), flags({}));
    expect(settings.ok && settings.config).toMatchObject({ brokerUrl: 'mqtt://127.0.0.1:1883', seed: 42, speed: 600, backfillMs: 86_400_000, devices: [] });
    expect(settings.ok && settings.config.scenarios).toEqual([expect.objectContaining({ kind: 'yellow-water', village: 'tongmen', startsAfter: 22 * 3_600_000, durationMs: 6 * 3_600_000 })]);
  });

  it('lets the flags given override the file, and only those', async () => {
    const overrides = flags({ broker: 'mqtt://broker.lan:1883', seed: '7', only: ['tongmen'], scenario: ['yellow-water:village=dongqiao'], backfill: '90' });
    const settings = simulatorSettings(await sample(), overrides);
    expect(settings.ok && settings.config).toMatchObject({ brokerUrl: 'mqtt://broker.lan:1883', seed: 7, speed: 600, devices: ['tongmen'], backfillMs: 90 * 60_000 });
    expect(settings.ok && settings.config.scenarios).toEqual([expect.objectContaining({ kind: 'yellow-water', village: 'dongqiao' })]);
  });

  it('without a file is the flags on the simulator defaults', () => {
    const settings = simulatorSettings(undefined, flags({ speed: '60' }));
    expect(settings.ok && settings.config).toMatchObject({ brokerUrl: 'mqtt://127.0.0.1:1883', seed: 1, speed: 60, backfillMs: 86_400_000, scenarios: [] });
  });

  it.each([
    [{ speed: 0, seeed: 3, scenarios: [{ kind: 'flood' }] }, ['speed', 'seeed', 'scenarios']],
    [['speed: 600'], ['mapping']],
    ['speed 600', ['mapping']],
  ])('reports every problem of the file %j at once', (document, fields) => {
    const settings = simulatorSettings(document, {});
    expect(settings.ok).toBe(false);
    for (const field of fields) expect(!settings.ok && settings.problems).toContain(field);
  });
});

describe('clearwater demo options', () => {
  it('default to six hours of history at 120× with yellow water at Tongmen', () => {
    const parsed = parseFlags(demoOptionsSchema, {});
    expect(parsed.ok && parsed.value).toMatchObject({ speed: 120, seed: 1, backfill: 360, only: [] });
    expect(parsed.ok && parsed.value.scenario).toEqual([expect.objectContaining({ kind: 'yellow-water', village: 'tongmen', startsAfter: 30 * 60_000, durationMs: 3 * 3_600_000 })]);
  });

  it('take a scenario given instead of the default one', () => {
    const parsed = parseFlags(demoOptionsSchema, { scenario: ['yellow-water:village=dongqiao,peakNtu=8'] });
    expect(parsed.ok && parsed.value.scenario).toEqual([expect.objectContaining({ village: 'dongqiao', peakNtu: 8 })]);
  });
});
