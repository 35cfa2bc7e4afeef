import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { simulatorConfigSchema } from '../config.ts';
import { countyNetwork } from './network-inp.ts';
import { HOUR_MS, sampleCatalog } from '../fixtures.ts';
import { hydraulicsConfigSchema, stateAt } from './config.ts';

describe('hydraulics config', () => {
  const config = hydraulicsConfigSchema.parse({
    events: [
      { kind: 'burst', node: 'main-tongmen-dn300', startsAfter: '2h' },
      { kind: 'valve', link: 'pipe-xiwan-tap', startsAfter: '3h', durationMs: '1h' },
      { kind: 'pump-trip', pump: 'pump-booster-houwu', startsAfter: '4h', durationMs: '30m' },
      { kind: 'dosing-failure', plant: 'north-plant', startsAfter: '5h', durationMs: '2h' },
    ],
  });

  it('defaults a 5-minute step, a burst coefficient and a dosing failure residual', () => {
    expect(config.stepMs).toBe(300_000);
    expect(config.events[0]).toMatchObject({ coefficient: 3, startsAfter: 2 * HOUR_MS });
    expect(config.events[3]).toMatchObject({ residualFactor: 0.15 });
  });

  it.each([
    [1, { bursts: 0, valves: 0, trippedPumps: 0 }],
    [2.5, { bursts: 1, valves: 0, trippedPumps: 0 }],
    [3.5, { bursts: 1, valves: 1, trippedPumps: 0 }],
    [4.25, { bursts: 1, valves: 0, trippedPumps: 1 }],
    [6, { bursts: 1, valves: 0, trippedPumps: 0, dosingFailures: 1 }],
  ])('at %s h the right events are in force', (hours, counts) => {
    const state = stateAt(config.events, 0, hours * HOUR_MS);
    const failures = state.dosingFailures?.length ?? 0;
    expect({
      bursts: state.bursts?.length,
      valves: state.valves?.length,
      trippedPumps: state.trippedPumps?.length,
      ...(failures > 0 && { dosingFailures: failures }),
    }).toEqual(counts);
  });

  it('rejects an unknown event kind', () => {
    expect(hydraulicsConfigSchema.safeParse({ events: [{ kind: 'flood', startsAfter: 0 }] }).success).toBe(false);
  });
});

describe('sample hydraulic configuration', () => {
  it('parses, and every event names a node, link or pump of the county network', async () => {
    const text = await readFile(new URL('../sample/simulate-hydraulic.yaml', import.meta.url), 'utf8');
    const config = simulatorConfigSchema.parse(parse(text));
    const network = countyNetwork(await sampleCatalog());
    const nodes = new Set(network.nodes.map((n) => n.id));
    const links = new Set(network.links.map((l) => l.id));
    const events = config.hydraulics?.events ?? [];
    expect(events.map((e) => e.kind)).toEqual(['burst', 'valve', 'pump-trip', 'dosing-failure', 'valve', 'valve']);
    for (const e of events) {
      const ok =
        e.kind === 'burst' ? nodes.has(e.node)
        : e.kind === 'dosing-failure' ? nodes.has(e.plant)
        : links.has(e.kind === 'valve' ? e.link : e.pump);
      expect(ok, JSON.stringify(e)).toBe(true);
    }
  });
});
