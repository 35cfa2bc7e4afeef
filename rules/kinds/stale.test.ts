import { describe, expect, it } from 'vitest';
import type { Site } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import type { Decision, WatchedDevice } from './kind.ts';
import { initialStaleState, stale, staleHeard, staleLimitMs, staleSchema, staleSilentSince, staleStatus, staleTick, type StaleRule, type StaleState } from './stale.ts';

const base = { title: 'Device silent', titleZh: '设备无数据', source: 'test fixture: missing data and a device going offline (operational practice)', kind: 'stale' } as const;
const silent = staleSchema.parse({ ...base, id: 'silent' });
const waits = staleSchema.parse({ ...base, id: 'waits', offline: 'wait' });
const turbidityOnly = staleSchema.parse({ ...base, id: 'turbidity-silent', metric: 'turbidity' });
const batched = staleSchema.parse({ ...base, id: 'batched', atLeast: '20m' });
/** As the shipped pack: a minute past the limit (or the last will) for a flood rule to group first. */
const waiting = staleSchema.parse({ ...base, id: 'waiting', wait: '1m' });

const site: Site = { id: 'tongmen-tap', name: 'tap', kind: 'tap', township: 'tongmen', village: 'tongmen', zone: 'north', location: { lat: 29.5, lon: 119.7 } };
/** A 1-minute sonde: the limit is 3 minutes. */
const sonde: WatchedDevice = { id: 'tongmen-tap-wq', site, intervalMs: 60_000, metrics: new Set<MetricName>(['turbidity', 'ph']) };

const MIN = 60_000;
type Step =
  | readonly ['tick', minute: number]
  | readonly ['data', minute: number, metrics?: readonly MetricName[]]
  | readonly ['offline' | 'online', minute: number];

/** Runs steps through the rule and spells each decision ("fire:warning@240" = silent 240 s). */
function run(rule: StaleRule, steps: readonly Step[], state: StaleState = initialStaleState, device: WatchedDevice = sonde): string[] {
  return steps.map((step) => {
    const [what, minute] = step;
    const at = minute * MIN;
    const evaluation =
      what === 'tick'
        ? staleTick(rule, state, device, at)
        : what === 'data'
          ? staleHeard(rule, state, { ts: at, values: new Map((step[2] ?? ['turbidity', 'ph']).map((m) => [m, 1])) })
          : staleStatus(rule, state, what, at);
    state = evaluation.state;
    return spell(evaluation.decision, evaluation.value);
  });
}

function spell(decision: Decision, value: number | undefined): string {
  if (decision.type === 'none') return '-';
  const at = value === undefined ? '' : `@${value}`;
  return decision.type === 'resolve' ? `resolve${at}` : `${decision.type}:${decision.severity}${at}`;
}

