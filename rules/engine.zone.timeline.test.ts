/**
 * Timeline tests for zone-wide correlation through the real engine and a SQLite ticket store:
 * the shipped bursts pack, whose main-pressure-drop is confirmed by a flow rise or by a drop at a
 * neighbouring main or tap logger of the same zone (the burst heuristic of bursts.yaml). In the sample
 * county, the Tongmen and Shangyuan DN300 mains and the Tongmen taps are in zone north, the Xiaxi
 * DN300 main in zone south. Flow stays flat throughout, so only neighbours can confirm.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packRules, timeline, type Timeline } from './engine.fixtures.ts';

const TONGMEN = 'main-tongmen-dn300-pt';
const SHANGYUAN = 'main-shangyuan-dn300-pt';
const XIAXI = 'main-xiaxi-dn300-pt';
const TONGMEN_FP = 'main-pressure-drop/main-tongmen-dn300';
const SHANGYUAN_FP = 'main-pressure-drop/main-shangyuan-dn300';

describe('rules engine timelines: zone-wide burst confirmation', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
    await tl.start(await packRules('bursts'));
  });

  afterEach(() => tl.dispose());

  it('two mains of one zone drop together: both open critical without any flow rise', async () => {
    await tl.play([
      { at: '0m', device: TONGMEN, push: { pressure: 400, flow: 50 }, changes: [], open: [] },
      { at: '0m', device: SHANGYUAN, push: { pressure: 420, flow: 60 }, changes: [], open: [] },
      { at: '2m', device: TONGMEN, push: { pressure: 340, flow: 50 }, changes: [], open: [] }, // onset, no neighbour yet
      { at: '3m', device: SHANGYUAN, push: { pressure: 360, flow: 60 }, changes: [], open: [] }, // onset; Tongmen's is 1 min before
      { at: '3m', device: TONGMEN, push: { pressure: 338, flow: 50 }, changes: [], open: [] }, // sees Shangyuan's onset, still `for`
      { at: '4m', device: TONGMEN, push: { pressure: 336, flow: 50 }, changes: ['opened critical'], open: [`${TONGMEN_FP} open critical last=336 peak=336 n=1`] },
      {
        at: '5m',
        device: SHANGYUAN,
        push: { pressure: 358, flow: 60 },
        changes: ['opened critical'],
        open: [`${SHANGYUAN_FP} open critical last=358 peak=358 n=1`, `${TONGMEN_FP} open critical last=336 peak=336 n=1`],
      },
    ]);
    expect(tl.engine.stats()).toMatchObject({ signals: 2, signalsDropped: 0 });
  });

  it('a drop in another zone does not confirm: warning only', async () => {
    await tl.play([
      { at: '0m', device: TONGMEN, push: { pressure: 400, flow: 50 }, changes: [], open: [] },
      { at: '0m', device: XIAXI, push: { pressure: 380, flow: 40 }, changes: [], open: [] },
      { at: '2m', device: XIAXI, push: { pressure: 320, flow: 40 }, changes: [], open: [] },
      { at: '2m', device: TONGMEN, push: { pressure: 340, flow: 50 }, changes: [], open: [] },
      { at: '4m', device: TONGMEN, push: { pressure: 336, flow: 50 }, changes: ['opened warning'], open: [`${TONGMEN_FP} open warning last=336 peak=336 n=1`] },
    ]);
  });

  it('a drop at a network-end tap of the zone confirms the main; the tap has its own ticket', async () => {
    const tap = 'tongmen-tap-pt';
    await tl.play([
      { at: '0m', device: TONGMEN, push: { pressure: 400, flow: 50 }, changes: [], open: [] },
      { at: '0m', device: tap, push: { pressure: 280 }, changes: [], open: [] },
      { at: '2m', device: TONGMEN, push: { pressure: 340, flow: 50 }, changes: [], open: [] },
      { at: '3m', device: tap, push: { pressure: 220 }, changes: [], open: [] }, // tap-pressure-drop onset
      { at: '4m', device: TONGMEN, push: { pressure: 336, flow: 50 }, changes: ['opened critical'], open: [`${TONGMEN_FP} open critical last=336 peak=336 n=1`] },
      {
        at: '5m',
        device: tap,
        push: { pressure: 218 },
        changes: ['opened warning'], // taps have no flow meter and no neighbour rule: a suspect
        open: ['tap-pressure-drop/tongmen-tap open warning last=218 peak=218 n=1', `${TONGMEN_FP} open critical last=336 peak=336 n=1`],
      },
    ]);
  });

  it('a neighbour batch that arrives late escalates a ticket opened unconfirmed', async () => {
    await tl.play([
      { at: '0m', device: TONGMEN, push: { pressure: 400, flow: 50 }, changes: [], open: [] },
      { at: '2m', device: TONGMEN, push: { pressure: 340, flow: 50 }, changes: [], open: [] },
      { at: '4m', device: TONGMEN, push: { pressure: 336, flow: 50 }, changes: ['opened warning'], open: [`${TONGMEN_FP} open warning last=336 peak=336 n=1`] },
      // Shangyuan's logger uploads its batch late: an onset at 1m, 1 min before Tongmen's.
      { at: '0m', device: SHANGYUAN, push: { pressure: 420, flow: 60 }, changes: [], open: [`${TONGMEN_FP} open warning last=336 peak=336 n=1`] },
      { at: '1m', device: SHANGYUAN, push: { pressure: 360, flow: 60 }, changes: [], open: [`${TONGMEN_FP} open warning last=336 peak=336 n=1`] },
      { at: '5m', device: TONGMEN, push: { pressure: 335, flow: 50 }, changes: ['escalated critical'], open: [`${TONGMEN_FP} open critical last=335 peak=335 n=2`] },
    ]);
  });
});
