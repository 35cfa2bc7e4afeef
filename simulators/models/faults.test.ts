import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.ts';
import { DAY_MS } from './context.ts';
import { applyFault, type SensorFault } from './faults.ts';

const T0 = Date.UTC(2026, 11, 1);
const fault = (over: Partial<SensorFault> & Pick<SensorFault, 'fault'>): SensorFault => ({ metric: 'turbidity', sinceMs: T0, ...over });
const run = (f: SensorFault, values: readonly number[], stepMs = 60_000) => {
  const rng = createRandom(1);
  const frozen = new Map<SensorFault, number>();
  return values.map((v, i) => applyFault({ turbidity: v, ph: 7.4 }, f, T0 + i * stepMs, rng, frozen));
};

describe('applyFault', () => {
  it('flatline holds the first faulty value and leaves the other metrics alone', () => {
    expect(run(fault({ fault: 'flatline' }), [0.21, 0.25, 0.3])).toEqual([0.21, 0.21, 0.21].map((t) => ({ turbidity: t, ph: 7.4 })));
  });

  it('bubbles add spikes of the given height on about the given share of samples', () => {
    const out = run(fault({ fault: 'bubbles', size: 3, chance: 0.2 }), Array(1000).fill(0.2)).map((r) => r.turbidity!);
    const spikes = out.filter((v) => v > 3);
    expect(spikes.every((v) => Math.abs(v - 3.2) < 1e-9)).toBe(true);
    expect(spikes.length).toBeGreaterThan(150);
    expect(spikes.length).toBeLessThan(250);
  });

  it('drift adds its size per day; fouling loses its share per day', () => {
    expect(run(fault({ fault: 'drift', size: 0.5 }), [1, 1, 1], DAY_MS / 2).map((r) => r.turbidity)).toEqual([1, 1.25, 1.5]);
    expect(run(fault({ fault: 'fouling', size: 0.5 }), [1, 1, 1], DAY_MS).map((r) => r.turbidity)).toEqual([1, 0.5, 0.25]);
  });

  it('saturation pins the reading at the range top: the given one, or the registry\'s', () => {
    expect(run(fault({ fault: 'saturation', size: 100 }), [0.2]).map((r) => r.turbidity)).toEqual([100]);
    expect(run(fault({ fault: 'saturation' }), [0.2]).map((r) => r.turbidity)).toEqual([4000]);
  });

  it('junk sends NaN, and a device without the metric is untouched', () => {
    expect(run(fault({ fault: 'junk' }), [0.2])[0]!.turbidity).toBeNaN();
    expect(run(fault({ fault: 'junk', metric: 'free_chlorine' }), [0.2])).toEqual([{ turbidity: 0.2, ph: 7.4 }]);
  });
});
