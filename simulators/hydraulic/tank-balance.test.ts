import { describe, expect, it } from 'vitest';
import { nextLevel, type BalancedTank } from './tank-balance.ts';

// 100 m² and 1 L/s for 1,000 s: 1 m³, 0.01 m.
const tank: BalancedTank = { nodeId: 't', areaM2: 100, minLevelM: 0, maxLevelM: 5, feedLps: 6, inletLinkId: 'valve', outletLinkId: 'pump' };

describe('tank mass balance', () => {
  it.each([
    { what: 'fills at its feed capacity below the top', levelM: 3, availableLps: 10, outflowLps: 2, levelAfter: 3.04, inflowLps: 6 },
    { what: 'draws down when the pump lifts more than the feed', levelM: 3, availableLps: 10, outflowLps: 9, levelAfter: 2.97, inflowLps: 6 },
    { what: 'is fed no more than its valve passes', levelM: 3, availableLps: 4, outflowLps: 4, levelAfter: 3, inflowLps: 4 },
    { what: 'never drains back into a main that lost its pressure', levelM: 3, availableLps: -12, outflowLps: 5, levelAfter: 2.95, inflowLps: 0 },
    { what: 'holds the top: the float valve passes what the pump draws', levelM: 5, availableLps: 10, outflowLps: 2, levelAfter: 5, inflowLps: 2 },
    { what: 'stops at the top', levelM: 4.99, availableLps: 10, outflowLps: 0, levelAfter: 5, inflowLps: 6 },
    { what: 'stops at the bottom', levelM: 0.01, availableLps: 0, outflowLps: 5, levelAfter: 0, inflowLps: 0 },
    { what: 'a clear well is fed at its capacity', levelM: 3, availableLps: Infinity, outflowLps: 0, levelAfter: 3.06, inflowLps: 6 },
  ])('$what', ({ levelM, availableLps, outflowLps, levelAfter, inflowLps }) => {
    const next = nextLevel(tank, levelM, { availableLps, outflowLps }, 1000);
    expect(next.levelM).toBeCloseTo(levelAfter, 9);
    expect(next.inflowLps).toBeCloseTo(inflowLps, 9);
  });
});
