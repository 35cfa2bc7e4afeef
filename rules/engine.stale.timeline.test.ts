/**
 * Timeline tests for `stale` through the real engine and a SQLite ticket store: readings,
 * clock ticks and broker presence at t, expect ticket changes and the active tickets after each
 * step. The sample county catalog and the shipped sensor-health pack (3 × the device interval,
 * then a 1-minute `wait` so a flood rule could group devices silent together first).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Device } from '../network/catalog.ts';
import { packRules, timeline, timeAt, type Timeline } from './engine.fixtures.ts';

const WQ = 'tongmen-tap-wq';
const PT = 'tongmen-tap-pt';
const LEVEL = 'north-reservoir-lvl';
const fp = (device: string, site: string) => `device-silent/${site}/${device}`;

describe('rules engine timelines: sensor health (stale)', () => {
  let tl: Timeline;

  beforeEach(async () => {
    tl = await timeline();
  });

  afterEach(() => tl.dispose());

  function devices(...ids: string[]): Device[] {
    return ids.map((id) => tl.catalog.device(id)).filter((device) => device !== undefined);
  }

  async function startWith(watched: Device[]) {
    return tl.start(await packRules('sensor-health'), { devices: watched });
  }

  it('a tap pressure logger goes quiet: ticket after 3 intervals and the wait, resolved when data returns', async () => {
    await startWith(devices(WQ, PT, LEVEL));
    const pt = fp(PT, 'tongmen-tap');
    await tl.play([
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
      { at: '5m30s', tick: true, changes: [], open: [] }, // past the limit: the 1-minute wait
      { at: '6m', device: WQ, push: { turbidity: 0.2 }, changes: [], open: [] },
      { at: '6m', tick: true, changes: [], open: [] }, // exactly the limit and the wait: not yet
      { at: '6m30s', tick: true, changes: ['opened warning'], open: [`${pt} open warning last=270 peak=270 n=1`] },
      { at: '7m', tick: true, changes: [], open: [`${pt} open warning last=270 peak=270 n=1`] }, // ticks write nothing
      { at: '8m', device: PT, push: { pressure: 300 }, changes: ['resolved warning'], open: [] },
    ]);
    const [ticket] = await tl.store.list({ state: 'all' });
    expect(ticket).toMatchObject({ ruleId: 'device-silent', metric: 'pressure', device: PT, site: 'tongmen-tap', village: 'tongmen', lastValue: 360 });
  });

  it('a device never heard is due 3 intervals and the wait after the first tick: 4 min for analysers, 16 min for level gauges', async () => {
    await startWith(devices(WQ, LEVEL));
    const wq = `${fp(WQ, 'tongmen-tap')} open warning last=250 peak=250 n=1`;
    await tl.play([
      { at: '0m', tick: true, changes: [], open: [] },
      { at: '3m10s', tick: true, changes: [], open: [] },
      { at: '4m', tick: true, changes: [], open: [] },
      { at: '4m10s', tick: true, changes: ['opened warning'], open: [wq] },
      { at: '16m', tick: true, changes: [], open: [wq] },
      { at: '16m10s', tick: true, changes: ['opened warning'], open: [`${fp(LEVEL, 'north-reservoir')} open warning last=970 peak=970 n=1`, wq] },
    ]);
    const level = (await tl.store.list({ state: 'open' })).find((t) => t.device === LEVEL);
    expect(level).toMatchObject({ metric: 'level', siteKind: 'reservoir' });
  });

  it('the broker says offline: ticket at the first tick after the wait; online alone keeps it, data resolves', async () => {
    await startWith(devices(PT));
    const pt = `${fp(PT, 'tongmen-tap')} open warning last=90 peak=90 n=1`;
    await tl.play([
      { at: '0m', tick: true, changes: [], open: [] },
      { at: '0m', device: PT, push: { pressure: 300 }, changes: [], open: [] },
      { at: '30s', device: PT, status: 'offline', changes: [], open: [] },
      { at: '1m', tick: true, changes: [], open: [] },
      { at: '1m30s', tick: true, changes: ['opened warning'], open: [pt] },
      { at: '2m', device: PT, status: 'online', changes: [], open: [pt] },
      { at: '4m', tick: true, changes: [], open: [pt] },
      { at: '4m', device: PT, push: { pressure: 300 }, changes: ['resolved warning'], open: [] },
      // Within the cool-down (30 min): the same ticket reopens, a wait after the last will.
      { at: '5m', device: PT, status: 'offline', changes: [], open: [] },
      { at: '6m', tick: true, changes: ['reopened warning'], open: [`${fp(PT, 'tongmen-tap')} open warning last=120 peak=120 n=2`] },
    ]);
    expect(tl.engine.stats()).toMatchObject({ statuses: 3, opened: 1, reopened: 1, resolved: 1 });
  });

  it('a batch of old samples means the device is back: no re-opening right after', async () => {
    await startWith(devices(PT));
    const pt = `${fp(PT, 'tongmen-tap')} open warning last=270 peak=270 n=1`;
    await tl.play([
      { at: '0m', tick: true, changes: [], open: [] },
      { at: '0m', device: PT, push: { pressure: 300 }, changes: [], open: [] },
      { at: '4m30s', tick: true, changes: ['opened warning'], open: [pt] },
      { at: '10m', tick: true, changes: [], open: [pt] },
      // Arrives after the 10m tick, stamped 1m (the logger's backlog): heard at 10m, not 1m.
      { at: '10m', device: PT, push: { pressure: 300 }, stamped: '1m', changes: ['resolved warning'], open: [] },
      { at: '12m', tick: true, changes: [], open: [] },
      { at: '13m30s', tick: true, changes: [], open: [] },
      { at: '14m30s', tick: true, changes: ['reopened warning'], open: [`${fp(PT, 'tongmen-tap')} open warning last=270 peak=270 n=2`] },
    ]);
  });

  it('resumes an open stale ticket after a restart and resolves it when data returns', async () => {
    await startWith(devices(PT));
    await tl.engine.tick(timeAt('0m'));
    await tl.evaluate(PT, '0m', { pressure: 300 });
    await tl.engine.tick(timeAt('4m30s'));
    await tl.engine.stop();

    expect(await startWith(devices(PT))).toEqual({ resumed: 1, orphaned: 0, restored: 0, dropped: 0 });
    tl.changes = [];
    await tl.engine.tick(timeAt('30m')); // still stale: no second ticket
    expect(await tl.store.list({ state: 'open' })).toHaveLength(1);
    await tl.evaluate(PT, '31m', { pressure: 300 });
    expect(tl.changes.map((c) => `${c.change} ${c.value}`)).toEqual(['resolved 1860']); // silent since 0m
  });

  it('watches every catalog device, and only catalog devices', async () => {
    await startWith([...tl.catalog.devices.values()]);
    expect(tl.engine.stats().watches).toBe(tl.catalog.devices.size);
    await tl.engine.deviceStatus('not-in-catalog', 'offline', timeAt('0m'));
    await tl.engine.tick(timeAt('0m'));
    await tl.engine.tick(timeAt('4m1s'));
    // Nothing reports at all (the broker or ingest): the devices that report every minute, 61 of
    // 70 (not the 5-minute gauges, nor Baishan's loggers that upload every 15), are one network
    // ticket of devices-silent-together (sensor-health), not 61 device tickets.
    const opened = await tl.store.list({ state: 'open' });
    const oneMinute = [...tl.catalog.devices.values()].filter((d) => d.intervalMs === 60_000 && d.uploadEveryMs === undefined);
    expect(opened.map((t) => `${t.fingerprint} ${t.lastValue} ${t.tier}`)).toEqual(['devices-silent-together/network 61 county']);
    expect(tl.engine.stats()).toMatchObject({ ticks: 2, statuses: 0, grouped: oneMinute.length });
  });
});
