/**
 * Timeline tests for `anomaly` through the real engine and a SQLite ticket store, with the shipped
 * plant-outlet-anomaly pack and the sample county's North plant, whose analysers are separate
 * devices: north-plant-turb (turbidity), north-plant-cl (free and total chlorine), north-plant-ph
 * (pH, ORP, temperature), north-plant-fm (flow, pressure). No device there sends conductivity,
 * one of the pack's indicators. Readings at second 5 (turbidity), 20 (chlorine), 40 (pH) and 50
 * (flow) of each minute; the turbidimeter's reading completes each round of the panel.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packRules, timeline, type Timeline, type Values } from './engine.fixtures.ts';
import type { Rule } from './kinds/index.ts';

const FINGERPRINT = 'plant-outlet-quality-anomaly/north-plant';

type Device = 'north-plant-turb' | 'north-plant-cl' | 'north-plant-ph' | 'north-plant-fm';
const SECOND: Readonly<Record<Device, number>> = { 'north-plant-turb': 5, 'north-plant-cl': 20, 'north-plant-ph': 40, 'north-plant-fm': 50 };
const ALL = Object.keys(SECOND) as Device[];
/** The water at minute m, as each device reports it. */
type Water = (minute: number) => Record<Device, Values>;

/** Normal outlet water at minute m: every indicator jitters by about its sensor's resolution. */
function quiet(minute: number): Record<Device, Values> {
  return {
    'north-plant-turb': { turbidity: 0.12 + 0.005 * (minute % 2) },
    'north-plant-cl': { free_chlorine: 0.8 + 0.01 * (minute % 3), total_chlorine: 0.95 + 0.002 * (minute % 2) },
    'north-plant-ph': { ph: 7.4 + 0.01 * ((minute + 1) % 2), orp: 700 + (minute % 3), temperature: 12.5 },
    'north-plant-fm': { flow: 300 + (minute % 4), pressure: 350 },
  };
}

/** An abrupt change of the water (a treatment upset): turbidity up, chlorine, pH and ORP down. */
function upset(minute: number): Record<Device, Values> {
  return {
    ...quiet(minute),
    'north-plant-turb': { turbidity: 0.6 },
    'north-plant-cl': { free_chlorine: 0.55, total_chlorine: 0.7 },
    'north-plant-ph': { ph: 7.2, orp: 680, temperature: 12.5 },
  };
}

