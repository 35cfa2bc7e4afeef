import { describe, expect, it } from 'vitest';
import { Coverage, supersedeProblems } from './supersede.ts';

describe('coverage', () => {
  it('covers per rule and site while any superseding fingerprint fires', () => {
    const coverage = new Coverage();
    expect(coverage.cover('yellow/tongmen-tap', 'tongmen-tap', ['tap-turbidity'])).toEqual(['tap-turbidity']);
    expect(coverage.cover('other/tongmen-tap', 'tongmen-tap', ['tap-turbidity'])).toEqual([]); // already covered
    expect(coverage.isCovered('tap-turbidity', 'tongmen-tap')).toBe(true);
    expect(coverage.isCovered('tap-turbidity', 'dongqiao-tap')).toBe(false);
    coverage.uncover('yellow/tongmen-tap', 'tongmen-tap', ['tap-turbidity']);
    expect(coverage.isCovered('tap-turbidity', 'tongmen-tap')).toBe(true);
    coverage.uncover('other/tongmen-tap', 'tongmen-tap', ['tap-turbidity']);
    expect(coverage.isCovered('tap-turbidity', 'tongmen-tap')).toBe(false);
    expect(coverage.size()).toBe(0);
  });
});

describe('supersede problems', () => {
  it.each([
    ['fine', [{ id: 'a', subject: 'site', supersedes: ['b'] }, { id: 'b', subject: 'site' }], []],
    ['not loaded: ignored', [{ id: 'a', subject: 'site', supersedes: ['x'] }], []],
    ['itself', [{ id: 'a', subject: 'site', supersedes: ['a'] }], ['rule "a" cannot supersede itself']],
    ['device subject', [{ id: 'a', subject: 'site', supersedes: ['b'] }, { id: 'b', subject: 'device' }], ['rule "a" supersedes "b": both need `subject: site`']],
  ] as const)('%s', (_name, rules, expected) => {
    expect(supersedeProblems(rules)).toEqual(expected);
  });
});
