import { describe, expect, it } from 'vitest';
import { plantEffect, plantScenarioArgSchema, plantScenarioSchema } from './scenarios.ts';

const MINUTE = 60_000;

describe('plant scenarios', () => {
  const breakthrough = plantScenarioSchema.parse({ kind: 'filter-breakthrough', filter: 2, startsAfter: 10 * MINUTE, rampMs: 10 * MINUTE });
  it.each([
    [5, undefined, undefined],
    [15, undefined, 0.5],
    [30, undefined, 1],
    [30, 25, undefined],
    [30, 5, 1],
  ])('a breakthrough at minute %d, backwashed at %s, climbs %s', (minute, washedMinute, climb) => {
    const effect = plantEffect([breakthrough], 0, minute * MINUTE, () => (washedMinute === undefined ? undefined : washedMinute * MINUTE));
    expect(effect.breakthrough.get(2)).toBe(climb);
  });

  it('stops the chlorine pump for its duration, and a storm peaks then halves', () => {
    const pump = plantScenarioSchema.parse({ kind: 'chlorine-pump-failure', startsAfter: 0, durationMs: 60 * MINUTE });
    expect(plantEffect([pump], 0, 30 * MINUTE, () => undefined).chlorinePumpRunning).toBe(false);
    expect(plantEffect([pump], 0, 90 * MINUTE, () => undefined).chlorinePumpRunning).toBe(true);
    const storm = plantScenarioSchema.parse({ kind: 'storm', startsAfter: 0, riseMs: 60 * MINUTE, peakRawNtu: 100, halfLifeMs: 60 * MINUTE });
    expect(plantEffect([storm], 0, 60 * MINUTE, () => undefined).rawNtu).toBe(100);
    expect(plantEffect([storm], 0, 120 * MINUTE, () => undefined).rawNtu).toBe(50);
  });

  it('parses the command-line form', () => {
    expect(plantScenarioArgSchema.parse('filter-breakthrough:filter=3,startsAfter=10m,peakNtu=6')).toMatchObject({ kind: 'filter-breakthrough', filter: 3, startsAfter: 10 * MINUTE, peakNtu: 6 });
    expect(plantScenarioArgSchema.safeParse('filter-breakthrough:filter=9').success).toBe(false);
  });
});