describe('rules engine timelines: plant-outlet anomaly across separate analysers', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
  });

  afterEach(() => tl.dispose());

  /** Pushes the minute's readings of `devices` in their order; returns the ticket changes as "at device change severity". */
  async function minute(m: number, water: Water, devices: readonly Device[] = ALL): Promise<string[]> {
    const changes: string[] = [];
    for (const device of devices) {
      tl.changes = [];
      const at = `${m}m${SECOND[device]}s`;
      await tl.evaluate(device, at, water(m)[device]);
      changes.push(...tl.changes.map((c) => `${at} ${device} ${c.change} ${c.ticket.severity}`));
    }
    return changes;
  }

  async function minutes(from: number, to: number, water: Water, devices?: readonly Device[]): Promise<string[]> {
    const changes: string[] = [];
    for (let m = from; m <= to; m++) changes.push(...(await minute(m, water, devices)));
    return changes;
  }

  describe('the shipped pack', () => {
    beforeEach(async () => {
      await tl.start(await packRules('plant-outlet-anomaly'));
    });

    it('a quiet baseline, then a step in turbidity, chlorine and pH: one ticket at the site, resolved when the water is back', async () => {
      expect(await minutes(0, 10, quiet)).toEqual([]);
      await tl.evaluate('north-plant-turb', '10m5s', quiet(10)['north-plant-turb']); // a redelivery (QoS 1)
      expect(await minutes(11, 24, quiet)).toEqual([]);
      // Rounds complete at the turbidimeter's readings; the discriminator opens at the 4th outlying one.
      expect(await minutes(25, 28, upset)).toEqual(['28m5s north-plant-turb opened warning']);
      const [open] = await tl.store.list({ state: 'open' });
      expect(open).toMatchObject({ fingerprint: FINGERPRINT, ruleId: 'plant-outlet-quality-anomaly', site: 'north-plant', siteKind: 'plant', zone: 'north' });
      // Filed under the device that last sent the ticket metric (turbidity), the first indicator.
      expect(open).toMatchObject({ device: 'north-plant-turb', metric: 'turbidity', severity: 'warning', titleZh: '出厂水水质突变' });
      expect(open?.peakValue).toBeGreaterThan(8); // the anomaly score, in robust standard deviations
      expect(await minutes(29, 29, upset)).toEqual(['29m5s north-plant-turb updated warning']);
      // 30m5s still sees the chlorine and pH of minute 29; three quiet rounds resolve.
      expect(await minutes(30, 34, quiet)).toEqual([
        '30m5s north-plant-turb updated warning',
        '31m5s north-plant-turb updated warning',
        '32m5s north-plant-turb updated warning',
        '33m5s north-plant-turb resolved warning',
      ]);
      expect(await tl.store.list({ state: 'all' })).toMatchObject([{ fingerprint: FINGERPRINT, state: 'resolved' }]);
      expect(tl.engine.stats()).toMatchObject({ opened: 1, resolved: 1, outOfOrder: 1, errors: 0 });
    });

    it('a single analyser alone neither stalls nor breaks the panel', async () => {
      const turbidimeter: readonly Device[] = ['north-plant-turb', 'north-plant-fm'];
      // The turbidimeter reports alone at first (a panel of one); the others join at minute 3 and learn.
      expect(await minutes(0, 2, quiet, turbidimeter)).toEqual([]);
      expect(await minutes(3, 19, quiet)).toEqual([]);
      // The chlorine and pH analysers fall silent at minute 20 (a power cut on their board): the
      // round of 21m5s waits for them (maxAge 2m), the next goes on with turbidity alone.
      const turbid = (m: number) => ({ ...quiet(m), 'north-plant-turb': { turbidity: 0.6 } });
      expect(await minutes(20, 20, quiet, turbidimeter)).toEqual([]);
      expect(await minutes(21, 25, turbid, turbidimeter)).toEqual(['25m5s north-plant-turb opened warning']);
      expect(await tl.store.list({ state: 'open' })).toMatchObject([{ fingerprint: FINGERPRINT, device: 'north-plant-turb' }]);
      expect(tl.engine.stats()).toMatchObject({ opened: 1, outOfOrder: 0, errors: 0 });
    });
  });

  describe('newChange: new-ticket', () => {
    beforeEach(async () => {
      const rules = (await packRules('plant-outlet-anomaly')).map((rule): Rule => (rule.kind === 'anomaly' ? { ...rule, newChange: 'new-ticket' } : rule));
      await tl.start(rules);
    });

    /** The upset, then at minute 40 turbidity climbs further while the first ticket is still open. */
    const worse = (m: number) => ({ ...upset(m), 'north-plant-turb': { turbidity: 1.5 } });

    it('a second change while the ticket is open resolves it and opens again: within the cool-down the ticket reopens (rules/tickets/README.md)', async () => {
      expect(await minutes(0, 24, quiet)).toEqual([]);
      expect((await minutes(25, 39, upset)).filter((c) => !c.includes('updated'))).toEqual(['28m5s north-plant-turb opened warning']);
      expect((await minutes(40, 45, worse)).filter((c) => !c.includes('updated'))).toEqual([
        '43m5s north-plant-turb resolved warning',
        '44m5s north-plant-turb reopened warning',
      ]);
      const [ticket] = await tl.store.list({ state: 'open' });
      expect(ticket).toMatchObject({ fingerprint: FINGERPRINT, reopened: 1 });
      expect(tl.engine.stats()).toMatchObject({ opened: 1, resolved: 1, errors: 0 });
    });

    it('an event that only goes on at its level is one ticket', async () => {
      expect(await minutes(0, 24, quiet)).toEqual([]);
      expect((await minutes(25, 60, upset)).filter((c) => !c.includes('updated'))).toEqual(['28m5s north-plant-turb opened warning']);
    });
  });
});
