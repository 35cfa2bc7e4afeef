/**
 * Timeline tests for `stale` through the real engine and a SQLite ticket store: readings,
 * clock ticks and broker presence at t, expect ticket changes and the active tickets after each
 * step. The sample county catalog and the shipped sensor-health pack (3 × the device interval).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, Device } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { createRulesEngine, type RulesEngine, type TicketChange } from './engine.ts';
import { expectStep, packRules, readingAt, sampleCatalog, tempStore, timeAt, type TempStore } from './engine.fixtures.ts';
import type { Rule } from './kinds/index.ts';

type Step = {
  readonly at: string;
  /** Ticket changes caused by this step. */
  readonly changes: readonly string[];
  /** Every active ticket after the step. */
  readonly open: readonly string[];
} & (
  | { readonly tick: true }
  | { readonly device: string; readonly push: Partial<Record<MetricName, number>>; readonly stamped?: string }
  | { readonly device: string; readonly status: 'online' | 'offline' }
);

const WQ = 'tongmen-tap-wq';
const PT = 'tongmen-tap-pt';
const LEVEL = 'north-reservoir-lvl';
const fp = (device: string, site: string) => `device-silent/${site}/${device}`;

describe('rules engine timelines: sensor health (stale)', () => {
  let catalog: Catalog;
  let rules: Rule[];
  let temp: TempStore;
  let engine: RulesEngine;
  let changes: TicketChange[];

  function devices(...ids: string[]): Device[] {
    return ids.map((id) => catalog.device(id)).filter((device) => device !== undefined);
  }

  async function startWith(watched: Device[]) {
    engine = createRulesEngine({ rules, store: temp.store, devices: watched, onChange: (change) => void changes.push(change) });
    return engine.start();
  }

  beforeEach(async () => {
    catalog = await sampleCatalog();
    rules = await packRules('sensor-health');
    temp = await tempStore();
    changes = [];
  });

  afterEach(async () => {
    await engine.stop();
    await temp.dispose();
  });

  async function play(timeline: readonly Step[]) {
    for (const step of timeline) {
      changes = [];
      let label = `t=${step.at} tick`;
      if ('tick' in step) await engine.tick(timeAt(step.at));
      else if ('status' in step) {
        label = `t=${step.at} ${step.device} ${step.status}`;
        await engine.deviceStatus(step.device, step.status, timeAt(step.at));
      } else {
        label = `t=${step.at} ${step.device} ${JSON.stringify(step.push)}${step.stamped ? ` stamped ${step.stamped}` : ''}`;
        await engine.evaluate(readingAt(catalog, step.device, step.stamped ?? step.at, step.push));
      }
      await expectStep(label, changes, temp.store, step);
    }
  }

  it('a tap pressure logger goes quiet: ticket after 3 intervals, resolved when data returns', async () => {
    await startWith(devices(WQ, PT, LEVEL));
    const pt = fp(PT, 'tongmen-tap');
    await play([
      { at: '0m', tick: true, changes: [], open: [] }, // the watch starts
      { at: '0m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '0m', device: PT, push: { pressure: 300 }, changes: [], open: [] },
      { at: '1m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '2m', device: PT, push: { pressure: 300 }, changes: [], open: [] },
      { at: '2m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '3m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '4m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '5m', tick: true, changes: [], open: [] }, // PT silent exactly 3 intervals: not yet
      { at: '5m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '5m30s', tick: true, changes: ['opened warning'], open: [`${pt} open warning last=210 peak=210 n=1`] },
      { at: '6m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [`${pt} open warning last=210 peak=210 n=1`] },
      { at: '7m', tick: true, changes: [], open: [`${pt} open warning last=210 peak=210 n=1`] }, // ticks write nothing
      { at: '8m', device: PT, push: { pressure: 300 }, changes: ['resolved warning'], open: [] },
    ]);
    const [ticket] = await temp.store.list({ state: 'all' });
    expect(ticket).toMatchObject({ ruleId: 'device-silent', metric: 'pressure', device: PT, site: 'tongmen-tap', village: 'tongmen', lastValue: 360 });
  });

  it('a device never heard is due 3 intervals after the first tick: 3 min for analysers, 15 min for level gauges', async () => {
    await startWith(devices(WQ, LEVEL));
    const wq = `${fp(WQ, 'tongmen-tap')} open warning last=190 peak=190 n=1`;
    await play([
      { at: '0m', tick: true, changes: [], open: [] },
      { at: '3m', tick: true, changes: [], open: [] },
      { at: '3m10s', tick: true, changes: ['opened warning'], open: [wq] },
      { at: '15m', tick: true, changes: [], open: [wq] },
      { at: '15m10s', tick: true, changes: ['opened warning'], open: [`${fp(LEVEL, 'north-reservoir')} open warning last=910 peak=910 n=1`, wq] },
    ]);
    const level = (await temp.store.list({ state: 'open' })).find((t) => t.device === LEVEL);
    expect(level).toMatchObject({ metric: 'level', siteKind: 'reservoir' });
  });

  it('the broker says offline: ticket at once; online alone keeps it, data resolves', async () => {
    await startWith(devices(PT));
    const pt = `${fp(PT, 'tongmen-tap')} open warning last=30 peak=30 n=1`;
    await play([
      { at: '0m', tick: true, changes: [], open: [] },
      { at: '0m', device: PT, push: { pressure: 300 }, changes: [], open: [] },
      { at: '30s', device: PT, status: 'offline', changes: ['opened warning'], open: [pt] },
      { at: '2m', device: PT, status: 'online', changes: [], open: [pt] },
      { at: '4m', tick: true, changes: [], open: [pt] },
      { at: '4m', device: PT, push: { pressure: 300 }, changes: ['resolved warning'], open: [] },
      // Within the cool-down (30 min): the same ticket reopens.
      { at: '5m', device: PT, status: 'offline', changes: ['reopened warning'], open: [`${fp(PT, 'tongmen-tap')} open warning last=60 peak=60 n=2`] },
    ]);
    expect(engine.stats()).toMatchObject({ statuses: 3, opened: 1, reopened: 1, resolved: 1 });
  });

  it('a batch of old samples means the device is back: no re-opening right after', async () => {
    await startWith(devices(PT));
    const pt = `${fp(PT, 'tongmen-tap')} open warning last=240 peak=240 n=1`;
    await play([
      { at: '0m', tick: true, changes: [], open: [] },
      { at: '0m', device: PT, push: { pressure: 300 }, changes: [], open: [] },
      { at: '4m', tick: true, changes: ['opened warning'], open: [pt] },
      { at: '10m', tick: true, changes: [], open: [pt] },
      // Arrives after the 10m tick, stamped 1m (the logger's backlog): heard at 10m, not 1m.
      { at: '10m', device: PT, push: { pressure: 300 }, stamped: '1m', changes: ['resolved warning'], open: [] },
      { at: '12m', tick: true, changes: [], open: [] },
      { at: '13m30s', tick: true, changes: ['reopened warning'], open: [`${fp(PT, 'tongmen-tap')} open warning last=210 peak=240 n=2`] },
    ]);
  });

  it('resumes an open stale ticket after a restart and resolves it when data returns', async () => {
    await startWith(devices(PT));
    await engine.tick(timeAt('0m'));
    await engine.evaluate(readingAt(catalog, PT, '0m', { pressure: 300 }));
    await engine.tick(timeAt('4m'));
    await engine.stop();

    expect(await startWith(devices(PT))).toEqual({ resumed: 1, orphaned: 0, restored: 0, dropped: 0 });
    changes = [];
    await engine.tick(timeAt('30m')); // still stale: no second ticket
    expect(await temp.store.list({ state: 'open' })).toHaveLength(1);
    await engine.evaluate(readingAt(catalog, PT, '31m', { pressure: 300 }));
    expect(changes.map((c) => `${c.change} ${c.value}`)).toEqual(['resolved 1860']); // silent since 0m
  });

  it('watches every catalog device, and only catalog devices', async () => {
    await startWith([...catalog.devices.values()]);
    expect(engine.stats().watches).toBe(catalog.devices.size);
    await engine.deviceStatus('not-in-catalog', 'offline', timeAt('0m'));
    await engine.tick(timeAt('0m'));
    await engine.tick(timeAt('3m1s'));
    const opened = await temp.store.list({ state: 'open' });
    const oneMinute = [...catalog.devices.values()].filter((d) => d.intervalMs === 60_000);
    expect(opened).toHaveLength(oneMinute.length);
    expect(engine.stats()).toMatchObject({ ticks: 2, statuses: 0 });
  });
});
