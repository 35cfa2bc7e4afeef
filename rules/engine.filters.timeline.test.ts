/**
 * Timeline tests for the plant-filters pack through the real engine: one filter's effluent
 * turbidimeter of the sample county (north-plant-filter2) at 2-minute readings, as the plant's
 * OPC UA subscription delivers them.
 */
import { afterEach, beforeEach, describe, it } from 'vitest';
import { packRules, timeline, type Timeline } from './engine.fixtures.ts';

const FILTER = 'north-plant-filter2';
const fp = 'plant-filter-turbidity/north-plant/north-plant-filter2';

describe('rules engine timelines: individual filter effluent turbidity', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
    await tl.start(await packRules('plant-filters'));
  });

  afterEach(() => tl.dispose());

  it('a breakthrough above 1 NTU for 15 minutes opens a warning for that filter, above 2 NTU it turns critical, the other filters stay out of it, a backwash resolves it', async () => {
    await tl.play([
      { at: '0m', device: FILTER, push: { filter_turbidity: 0.08 }, changes: [], open: [] },
      { at: '2m', device: FILTER, push: { filter_turbidity: 1.2 }, changes: [], open: [] },
      { at: '10m', device: FILTER, push: { filter_turbidity: 1.4 }, changes: [], open: [] },
      { at: '16m', device: FILTER, push: { filter_turbidity: 1.6 }, changes: [], open: [] },
      { at: '18m', device: FILTER, push: { filter_turbidity: 1.7 }, changes: ['opened warning'], open: [`${fp} open warning last=1.7 peak=1.7 n=1`] },
      { at: '20m', device: FILTER, push: { filter_turbidity: 2.4 }, changes: ['escalated critical'], open: [`${fp} open critical last=2.4 peak=2.4 n=2`] },
      { at: '30m', device: 'north-plant-filter3', push: { filter_turbidity: 0.09 }, changes: [], open: [`${fp} open critical last=2.4 peak=2.4 n=2`] },
      { at: '40m', device: FILTER, push: { filter_turbidity: 0.12 }, changes: ['resolved critical'], open: [] },
    ]);
  });

  it('a ripening peak after a backwash, under 15 minutes above 1 NTU, opens nothing', async () => {
    await tl.play([
      { at: '0m', device: FILTER, push: { filter_turbidity: 0.08 }, changes: [], open: [] },
      { at: '2m', device: FILTER, push: { filter_turbidity: 1.3 }, changes: [], open: [] },
      { at: '8m', device: FILTER, push: { filter_turbidity: 1.1 }, changes: [], open: [] },
      { at: '14m', device: FILTER, push: { filter_turbidity: 0.4 }, changes: [], open: [] },
      { at: '30m', device: FILTER, push: { filter_turbidity: 0.1 }, changes: [], open: [] },
    ]);
  });
});
