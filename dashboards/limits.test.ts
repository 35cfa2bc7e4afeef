import { describe, expect, it } from 'vitest';
import { burstRules, complianceBand, limitsFor, silentDeviceRules, type LimitRule } from './limits.ts';

const rule = (fields: Partial<LimitRule> & Pick<LimitRule, 'id' | 'kind'>): LimitRule => ({ title: fields.id, titleZh: fields.id, source: `source of ${fields.id}`, ...fields });

const rules: LimitRule[] = [
  rule({ id: 'tap-turbidity', kind: 'threshold', metric: 'turbidity', match: { siteKinds: ['tap'] }, direction: 'above', warning: 1, critical: 4 }),
  // The same levels again (yellow water): counted once.
  rule({ id: 'tap-yellow-water', kind: 'compound', metric: 'turbidity', match: { siteKinds: ['tap'] }, direction: 'above', warning: 1, critical: 4 }),
  rule({ id: 'tap-pressure-low', kind: 'threshold', metric: 'pressure', match: { siteKinds: ['tap'] }, direction: 'below', warning: 140, critical: 100 }),
  rule({ id: 'tap-pressure-drop', kind: 'rate-of-change', metric: 'pressure', match: { siteKinds: ['tap'] }, direction: 'drop' }),
  rule({ id: 'plant-cl-low', kind: 'threshold', metric: 'free_chlorine', match: { siteKinds: ['plant'] }, direction: 'below', warning: 0.3 }),
  rule({ id: 'plant-cl-high', kind: 'threshold', metric: 'free_chlorine', match: { siteKinds: ['plant'] }, direction: 'above', warning: 2 }),
  rule({ id: 'plant-ph', kind: 'range', metric: 'ph', match: { siteKinds: ['plant'] }, warning: { min: 6.5, max: 8.5 }, critical: { max: 9.5 } }),
  // For some works only: not the wall's limit for every plant.
  rule({ id: 'small-supply-turbidity', kind: 'threshold', metric: 'turbidity', match: { siteKinds: ['plant'], villages: ['tongmen'] }, direction: 'above', warning: 3 }),
  rule({ id: 'device-silent', kind: 'stale', intervals: 3 }),
];

describe('the limits the wall reads from the packs', () => {
  it.each([
    ['turbidity', 'tap', [['above', 'warning', 1], ['above', 'critical', 4]]],
    ['pressure', 'tap', [['below', 'critical', 100], ['below', 'warning', 140]]],
    ['free_chlorine', 'plant', [['below', 'warning', 0.3], ['above', 'warning', 2]]],
    ['ph', 'plant', [['below', 'warning', 6.5], ['above', 'warning', 8.5], ['above', 'critical', 9.5]]],
    ['turbidity', 'plant', []],
    ['pressure', 'main', []],
  ] as const)('%s at %s', (metric, kind, expected) => {
    expect(limitsFor(rules, metric, kind).map((l) => [l.side, l.severity, l.level])).toEqual(expected);
  });

  it.each([
    ['pressure', 'tap', { min: 140 }],
    ['turbidity', 'tap', { max: 1 }],
    ['free_chlorine', 'plant', { min: 0.3, max: 2 }],
    ['ph', 'plant', { min: 6.5, max: 8.5 }],
  ] as const)('the compliance band of %s at %s is its warning levels', (metric, kind, expected) => {
    const band = complianceBand(rules, metric, kind);
    expect({ min: band?.min, max: band?.max }).toEqual({ min: undefined, max: undefined, ...expected });
  });

  it('has no band where no pack sets a level', () => {
    expect(complianceBand(rules, 'flow', 'plant')).toBeUndefined();
  });

  it('picks the silent-device and the burst rules by kind', () => {
    expect(silentDeviceRules(rules).map((r) => r.id)).toEqual(['device-silent']);
    expect(burstRules(rules).map((r) => r.id)).toEqual(['tap-pressure-drop']);
  });
});
