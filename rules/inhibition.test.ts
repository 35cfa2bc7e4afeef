import { describe, expect, it } from 'vitest';
import type { Site } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { Inhibitions, withheldFrom } from './inhibition.ts';
import type { RuleReading } from './router.ts';

const site: Site = { id: 'tongmen-tap', name: 'tap', kind: 'tap', township: 'tongmen', zone: 'north', location: { lat: 29.5, lon: 119.7 } };
const reading = (device: string, values: Partial<Record<MetricName, number>>): RuleReading => ({
  device: { id: device, site },
  ts: 0,
  values: new Map(Object.entries(values) as [MetricName, number][]),
});
const seen = (inhibitions: Inhibitions, at: RuleReading) => {
  const passed = inhibitions.withhold(at);
  return { values: Object.fromEntries(passed.values), withheld: at.values.size - passed.values.size };
};

describe('Inhibitions', () => {
  it('withholds the held metric of the held device only', () => {
    const inhibitions = new Inhibitions();
    inhibitions.hold('saturated/tongmen-tap/wq', 'wq', 'turbidity');
    expect(seen(inhibitions, reading('wq', { turbidity: 4000, free_chlorine: 0.3 }))).toEqual({ values: { free_chlorine: 0.3 }, withheld: 1 });
    expect(seen(inhibitions, reading('wq2', { turbidity: 3 }))).toEqual({ values: { turbidity: 3 }, withheld: 0 });
    expect(inhibitions.size()).toBe(1);
  });

  it('passes the reading itself when nothing it carries is held', () => {
    const inhibitions = new Inhibitions();
    const plain = reading('wq', { ph: 7 });
    expect(inhibitions.withhold(plain)).toBe(plain);
    inhibitions.hold('flat/tongmen-tap/wq', 'wq', 'turbidity');
    expect(inhibitions.withhold(plain)).toBe(plain);
  });

  it('holds while any inhibiting fingerprint holds; a release ends only its own hold', () => {
    const inhibitions = new Inhibitions();
    inhibitions.hold('saturated/s/wq', 'wq', 'turbidity');
    inhibitions.hold('flatline/s/wq', 'wq', 'turbidity');
    inhibitions.hold('flatline/s/wq', 'wq', 'turbidity'); // every update holds again: no double count
    inhibitions.release('saturated/s/wq');
    expect(seen(inhibitions, reading('wq', { turbidity: 1 })).withheld).toBe(1);
    inhibitions.release('flatline/s/wq');
    inhibitions.release('flatline/s/wq');
    expect(seen(inhibitions, reading('wq', { turbidity: 1 })).withheld).toBe(0);
    expect(inhibitions.size()).toBe(0);
  });

  it('withheldFrom is pure: the input reading is unchanged', () => {
    const original = reading('wq', { turbidity: 3, color: 20 });
    const result = withheldFrom(original, new Set<MetricName>(['color']));
    expect([...result.values.keys()]).toEqual(['turbidity']);
    expect([...original.values.keys()]).toEqual(['turbidity', 'color']);
  });
  it('holds back the watch tickets of a group\'s members until the group resolves', () => {
    const inhibitions = new Inhibitions();
    const group = 'devices-silent-together/township-tongmen';
    expect(inhibitions.holdWatches(group, ['device-silent'], ['wq', 'pt'])).toBe(true);
    expect(inhibitions.holdWatches(group, ['device-silent'], ['pt', 'wq'])).toBe(false); // the same members
    expect([inhibitions.watchHeld('device-silent', 'wq'), inhibitions.watchHeld('device-silent', 'lvl'), inhibitions.watchHeld('other', 'wq')]).toEqual([true, false, false]);
    expect(inhibitions.holdWatches(group, ['device-silent'], ['wq', 'pt', 'lvl'])).toBe(true); // a member joined
    expect(inhibitions.heldWatches()).toBe(3);
    // Readings are not withheld: a held device's data still reaches every rule.
    expect(seen(inhibitions, reading('wq', { turbidity: 3 }))).toEqual({ values: { turbidity: 3 }, withheld: 0 });
    expect(inhibitions.release(group)).toBe(true);
    expect([inhibitions.watchHeld('device-silent', 'wq'), inhibitions.heldWatches(), inhibitions.release(group)]).toEqual([false, 0, false]);
  });
});
