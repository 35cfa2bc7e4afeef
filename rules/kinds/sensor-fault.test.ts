import { describe, expect, it } from 'vitest';
import type { Decision } from './kind.ts';
import {
  evaluateSensorFault,
  initialSensorFaultState,
  sensorFault,
  sensorFaultSchema,
  type SensorFaultRule,
  type SensorFaultState,
} from './sensor-fault.ts';

const base = { title: 'Turbidity sensor fault', titleZh: '浊度仪故障', source: 'test fixture: bubble spikes and saturation, sensor faults (operational practice)', kind: 'sensor-fault', metric: 'turbidity' } as const;
const spikesRule = (id: string, fields: object) => sensorFaultSchema.parse({ ...base, id, fault: 'spikes', ...fields });
const rangeRule = (id: string, fields: object) => sensorFaultSchema.parse({ ...base, id, fault: 'range', ...fields });

/** As the shipped pack: ≥ 0.5 NTU and ≥ 3 × the neighbours, one sample, 3 within an hour. */
const bubbles = spikesRule('bubbles', { height: 0.5, ratio: 3 });
const heightOnly = spikesRule('height-only', { height: 0.5 });
const ratioOnly = spikesRule('ratio-only', { ratio: 3 });
const twoSample = spikesRule('two-sample', { height: 0.5, ratio: 3, maxSpikeSamples: 2 });
const quick = spikesRule('quick', { height: 0.5, ratio: 3, quiet: '10m' });
/** Saturation at the top of a 0-4000 NTU turbidimeter, 5 minutes. */
const saturation = rangeRule('saturation', { range: { max: 4000 } });
/** A 0.02-100 NTU instrument, at once. */
const instrument = rangeRule('instrument', { range: { min: 0.02, max: 100 }, for: 0 });

const MIN = 60_000;
type Push = readonly [minute: number, turbidity: number];

/** Readings at `value` every minute from `from` to `to`, both included. */
function steady(from: number, to: number, value = 0.2): Push[] {
  const pushes: Push[] = [];
  for (let minute = from; minute <= to; minute++) pushes.push([minute, value]);
  return pushes;
}

/** A clean 0.2 NTU signal from 0 to `to` with one-sample spikes of `peak` at the given minutes. */
function withSpikes(to: number, at: readonly number[], peak = 2.5): Push[] {
  return steady(0, to).map(([minute, value]) => [minute, at.includes(minute) ? peak : value] as const);
}

function spell(decision: Decision, value: number | undefined): string {
  if (decision.type === 'none') return decision.ignored ? 'ignored' : '-';
  const at = value === undefined ? '' : `@${value}`;
  return decision.type === 'resolve' ? `resolve${at}` : `${decision.type}:${decision.severity}${at}`;
}

/** Runs readings through the rule; lists only the pushes that decided something, as "minute:decision". */
function run(rule: SensorFaultRule, pushes: readonly Push[], state: SensorFaultState = initialSensorFaultState(rule)): string[] {
  const decided: string[] = [];
  for (const [minute, turbidity] of pushes) {
    const evaluation = evaluateSensorFault(rule, state, { ts: minute * MIN, values: new Map([['turbidity', turbidity]]) });
    state = evaluation.state;
    const word = spell(evaluation.decision, evaluation.value);
    if (word !== '-') decided.push(`${minute}:${word}`);
  }
  return decided;
}

