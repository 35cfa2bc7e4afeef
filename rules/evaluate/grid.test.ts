import { describe, expect, it } from 'vitest';
import { packRules } from '../engine.fixtures.ts';
import { gridAxis, gridOf, overridesLabel, withOverrides } from './grid.ts';

describe('tuning grid', () => {
  it('reads KEY=V1,V2 with numbers as numbers', () => {
    expect(gridAxis('outlierThreshold=6, 8,10')).toEqual({ key: 'outlierThreshold', values: [6, 8, 10] });
    expect(gridAxis('combine=rss,max')).toEqual({ key: 'combine', values: ['rss', 'max'] });
  });

  it.each(['outlierThreshold', '=6', 'outlierThreshold=', 'a b=1'])('refuses %j', (spec) => {
    expect(() => gridAxis(spec)).toThrow('grid');
  });

  it('is the product of its axes, the first varying slowest; no axis is the pack as is', () => {
    expect(gridOf(['combine=rss,max', 'outlierThreshold=6,8'])).toEqual([
      { combine: 'rss', outlierThreshold: 6 },
      { combine: 'rss', outlierThreshold: 8 },
      { combine: 'max', outlierThreshold: 6 },
      { combine: 'max', outlierThreshold: 8 },
    ]);
    expect(gridOf([])).toEqual([{}]);
    expect(overridesLabel({})).toBe('(pack as is)');
    expect(overridesLabel({ combine: 'max', outlierThreshold: 6 })).toBe('combine=max outlierThreshold=6');
  });

  it('sets anomaly rules only, checked by the kind schema', async () => {
    const rules = await packRules('plant-outlet-anomaly');
    const [tuned] = withOverrides(rules, { outlierThreshold: 6, noise: 'residuals' });
    expect(tuned).toMatchObject({ kind: 'anomaly', outlierThreshold: 6, noise: 'residuals', history: 15 });
    expect(() => withOverrides(rules, { combine: 'mean' })).toThrow(/grid combine=mean on plant-outlet-quality-anomaly: combine/);
    expect(() => withOverrides(rules, { outlierTreshold: 6 })).toThrow(/grid outlierTreshold=6/);
  });
});
