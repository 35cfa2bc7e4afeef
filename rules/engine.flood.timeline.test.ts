/**
 * Timeline tests for alarm floods (kind `flood`, sensor-health's `devices-silent-together`)
 * through the real engine and a SQLite ticket store, on the sample county: every catalog device
 * reports at its interval at its own phase, the clock ticks every 30 s (event time, injected),
 * and a township, the network or one device falls silent. Expected by reasoning from the pack:
 * device-silent is 3 intervals and a 1-minute wait; a group is 10 devices and half the scope
 * within 10 minutes, resolved when more than half its members are back. No timed assertions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Device } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import type { EngineChange } from './engine.ts';
import type { EngineSnapshot } from './snapshot.ts';
import { packRules, T0, timeline, type Timeline } from './engine.fixtures.ts';
import { placesOf } from './groups.ts';
import type { Rule } from './kinds/index.ts';
import { answering } from './notify/policy.ts';
import { alarmLoad, ISA_18_2 } from './tickets/alarm-load.ts';
import type { Ticket } from './tickets/ticket.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const TICK = 30 * SEC;
const GROUP = 'devices-silent-together/township-tongmen';
/** A Xiwan village tap's pressure logger that stays silent after the power comes back. */
const STUCK = 'xiwan-tap-pt';
const usual: Partial<Record<MetricName, number>> = { pressure: 300, turbidity: 0.2, filter_turbidity: 0.05, free_chlorine: 0.4, ph: 7.4, flow: 50, level: 3, chlorine_dose: 1.2 };

/** Whether `device` is silent at `at` (ms after T0). */
type Silence = (device: Device, at: number) => boolean;