describe('sensor-fault spikes', () => {
  it.each([
    ['one bubble spike opens nothing', bubbles, withSpikes(120, [10]), []],
    ['two spikes in an hour open nothing', bubbles, withSpikes(120, [10, 40]), []],
    ['three spikes within an hour open one ticket; the value is the peak', bubbles, withSpikes(55, [10, 30, 50], 3.1), ['51:fire:maintenance@3.1']],
    ['three spikes spread over more than an hour do not', bubbles, withSpikes(120, [0, 35, 70]), []],
    ['later spikes update; plain readings write nothing', bubbles, withSpikes(45, [10, 20, 30, 40]), ['31:fire:maintenance@2.5', '41:update:maintenance@2.5']],
    ['resolves at the first reading an hour after the last spike', bubbles, withSpikes(95, [10, 20, 30]), ['31:fire:maintenance@2.5', '90:resolve@0.2']],
    ['quiet: resolves 10 minutes after the last spike', quick, withSpikes(45, [10, 20, 30]), ['31:fire:maintenance@2.5', '40:resolve@0.2']],
    ['back-to-back spikes: each return is the level before the next', bubbles, [[0, 0.2], [1, 2.5], [2, 0.2], [3, 2.5], [4, 0.2], [5, 2.5], [6, 0.2]], ['6:fire:maintenance@2.5']],
    ['after resolving, a single spike opens nothing again', quick, withSpikes(90, [10, 20, 30, 70]), ['31:fire:maintenance@2.5', '40:resolve@0.2']],
    ['spikes below `height` do not count', bubbles, withSpikes(60, [10, 20, 30], 0.6), []],
    ['a downward blip is not a spike', bubbles, withSpikes(60, [10, 20, 30], 0.01), []],
    ['a spike that comes only half-way back is not a spike', bubbles, [...steady(0, 9), [10, 3], [11, 1.5], ...steady(12, 19), [20, 3], [21, 1.5], ...steady(22, 29), [30, 3], [31, 1.5], ...steady(32, 40)], []],
    ['a two-sample spike does not count with maxSpikeSamples 1', bubbles, [...steady(0, 9), [10, 2.5], [11, 2.6], ...steady(12, 19), [20, 2.5], [21, 2.6], ...steady(22, 29), [30, 2.5], [31, 2.6], ...steady(32, 40)], []],
    ['a two-sample spike counts with maxSpikeSamples 2', twoSample, [...steady(0, 9), [10, 2.5], [11, 2.6], ...steady(12, 19), [20, 2.5], [21, 2.6], ...steady(22, 29), [30, 2.5], [31, 2.6], ...steady(32, 40)], ['32:fire:maintenance@2.6']],
    ['a late reading is ignored and does not break a spike', bubbles, [...withSpikes(25, [10, 20]), [29, 0.2], [30, 2.5], [15, 9], [31, 0.2]], ['15:ignored', '31:fire:maintenance@2.5']],
    ['a repeated timestamp is ignored', bubbles, [[0, 0.2], [0, 2.5]], ['0:ignored']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });

  /** Yellow water: 0.2 NTU, then a step to about 3 NTU that wobbles and decays over hours. */
  const yellowWater: Push[] = [
    ...steady(0, 9),
    ...[3, 3.4, 3.1, 5, 3, 5.2, 3.1, 4.9, 3, 2.8, 2.6, 2.4].map((turbidity, i) => [10 + i, turbidity] as const),
    ...Array.from({ length: 200 }, (_, i) => [22 + i, Number((0.2 + 2.2 * Math.exp(-i / 60)).toFixed(3))] as const),
  ];

  it('yellow water (a step that stays up and wobbles) is never a spike', () => {
    expect(run(bubbles, yellowWater)).toEqual([]);
    expect(run(twoSample, yellowWater)).toEqual([]);
  });

  it('why `ratio`: with `height` alone, the wobble of a real event counts as spikes', () => {
    expect(run(heightOnly, yellowWater)).toEqual(['18:fire:maintenance@4.9', '77:resolve@1.08']);
  });

  it('`ratio` alone counts a blip over a zero reading (give `height` as well for such metrics)', () => {
    expect(run(ratioOnly, [[0, 0], [1, 0.001], [2, 0], [3, 0.001], [4, 0], [5, 0.001], [6, 0]])).toEqual(['6:fire:maintenance@0.001']);
  });

  it('keeps at most `spikes` spike times, whatever the rate', () => {
    let state = initialSensorFaultState(bubbles);
    for (let i = 0; i < 20_000; i++) {
      state = evaluateSensorFault(bubbles, state, { ts: i * 100, values: new Map([['turbidity', i % 2 === 0 ? 0.2 : 2.5]]) }).state;
    }
    expect(state.mode === 'spikes' && state.recent.length).toBe(3);
  });
});

describe('sensor-fault range', () => {
  it.each([
    ['saturated at the range top for 5 minutes opens', saturation, [...steady(0, 4), ...steady(5, 10, 4000)], ['10:fire:maintenance@4000']],
    ['a single reading at the top opens nothing', saturation, [...steady(0, 4), [5, 4000], ...steady(6, 20)], []],
    ['just inside the top is inside', saturation, steady(0, 20, 3999.9), []],
    ['while pinned every reading updates; the first reading inside resolves', saturation, [...steady(0, 5, 4000), [6, 4000], [7, 0.3]], ['5:fire:maintenance@4000', '6:update:maintenance@4000', '7:resolve@0.3']],
    ['a reading inside while pending starts the wait over', saturation, [...steady(0, 3, 4000), [4, 0.3], ...steady(5, 9, 4000), [10, 4000]], ['10:fire:maintenance@4000']],
    ['instrument range: a reading at the bottom end counts, at once with for 0', instrument, [[0, 0.3], [1, 0.02], [2, 0.01], [3, 0.05]], ['1:fire:maintenance@0.02', '2:update:maintenance@0.01', '3:resolve@0.05']],
    ['instrument range: above its top counts', instrument, [[0, 0.3], [1, 150]], ['1:fire:maintenance@150']],
    ['a late reading is ignored', saturation, [...steady(0, 5, 4000), [2, 0.3], [6, 4000]], ['5:fire:maintenance@4000', '2:ignored', '6:update:maintenance@4000']],
  ] as const)('%s', (_name, rule, pushes, expected) => {
    expect(run(rule, pushes)).toEqual(expected);
  });
});

/** mulberry32: a small seeded generator, so the "real-looking" data is the same on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A week of 1-minute tap turbidity: 0.2 NTU with a daily swing and noise, rounded to 0.001 NTU;
 * a lone bubble spike now and then (never two within 2 hours); a yellow-water event on day 3
 * (step to 3 NTU at a valve operation, decaying over hours); optionally a bubbling hour.
 */
function tapWeek(seed: number, bubblingFrom?: number): Push[] {
  const random = seeded(seed);
  const pushes: Push[] = [];
  let lastBubble = Number.NEGATIVE_INFINITY;
  for (let minute = 0; minute < 7 * 24 * 60; minute++) {
    const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const sinceValve = minute - 3 * 1440;
    const event = sinceValve >= 0 ? 2.8 * Math.exp(-sinceValve / 240) : 0;
    let value = 0.2 + 0.03 * Math.sin((2 * Math.PI * minute) / 1440) + event * (1 + 0.05 * gauss) + 0.004 * gauss;
    const lone = minute - lastBubble > 120 && random() < 0.002;
    const bubbling = bubblingFrom !== undefined && minute >= bubblingFrom && minute < bubblingFrom + 60 && minute % 15 === 7;
    if (lone || bubbling) {
      value += 1 + 4 * random();
      lastBubble = minute;
    }
    pushes.push([minute, Math.round(Math.max(0, value) * 1000) / 1000]);
  }
  return pushes;
}

describe('sensor-fault on jittery data', () => {
  it.each([1, 2, 3, 42, 2026])('a week with lone bubbles and a yellow-water event opens nothing (seed %i)', (seed) => {
    const week = tapWeek(seed);
    expect(week.filter(([, value]) => value > 1).length).toBeGreaterThan(10); // the week does have spikes and an event
    expect(run(bubbles, week)).toEqual([]);
    expect(run(saturation, week)).toEqual([]);
  });

  it('a bubbling hour (a spike every 15 minutes) opens one ticket, resolved an hour after the last spike', () => {
    const from = 5 * 1440;
    const decided = run(bubbles, tapWeek(7, from));
    expect(decided.filter((word) => /fire|resolve/.test(word))).toEqual([
      expect.stringMatching(new RegExp(`^${from + 38}:fire:maintenance@`)),
      `${from + 52 + 60}:resolve@${tapWeek(7, from)[from + 112]?.[1]}`,
    ]);
  });
});

describe('sensor-fault resume', () => {
  it('spikes: the quiet wait starts at the first reading after the restart', () => {
    const state = sensorFault.resume(bubbles, 'maintenance');
    expect(run(bubbles, steady(100, 161), state)).toEqual(['160:resolve@0.2']);
  });

  it('spikes: a spike after the restart updates and restarts the wait', () => {
    const state = sensorFault.resume(quick, 'maintenance');
    expect(run(quick, [[100, 0.2], [105, 2.5], [106, 0.2], [114, 0.2], [115, 0.2]], state)).toEqual(['106:update:maintenance@2.5', '115:resolve@0.2']);
  });

  it('range: a pinned reading updates, the first reading inside resolves', () => {
    const state = sensorFault.resume(saturation, 'maintenance');
    expect(run(saturation, [[100, 4000], [101, 0.4]], state)).toEqual(['100:update:maintenance@4000', '101:resolve@0.4']);
  });

  it('a state of the other mode counts as initial', () => {
    expect(run(saturation, steady(0, 5, 4000), initialSensorFaultState(bubbles))).toEqual(['5:fire:maintenance@4000']);
  });
});

describe('sensor-fault schema', () => {
  it('shows its defaults', () => {
    expect(bubbles).toMatchObject({ fault: 'spikes', maxSpikeSamples: 1, spikes: 3, window: 60 * MIN, severity: 'maintenance', subject: 'site', inhibit: false });
    expect(bubbles).not.toHaveProperty('quiet');
    expect(saturation).toMatchObject({ fault: 'range', for: 5 * MIN, severity: 'maintenance' });
  });

  it('tells which end is worse', () => {
    expect(sensorFault.worst(bubbles)).toBe('highest');
    expect(sensorFault.worst(saturation)).toBe('highest');
    expect(sensorFault.worst(rangeRule('low', { range: { min: 0.02 } }))).toBe('lowest');
    expect(sensorFault.metrics(bubbles)).toEqual(['turbidity']);
  });

  it.each([
    ['no fault', {}, 'fault'],
    ['an unknown fault', { fault: 'gremlins' }, 'fault'],
    ['spikes without height or ratio', { fault: 'spikes' }, 'give a height or a ratio'],
    ['a ratio of 1 or less', { fault: 'spikes', ratio: 1 }, 'ratio'],
    ['a single spike', { fault: 'spikes', height: 0.5, spikes: 1 }, 'spikes'],
    ['a zero window', { fault: 'spikes', height: 0.5, window: 0 }, 'window must be longer than 0'],
    ['a height beyond the physical range', { fault: 'spikes', height: 5000 }, 'exceeds the physical range of turbidity'],
    ['a range without ends', { fault: 'range', range: {} }, 'give range.min, range.max or both'],
    ['a range upside down', { fault: 'range', range: { min: 10, max: 1 } }, 'must be below range.max'],
    ['a range end outside the physical range', { fault: 'range', range: { max: 5000 } }, 'outside the physical range of turbidity'],
    ['a spike field on a range rule', { fault: 'range', range: { max: 4000 }, spikes: 3 }, 'spikes'],
  ])('rejects %s', (_name, fields, message) => {
    const parsed = sensorFaultSchema.safeParse({ ...base, id: 'bad', ...fields });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(JSON.stringify(parsed.error.issues)).toContain(message);
  });
});