describe('stale', () => {
  it.each([
    ['data every minute keeps it quiet', silent, [['data', 0], ['tick', 1], ['data', 1], ['tick', 2], ['data', 2], ['tick', 3]], ['-', '-', '-', '-', '-', '-']],
    ['silent for more than 3 intervals opens', silent, [['data', 0], ['tick', 2], ['tick', 3], ['tick', 4]], ['-', '-', '-', 'fire:warning@240']],
    ['exactly 3 intervals is not yet stale', silent, [['data', 0], ['tick', 3]], ['-', '-']],
    ['further ticks while stale write nothing', silent, [['data', 0], ['tick', 4], ['tick', 5], ['tick', 60]], ['-', 'fire:warning@240', '-', '-']],
    ['data returning resolves; the value is the gap', silent, [['data', 0], ['tick', 4], ['data', 7]], ['-', 'fire:warning@240', 'resolve@420']],
    ['never heard: due 3 intervals after the first tick', silent, [['tick', 0], ['tick', 3], ['tick', 3.5]], ['-', '-', 'fire:warning@210']],
    ['never heard and no tick yet: a reading starts the clock', silent, [['data', 10], ['tick', 12], ['tick', 14]], ['-', '-', 'fire:warning@240']],
    ['offline status opens at once', silent, [['data', 0], ['offline', 0.5]], ['-', 'fire:warning@30']],
    ['online alone does not resolve; data does', silent, [['data', 0], ['offline', 0.5], ['online', 5], ['tick', 6], ['data', 6]], ['-', 'fire:warning@30', '-', '-', 'resolve@360']],
    ['an offline older than the last data is ignored', silent, [['data', 5], ['offline', 4], ['offline', 5]], ['-', '-', '-']],
    ['offline: wait ignores the status and waits for the limit', waits, [['data', 0], ['offline', 0.5], ['tick', 3], ['tick', 3.5]], ['-', '-', '-', 'fire:warning@210']],
    ['metric: other metrics do not count as data', turbidityOnly, [['data', 0], ['data', 2, ['ph']], ['tick', 4], ['data', 5, ['ph']], ['data', 6, ['turbidity']]], ['-', '-', 'fire:warning@240', '-', 'resolve@360']],
    ['refresh: an update with the current silence every hour while stale', silent, [['data', 0], ['tick', 4], ['tick', 63], ['tick', 64], ['tick', 124]], ['-', 'fire:warning@240', '-', 'update:warning@3840', 'update:warning@7440']],
    ['refresh 0: never', staleSchema.parse({ ...base, id: 'quiet', refresh: 0 }), [['data', 0], ['tick', 4], ['tick', 200]], ['-', 'fire:warning@240', '-']],
    ['atLeast raises the limit for batch uploaders', batched, [['data', 0], ['tick', 15], ['data', 15], ['tick', 35], ['tick', 36]], ['-', '-', '-', '-', 'fire:warning@1260']],
    ['wait: opens a minute past the limit', waiting, [['data', 0], ['tick', 3.5], ['tick', 4], ['tick', 4.5]], ['-', '-', '-', 'fire:warning@270']],
    ['wait: an offline opens a minute later, at a tick', waiting, [['data', 0], ['offline', 0.5], ['tick', 1], ['tick', 1.5]], ['-', '-', '-', 'fire:warning@90']],
    ['wait: data after the offline, before the wait ends, opens nothing', waiting, [['data', 0], ['offline', 0.5], ['data', 1], ['tick', 2], ['tick', 4]], ['-', '-', '-', '-', '-']],
  ] as const)('%s', (_name, rule, steps, expected) => {
    expect(run(rule, steps)).toEqual(expected);
  });

  it('limits by intervals of the device, with the floor', () => {
    expect(staleLimitMs(silent, sonde)).toBe(180_000);
    expect(staleLimitMs(batched, sonde)).toBe(20 * MIN);
    expect(staleLimitMs(silent, { ...sonde, intervalMs: 300_000 })).toBe(15 * MIN);
  });

  it('counts a logger silent after three missed uploads, not three missed samples', () => {
    const logger: WatchedDevice = { ...sonde, id: 'tongmen-end-tap-pt', uploadEveryMs: 15 * MIN };
    expect(staleLimitMs(silent, logger)).toBe(45 * MIN);
    // Uploads at 0 and 15 (each a batch of minute samples), then nothing: quiet between uploads,
    // silent once three uploads are missed.
    expect(run(silent, [['data', 0], ['tick', 14], ['data', 15], ['tick', 44], ['tick', 60], ['tick', 61]], initialStaleState, logger)).toEqual(['-', '-', '-', '-', '-', 'fire:warning@2760']);
  });

  it('files tickets under the rule metric, else the device first metric', () => {
    expect(stale.watch?.metricOf(silent, sonde)).toBe('turbidity');
    expect(stale.watch?.metricOf(turbidityOnly, sonde)).toBe('turbidity');
    expect(stale.watch?.metricOf(staleSchema.parse({ ...base, id: 'flow', metric: 'flow' }), sonde)).toBeUndefined();
  });

  it('resumes an open ticket with the time it was last heard', () => {
    const state = stale.resume(silent, 'warning', { openedAt: 4 * MIN, firstValue: 240, lastValue: 240, peakValue: 240 });
    expect(state).toEqual({ heardAt: 0, since: 4 * MIN, severity: 'warning', reportedAt: undefined, offlineAt: undefined });
    // The first tick after a restart starts the refresh period.
    expect(run(silent, [['tick', 10], ['tick', 69], ['tick', 70], ['data', 71]], state)).toEqual(['-', '-', 'update:warning@4200', 'resolve@4260']);
  });

  it('says since when a device is silent (what flood rules count), the wait not included', () => {
    const heard = staleHeard(waiting, staleTick(waiting, initialStaleState, sonde, 0).state, { ts: 0, values: new Map([['ph', 7]]) }).state;
    expect(staleSilentSince(waiting, heard, sonde, 3 * MIN)).toBeUndefined();
    expect(staleSilentSince(waiting, heard, sonde, 3.5 * MIN)).toBe(3 * MIN);
    const offline = staleStatus(waiting, heard, 'offline', 0.5 * MIN).state;
    expect(staleSilentSince(waiting, offline, sonde, MIN)).toBe(0.5 * MIN);
    expect(staleSilentSince(silent, staleStatus(silent, heard, 'offline', 0.5 * MIN).state, sonde, 10 * MIN)).toBe(0.5 * MIN);
    expect(staleSilentSince(waiting, initialStaleState, sonde, 10 * MIN)).toBeUndefined();
  });

  it('is always per device and shows its defaults', () => {
    expect(silent).toMatchObject({ subject: 'device', intervals: 3, atLeast: 0, offline: 'open', severity: 'warning', refresh: 3_600_000, wait: 0 });
    expect(staleSchema.safeParse({ ...base, id: 's', subject: 'site' }).success).toBe(false);
    expect(staleSchema.safeParse({ ...base, id: 's', intervals: 0 }).success).toBe(false);
    expect(staleSchema.safeParse({ ...base, id: 's', atLeast: 'soon' }).success).toBe(false);
  });
});