describe('rules engine timelines: alarm floods (flood)', () => {
  let tl: Timeline;
  let devices: Device[];
  /** Every change since the test started (tl.changes is per step of `play`). */
  let all: EngineChange[];

  beforeEach(async () => {
    tl = await timeline();
    devices = [...tl.catalog.devices.values()];
    all = [];
  });

  afterEach(() => tl.dispose());

  const tongmen = (device: Device) => device.site.township === 'tongmen';
  /** The power cut: Tongmen township silent from 10m to 40m; STUCK stays silent from 10m on. */
  const powerCut: Silence = (device, at) => (device.id === STUCK && at >= 10 * MIN) || (tongmen(device) && at >= 10 * MIN && at < 40 * MIN);

  async function start(rules: readonly Rule[], restore?: EngineSnapshot) {
    return tl.start(rules, { devices, places: placesOf(tl.catalog.file), restore });
  }

  /** Readings (each device at its interval, phase by its index) and ticks every 30 s over (from, to], ms after T0. */
  async function run(from: number, to: number, silent: Silence): Promise<void> {
    for (let at = from + TICK; at <= to; at += TICK) {
      const due = devices.flatMap((device, i) => {
        const phase = ((i * 7) % 60) * SEC;
        const reports: number[] = [];
        for (let ts = phase + Math.ceil((at - TICK - phase + 1) / device.intervalMs) * device.intervalMs; ts <= at; ts += device.intervalMs) if (ts > at - TICK && !silent(device, ts)) reports.push(ts);
        return reports.map((ts) => ({ device, ts }));
      });
      for (const { device, ts } of due.sort((a, b) => a.ts - b.ts)) {
        const metric = [...device.metrics][0] ?? 'pressure';
        await tl.engine.evaluate({ device, ts: T0 + ts, values: new Map([[metric, usual[metric] ?? 1]]) });
      }
      await tl.engine.tick(T0 + at);
      all.push(...tl.changes.splice(0));
    }
  }

  const opened = () => all.filter((c) => c.change === 'opened' || c.change === 'reopened').map((c) => c.ticket);
  const spell = (c: EngineChange) => `${Math.round((c.ticket.updatedAt - T0) / SEC)}s ${c.change} ${c.ticket.fingerprint}`;

  /** The most tickets opened in any 10 minutes, by the alarm-load counts of tickets/alarm-load.ts. */
  function worst10Minutes(tickets: readonly Ticket[]): number {
    return Math.max(0, ...tickets.map((ticket) => alarmLoad(tickets, ticket.openedAt + 10 * MIN).opened10m));
  }

  it('a township power cut for 30 minutes: one group ticket, no device tickets; recovery resolves it and the device still silent gets its own', async () => {
    await start(await packRules('sensor-health'));
    await tl.engine.tick(T0);
    await run(0, 39.5 * MIN, powerCut);

    // Exactly one ticket while the township is dark: the group, for the township officials.
    expect(opened().map((t) => t.fingerprint)).toEqual([GROUP]);
    const [group] = await tl.store.list({ state: 'open' });
    expect(group).toMatchObject({ fingerprint: GROUP, ruleId: 'devices-silent-together', township: 'tongmen', village: null, tier: 'township', state: 'open' });
    expect([group!.title, group!.titleZh]).toEqual(['Many devices silent together (likely a common cause): 桐门镇 Tongmen township', '桐门镇 Tongmen township 多台设备同时离线(疑似共同原因)']);
    expect(answering(group!.tier, group!, tl.catalog.file.recipients).map((r) => r.id)).toEqual(['tongmen-official']);
    // It opens at the first tick at which half of Tongmen's 24 devices are silent (their limits
    // pass over a minute, by phase), before any of their own tickets is due; the rest join, the
    // 5-minute reservoir level gauge last, when its 15-minute limit passes. STUCK is a member
    // (Xiwan is a Tongmen village).
    expect(group!.firstValue).toBeGreaterThanOrEqual(12);
    expect(group!.firstValue).toBeLessThan(24);
    expect(group!.lastValue).toBe(24);
    const events = (await tl.store.get(group!.id))?.events ?? [];
    expect(events[0]?.note).toMatch(/^\d+ of 24 devices in 桐门镇 Tongmen township silent since 10:12: likely a power cut or the township's cellular link \(可能停电或乡镇移动网络中断\)\. Members: /);
    expect(tl.engine.stats().grouped).toBe(24);

    // The power is back at 40m: most members report again within a minute, one stays silent.
    await run(39.5 * MIN, 50 * MIN, powerCut);
    const resolved = all.find((c) => c.change === 'resolved' && c.ticket.fingerprint === GROUP);
    expect(resolved?.ticket.lastValue).toBeLessThan(12);
    expect(opened().map((t) => t.fingerprint)).toEqual([GROUP, `device-silent/xiwan-tap/${STUCK}`]);
    const own = opened()[1]!;
    // Its own ticket opens at the first tick after the group let go of it (5 minutes, `linger`);
    // the members that reconnect within that minute by their phase open none.
    expect(own.openedAt - resolved!.ticket.updatedAt).toBeGreaterThanOrEqual(5 * MIN);
    expect(own.openedAt - resolved!.ticket.updatedAt).toBeLessThanOrEqual(5 * MIN + TICK);
    expect(own).toMatchObject({ village: 'xiwan', tier: 'village', device: STUCK });
    expect(own.firstValue).toBeGreaterThan(30 * 60);
    expect((await tl.store.get(resolved!.ticket.id))?.events.at(-1)?.note).toMatch(/^1\d of 24 devices back; still silent, each to its own ticket unless back within 5m: /);
    expect(tl.engine.stats().grouped).toBe(0);

    // Alarm load (ANSI/ISA-18.2-2016 clause 16): at most 10 tickets in any 10 minutes.
    const tickets = await tl.store.list({ state: 'all' });
    expect(tickets).toHaveLength(2);
    expect(worst10Minutes(tickets)).toBeLessThanOrEqual(ISA_18_2.per10Minutes);
  });

  it('the same power cut without the flood rule is a flood of device tickets (the control)', async () => {
    await start((await packRules('sensor-health')).filter((rule) => rule.id !== 'devices-silent-together'));
    await tl.engine.tick(T0);
    await run(0, 30 * MIN, powerCut);
    expect(opened()).toHaveLength(24);
    expect(worst10Minutes(await tl.store.list({ state: 'all' }))).toBeGreaterThan(ISA_18_2.per10Minutes);
  });

  it('a single device going silent still gets its normal ticket, after the limit and the wait', async () => {
    await start(await packRules('sensor-health'));
    await tl.engine.tick(T0);
    const index = devices.findIndex((device) => device.id === STUCK);
    await run(0, 20 * MIN, (device, at) => device.id === STUCK && at >= 10 * MIN);
    expect(all.map(spell)).toHaveLength(1);
    const [ticket] = opened();
    // Last heard at 9m + its phase; 3 minutes and the 1-minute wait later, at the next tick.
    const lastHeard = 9 * MIN + ((index * 7) % 60) * SEC;
    expect(ticket).toMatchObject({ fingerprint: `device-silent/xiwan-tap/${STUCK}`, tier: 'village' });
    expect(ticket!.openedAt - T0).toBe(Math.floor((lastHeard + 4 * MIN) / TICK + 1) * TICK);
    expect(tl.engine.stats().grouped).toBe(0);
  });

  it('the broker or ingest failing: one network ticket for county dispatch, no township tickets', async () => {
    await start(await packRules('sensor-health'));
    await tl.engine.tick(T0);
    await run(0, 30 * MIN, (_device, at) => at >= 10 * MIN);
    // Tongmen reaches half a tick before the network does, but the rest of the county is falling
    // silent too: it waits (`settle`), and the network group takes every device but Baishan's
    // four 15-minute pressure loggers, whose limit (three missed uploads, 45 min) 20 minutes do
    // not reach: 66.
    expect(opened().map((t) => `${t.fingerprint} ${t.tier}`)).toEqual(['devices-silent-together/network county']);
    const [network] = await tl.store.list({ state: 'open' });
    expect(network?.lastValue).toBe(66);
    expect(answering(network!.tier, network!, tl.catalog.file.recipients).map((r) => r.id)).toEqual(['county-dispatch']);
    const events = (await tl.store.get(network!.id))?.events ?? [];
    expect(events[0]?.note).toMatch(/^\d+ of 70 devices in the whole network of .+ \(全网\) silent since 10:12: likely the broker or ingest, or the county uplink/);
  });

  it('a supply zone going dark with a zone rule: one zone ticket; the network counts only the devices no group holds', async () => {
    const zoned = (await packRules('sensor-health')).map((rule) => (rule.kind === 'flood' ? { ...rule, scopes: ['network', 'zone'] as const } : rule)) as Rule[];
    await start(zoned);
    await tl.engine.tick(T0);
    // The north zone is 37 of the county's 70 devices: more than half, once its 5-minute gauges join.
    await run(0, 40 * MIN, (device, at) => device.site.zone === 'north' && at >= 10 * MIN);
    expect(opened().map((t) => `${t.fingerprint} ${t.tier}`)).toEqual(['devices-silent-together/zone-north township']);
    const [zone] = await tl.store.list({ state: 'open' });
    expect(zone).toMatchObject({ lastValue: 37, titleZh: '城北水厂供水区 North plant service area zone 多台设备同时离线(疑似共同原因)' });
  });

  it('survives a restart: the group and its members come back from the snapshot, no duplicate, no device tickets', async () => {
    const rules = await packRules('sensor-health');
    await start(rules);
    await tl.engine.tick(T0);
    await run(0, 20 * MIN, powerCut);
    const snapshot = tl.engine.snapshot(T0 + 20 * MIN);
    await tl.engine.stop();

    expect(await start(rules, snapshot)).toMatchObject({ resumed: 1, orphaned: 0 });
    // Held again from the saved members before any tick: the 23 one-minute devices (the level
    // gauge's 15-minute limit has not passed yet at 20m).
    expect(tl.engine.stats().grouped).toBe(23);
    await run(20 * MIN, 50 * MIN, powerCut);
    expect(opened().map((t) => t.fingerprint)).toEqual([GROUP, `device-silent/xiwan-tap/${STUCK}`]);
    expect(all.filter((c) => c.change === 'resolved').map((c) => c.ticket.fingerprint)).toEqual([GROUP]);
  });
});
