import { describe, expect, it } from 'vitest';
import type { Limit } from './limits.ts';
import { limitSteps } from './thresholds.ts';

const limit = (side: Limit['side'], severity: Limit['severity'], level: number): Limit => ({ metric: 'pressure', side, severity, level, ruleId: 'r', source: 's' });

/** The colour Grafana gives a value: the last step it reaches. */
function colour(steps: ReturnType<typeof limitSteps>['steps'], value: number): string {
  return steps.filter((s) => s.value === null || value >= s.value).at(-1)!.color;
}

describe('colours from the pack limits', () => {
  it('network-end pressure: red under 100, orange under 140, green from 140', () => {
    const { steps } = limitSteps([limit('below', 'critical', 100), limit('below', 'warning', 140)]);
    expect(steps).toEqual([{ value: null, color: 'red' }, { value: 100, color: 'orange' }, { value: 140, color: 'green' }]);
    expect([50, 120, 140, 300].map((v) => colour(steps, v))).toEqual(['red', 'orange', 'green', 'green']);
  });

  it('tap turbidity: green to 1, orange to 4, red above', () => {
    const { steps } = limitSteps([limit('above', 'warning', 1), limit('above', 'critical', 4)]);
    expect([0.2, 2, 6].map((v) => colour(steps, v))).toEqual(['green', 'orange', 'red']);
  });

  it('a band: orange on both sides of it', () => {
    const { steps } = limitSteps([limit('below', 'warning', 0.3), limit('above', 'warning', 2)]);
    expect([0.1, 0.3, 1, 2.5].map((v) => colour(steps, v))).toEqual(['orange', 'green', 'green', 'orange']);
  });

  it('no limits: one green step', () => {
    expect(limitSteps([]).steps).toEqual([{ value: null, color: 'green' }]);
  });
});
