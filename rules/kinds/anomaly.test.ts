import { describe, expect, it } from 'vitest';
import type { MetricName } from '../../network/metrics.ts';
import {
  anomaly,
  anomalySchema,
  anomalyScore,
  evaluateAnomaly,
  initialAnomalyState,
  panelOf,
  sampleScore,
  type AnomalyRule,
  type AnomalyState,
} from './anomaly.ts';
import type { Decision } from './kind.ts';
import { anomalyBase } from './anomaly.fixtures.ts';
import { baselineOf, binomialCdf, sortedMad } from './robust-stats.ts';

const MIN = 60_000;

const base = anomalyBase;
const rule = anomalySchema.parse(base);
const maxRule = anomalySchema.parse({ ...base, combine: 'max' });

type Row = readonly [minute: number, ph: number, orp: number];
/** Five quiet minutes at pH 8.0, ORP 750 (alternating by one resolution step). */
const quiet: Row[] = [
  [0, 8.0, 750],
  [1, 8.01, 751],
  [2, 8.0, 750],
  [3, 8.01, 751],
  [4, 8.0, 750],
];

function sample(minute: number, ph: number, orp: number) {
  return { ts: minute * MIN, values: new Map<MetricName, number>([['ph', ph], ['orp', orp]]) };
}

function spell(decision: Decision): string {
  if (decision.type === 'none') return decision.ignored ? 'ignored' : '-';
  if (decision.type === 'resolve') return 'resolve';
  return `${decision.type}:${decision.severity}`;
}

/** Decisions for the rows after the quiet warm-up, one word each. */
function run(config: AnomalyRule, rows: readonly Row[]): string[] {
  let state: AnomalyState = initialAnomalyState(config);
  return [...quiet, ...rows]
    .map(([minute, ph, orp]) => {
      const evaluation = evaluateAnomaly(config, state, sample(minute, ph, orp));
      state = evaluation.state;
      return spell(evaluation.decision);
    })
    .slice(quiet.length);
}

describe('anomaly evaluate (timelines after a 5-minute quiet baseline)', () => {
  it.each([
    ['noise within the spread does nothing', rule, [[5, 8.01, 751], [6, 8.0, 749], [7, 8.01, 750]], ['-', '-', '-']],
    ['a single spike (air bubble) opens nothing', rule, [[5, 8.3, 750], [6, 8.0, 750], [7, 8.01, 751]], ['-', '-', '-']],
    [
      'a step opens on the second outlier, updates, resolves after 2 inliers',
      rule,
      [[5, 8.2, 725], [6, 8.2, 725], [7, 8.2, 726], [8, 8.0, 750], [9, 8.01, 750]],
      ['-', 'fire:warning', 'update:warning', 'update:warning', 'resolve'],
    ],
    [
      'outlying samples stay out of the baseline: a 6-minute step is still an outlier at its end',
      rule,
      [[5, 8.2, 750], [6, 8.2, 750], [7, 8.2, 750], [8, 8.2, 750], [9, 8.2, 750], [10, 8.2, 750], [11, 8.0, 750], [12, 8.0, 750]],
      ['-', 'fire:warning', 'update:warning', 'update:warning', 'update:warning', 'update:warning', 'update:warning', 'resolve'],
    ],
    [
      'a change outlasting eventTimeout becomes the baseline (resolve, no re-fire)',
      rule,
      [[5, 8.2, 750], [6, 8.2, 750], ...[7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((m) => [m, 8.2, 750] as const), [17, 8.2, 750], [18, 8.21, 750]],
      ['-', 'fire:warning', ...Array<string>(10).fill('update:warning'), 'resolve', '-'],
    ],
    [
      'several indicators moving together add up (rss): 3 spreads each is 4.2 combined',
      rule,
      [[5, 8.03, 753], [6, 8.03, 753], [7, 8.03, 753]],
      ['-', 'fire:warning', 'update:warning'],
    ],
    ['the same with combine: max stays quiet', maxRule, [[5, 8.03, 753], [6, 8.03, 753], [7, 8.03, 753]], ['-', '-', '-']],
    [
      'a gap longer than maxGap resolves a firing ticket and relearns',
      rule,
      [[5, 8.2, 725], [6, 8.2, 725], [20, 8.2, 725], [21, 8.2, 725], [22, 8.2, 725], [23, 8.2, 725], [24, 8.2, 725], [25, 8.2, 725]],
      ['-', 'fire:warning', 'resolve', '-', '-', '-', '-', '-'],
    ],
    ['drops a reading at or before the last one', rule, [[5, 8.2, 725], [4, 8.2, 725], [5, 8.2, 725], [6, 8.2, 725]], ['-', 'ignored', 'ignored', 'fire:warning']],
  ] as const)('%s', (_name, config, rows, expected) => {
    expect(run(config, rows)).toEqual(expected);
  });

  it('learns minHistory readings before judging anything', () => {
    const rows: Row[] = [[0, 8.0, 750], [1, 9.0, 700], [2, 7.0, 800], [3, 8.0, 750]];
    let state = initialAnomalyState(rule);
    for (const [minute, ph, orp] of rows) {
      const evaluation = evaluateAnomaly(rule, state, sample(minute, ph, orp));
      expect(evaluation.decision).toEqual({ type: 'none' });
      state = evaluation.state;
    }
  });

  it('ignores a reading without any indicator (a flow meter) without touching the state', () => {
    const state = initialAnomalyState(rule);
    const evaluation = evaluateAnomaly(rule, state, { ts: 0, values: new Map<MetricName, number>([['flow', 80]]) });
    expect(evaluation).toEqual({ state, decision: { type: 'none' } });
  });

  it('carries the anomaly score (robust standard deviations) as the ticket value', () => {
    let state = initialAnomalyState(rule);
    for (const [minute, ph, orp] of quiet) state = evaluateAnomaly(rule, state, sample(minute, ph, orp)).state;
    state = evaluateAnomaly(rule, state, sample(5, 8.2, 750)).state;
    const fired = evaluateAnomaly(rule, state, sample(6, 8.2, 750));
    expect(fired.decision.type).toBe('fire');
    // pH median 8.00, MAD 0 → spread 0.01; ORP on its median → score 20.
    expect(fired.value).toBeCloseTo(20, 6);
  });

  it('a resumed ticket relearns, then resolves on quiet readings', () => {
    let state = anomaly.resume(rule, 'warning', { openedAt: 0, firstValue: 9, lastValue: 9, peakValue: 9 });
    const decisions = [...quiet, [5, 8.0, 750], [6, 8.01, 751]].map(([minute, ph, orp]) => {
      const evaluation = anomaly.evaluate(rule, state, sample(minute as number, ph as number, orp as number));
      state = evaluation.state;
      return spell(evaluation.decision);
    });
    expect(decisions).toEqual(['update:warning', 'update:warning', 'update:warning', 'update:warning', 'update:warning', 'update:warning', 'resolve']);
  });
});

/** Rows from minute `from` to `to` (inclusive) at one pH, ORP 750. */
function held(from: number, to: number, ph: number): Row[] {
  return Array.from({ length: to - from + 1 }, (_, i) => [from + i, ph, 750] as const);
}

/**
 * After an event timeout the replaced baseline is the prior normal for another eventTimeout.
 * Every timeline: a step to pH 8.2 at minute 5 fires at 6 and times out at 17 (17 − 6 > 10 min).
 */
describe('anomaly new change while a ticket is open (newChange)', () => {
  const renewing = anomalySchema.parse({ ...base, newChange: 'new-ticket' });
  const level = (from: number, to: number, ph: number): Row[] => Array.from({ length: to - from + 1 }, (_, i) => [from + i, ph, 750] as const);
  // A step to pH 8.2 opens at minute 6; the event's level is learned over 5 panels; at minute 11
  // the water moves again, to pH 8.5 (a second event while the first ticket is held).
  const rows = [...level(5, 10, 8.2), ...level(11, 14, 8.5)];

  it('ignore (the default): the open ticket covers the second change', () => {
    expect(anomalySchema.parse(base).newChange).toBe('ignore');
    expect(run(rule, rows)).toEqual(['-', 'fire:warning', ...Array<string>(8).fill('update:warning')]);
  });

  it('new-ticket: the open ticket resolves once the change passes the discriminator, the next panel opens anew', () => {
    expect(run(renewing, rows)).toEqual(['-', 'fire:warning', ...Array<string>(5).fill('update:warning'), 'resolve', 'fire:warning', 'update:warning']);
  });

  it('new-ticket: an event that stays at its level, or ends, is one ticket', () => {
    expect(run(renewing, level(5, 14, 8.2))).toEqual(['-', 'fire:warning', ...Array<string>(8).fill('update:warning')]);
    expect(run(renewing, [...level(5, 10, 8.2), ...level(11, 13, 8.0)])).toEqual(['-', 'fire:warning', ...Array<string>(5).fill('update:warning'), 'resolve', '-']);
  });
});

describe('anomaly prior normal after an event timeout', () => {
  const timedOut = ['-', 'fire:warning', ...Array<string>(10).fill('update:warning'), 'resolve'];

  it.each([
    [
      'water back to its prior normal opens no ticket and is learned again (a later step fires)',
      rule,
      [...held(5, 17, 8.2), ...held(18, 22, 8.0), ...held(23, 24, 8.2)],
      [...timedOut, '-', '-', '-', '-', '-', '-', 'fire:warning'],
    ],
    [
      'a sample far from both the new baseline and the prior normal is still an outlier',
      rule,
      [...held(5, 17, 8.2), ...held(18, 19, 7.8)],
      [...timedOut, '-', 'fire:warning'],
    ],
    [
      'the prior normal is forgotten eventTimeout after the timeout (minute 27)',
      rule,
      [...held(5, 28, 8.2), ...held(29, 30, 8.0)],
      [...timedOut, ...Array<string>(11).fill('-'), '-', 'fire:warning'],
    ],
    [
      'a gap forgets the prior normal',
      anomalySchema.parse({ ...base, maxGap: '2m' }),
      [...held(5, 17, 8.2), ...held(20, 24, 8.2), ...held(25, 26, 8.0)],
      [...timedOut, '-', '-', '-', '-', '-', '-', 'fire:warning'],
    ],
  ] as const)('%s', (_name, config, rows, expected) => {
    expect(run(config, rows)).toEqual(expected);
  });

  it('scores a sample against the nearer of the baseline and the prior normal', () => {
    let state = initialAnomalyState(rule);
    for (const [minute, ph, orp] of [...quiet, ...held(5, 17, 8.2)]) state = evaluateAnomaly(rule, state, sample(minute, ph, orp)).state;
    expect(state.priorNormal?.until).toBe(27 * MIN);
    const [ph, orp] = [8.0, 750];
    // The new baseline is pH 8.2 (spread 0.01): 20 spreads; the prior normal is pH 8.0-8.01, ORP 750-751.
    expect(sampleScore(rule, { ...state, priorNormal: undefined }, [ph, orp])).toBeCloseTo(20, 6);
    expect(sampleScore(rule, state, [ph, orp])).toBeCloseTo(0, 6);
  });
});

/**
 * A site whose analysers are separate devices: a turbidimeter sends turbidity at second 10 of
 * each minute, a pH/ORP analyser sends pH and ORP at second 40; the rule of the timelines above
 * with turbidity as a third indicator. The panel is judged at the reading that completes a round
 * (every fresh indicator newer than the last judged panel): the turbidimeter's, from minute 1 on.
 */
const panelBase = { ...base, indicators: [{ metric: 'turbidity', minSpread: 0.005 }, ...base.indicators] };
const panelRule = anomalySchema.parse(panelBase);
/** The same panel with conductivity, which no device of the site sends. */
const unheardRule = anomalySchema.parse({ ...panelBase, indicators: [...panelBase.indicators, { metric: 'conductivity', minSpread: 3 }] });

type Values = Partial<Record<MetricName, number>>;
type Reading = readonly [minute: number, second: number, values: Values];

const turbidimeter = (minute: number, turbidity = minute % 2 === 0 ? 0.1 : 0.105): Reading => [minute, 10, { turbidity }];
const phAnalyser = (minute: number, ph = minute % 2 === 0 ? 8.0 : 8.01, orp = 750 + (minute % 2)): Reading => [minute, 40, { ph, orp }];
/** Minutes 0-6 of both devices: 7 panels learned, pH and ORP scored from minute 6 on. */
const quietPanel: Reading[] = Array.from({ length: 7 }, (_, minute) => [turbidimeter(minute), phAnalyser(minute)]).flat();

function readingOf([minute, second, values]: Reading) {
  return { ts: minute * MIN + second * 1000, values: new Map(Object.entries(values) as [MetricName, number][]) };
}

/** Decisions for the readings after the two-device warm-up, one word each. */
function runPanel(config: AnomalyRule, readings: readonly Reading[]): string[] {
  let state = initialAnomalyState(config);
  return [...quietPanel, ...readings]
    .map((reading) => {
      const evaluation = evaluateAnomaly(config, state, readingOf(reading));
      state = evaluation.state;
      return spell(evaluation.decision);
    })
    .slice(quietPanel.length);
}

const stepped = (from: number, to: number): Reading[] =>
  Array.from({ length: to - from + 1 }, (_, i) => [turbidimeter(from + i, 0.4), phAnalyser(from + i, 8.3, 720)]).flat();
const quietFrom = (from: number, to: number): Reading[] => Array.from({ length: to - from + 1 }, (_, i) => [turbidimeter(from + i), phAnalyser(from + i)]).flat();
const turbidityOnly = (from: number, to: number, turbidity?: number): Reading[] => Array.from({ length: to - from + 1 }, (_, i) => turbidimeter(from + i, turbidity));

describe('anomaly across the analysers of one site (one panel, several devices)', () => {
  // Step readings from minute 7: the turbidimeter's reading completes each round.
  const stepRun = ['-', '-', 'fire:warning', '-', 'update:warning', '-', 'update:warning', '-', 'resolve', '-'];

  it.each([
    ['a step seen by both devices opens at the second outlying round, resolves after 2 quiet ones', panelRule, [...stepped(7, 8), ...quietFrom(9, 11)], stepRun],
    ['an indicator no device of the site sends is left out', unheardRule, [...stepped(7, 8), ...quietFrom(9, 11)], stepRun],
    [
      'one air bubble counts once, however many other readings come while it is the latest',
      panelRule,
      [turbidimeter(7, 0.4), phAnalyser(7), [7, 50, { ph: 8.01 }], turbidimeter(8), phAnalyser(8), turbidimeter(9)],
      ['-', '-', '-', '-', '-', '-'],
    ],
    [
      'the pH analyser falls silent: the panel waits maxAge at most, then goes on without it',
      panelRule,
      [turbidimeter(7), turbidimeter(8, 0.4), turbidimeter(9, 0.4), turbidimeter(10, 0.4)],
      ['-', '-', '-', 'fire:warning'],
    ],
    [
      'an analyser back after more than maxGap relearns (its new level opens nothing) while the panel goes on',
      panelRule,
      [...turbidityOnly(7, 13), [13, 40, { ph: 8.3, orp: 720 }], ...[14, 15, 16, 17].flatMap((m) => [turbidimeter(m), phAnalyser(m, 8.3 + 0.01 * (m % 2), 720)])],
      Array<string>(16).fill('-'),
    ],
    [
      'late values: each indicator against its own latest and the last judged panel',
      panelRule,
      // pH of 7:40 arrives before turbidity of 7:10: both new, the round completes; the 7:10
      // redelivery and a pH of 7:05 (behind the judged panel) are dropped; at 8:10 the turbidity
      // counts though the pH beside it is older than the pH analyser's 8:40.
      [phAnalyser(7), turbidimeter(7), turbidimeter(7), [7, 5, { ph: 8.3 }], phAnalyser(8), [8, 10, { turbidity: 0.4, ph: 8.3 }]],
      ['-', '-', 'ignored', 'ignored', '-', '-'],
    ],
  ] as const)('%s', (_name, config, readings, expected) => {
    expect(runPanel(config, readings)).toEqual(expected);
  });

  it('learns each value once: a round files one value per fresh indicator', () => {
    let state = initialAnomalyState(panelRule);
    for (const reading of quietPanel) state = evaluateAnomaly(panelRule, state, readingOf(reading)).state;
    // 7 rounds judged (0:10 … 6:10); pH and ORP joined the second one.
    expect(state.learned).toBe(7);
    expect(state.memory.map(({ recent }) => recent.length)).toEqual([5, 5, 5]);
    expect(state.memory.map(({ baseline }) => baseline)).toEqual([
      [0.1, 0.105, 0.1, 0.105, 0.1],
      [8.01, 8.0, 8.01, 8.0, 8.01],
      [751, 750, 751, 750, 751],
    ]);
  });

  it.each([
    ['every fresh indicator newer than the last panel: judged as of the newest', [[0.2, 70], [8.1, 40]], 30, { ts: 70, values: [0.2, 8.1] }],
    ['a fresh indicator already judged: the round is not complete', [[0.2, 70], [8.1, 20]], 30, undefined],
    ['an indicator older than maxAge behind the newest is missing', [[0.2, 200], [8.1, 20]], 30, { ts: 200, values: [0.2, Number.NaN] }],
    ['an indicator never heard is missing', [[0.2, 70], undefined], 30, { ts: 70, values: [0.2, Number.NaN] }],
  ] as const)('panelOf: %s', (_name, latest, judgedSecond, expected) => {
    const config = anomalySchema.parse({ ...base, indicators: [{ metric: 'turbidity', minSpread: 0.005 }, { metric: 'ph', minSpread: 0.01 }] });
    const samples = latest.map((pair) => pair && { value: pair[0], ts: pair[1] * 1000 });
    const panel = panelOf(config, samples, judgedSecond * 1000);
    expect(panel).toEqual(expected && { ts: expected.ts * 1000, values: expected.values });
  });
});

describe('anomaly statistics', () => {
  const bruteMad = (values: number[]) => {
    const median = (list: number[]) => {
      const s = [...list].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
    };
    const c = median(values);
    return median(values.map((v) => Math.abs(v - c)));
  };

  it.each([
    [[1]],
    [[1, 2]],
    [[1, 2, 3]],
    [[5, 1, 9, 2, 2, 2, 8]],
    [[0.17, 0.16, 0.17, 0.2, 0.14, 0.17]],
    [[3, 3, 3, 3]],
    [[-4, 10, 0.5, 7, 7, 7, 1, 2, 100, -50]],
  ])('sortedMad agrees with the textbook MAD for %j', (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const center = baselineOf(sorted, 1e-12).center;
    expect(sortedMad(sorted, center)).toBeCloseTo(bruteMad(values), 12);
  });

  it('the spread is 1.4826 × MAD, floored at minSpread', () => {
    expect(baselineOf([1, 2, 3, 4, 5], 0.1)).toEqual({ center: 3, spread: 1.4826 });
    expect(baselineOf([3, 3, 3], 0.01)).toEqual({ center: 3, spread: 0.01 });
  });

  it.each([
    [0, 3, 0.1, 0.729],
    [1, 3, 0.1, 0.972],
    [5, 10, 0.5, 0.623046875],
    [-1, 10, 0.5, 0],
    [10, 10, 0.5, 1],
  ])('P(X ≤ %s | n=%s, p=%s) = %s', (k, n, p, expected) => {
    expect(binomialCdf(k, n, p)).toBeCloseTo(expected, 9);
  });

  it('combines residuals as root-sum-square or maximum', () => {
    expect(anomalyScore('rss', [3, 4])).toBe(5);
    expect(anomalyScore('max', [3, 4])).toBe(4);
  });
});

describe('anomaly schema', () => {
  it('fills visible defaults', () => {
    const { id, title, titleZh, source, kind, indicators } = base;
    expect(anomalySchema.parse({ id, title, titleZh, source, kind, indicators })).toMatchObject({
      history: 15,
      minHistory: 10,
      combine: 'rss',
      outlierThreshold: 8,
      bedWindow: 10,
      outlierProbability: 0.05,
      eventProbability: 0.99,
      clearAfter: 3,
      eventTimeout: 7_200_000,
      maxGap: 1_800_000,
      maxAge: 120_000,
      severity: 'warning',
      subject: 'site',
    });
  });

  it.each([
    ['an indicator twice', { indicators: [{ metric: 'ph', minSpread: 0.01 }, { metric: 'ph', minSpread: 0.02 }] }, 'indicator ph appears twice'],
    ['minHistory above history', { history: 5, minHistory: 6 }, 'minHistory (6) must not exceed history (5)'],
    ['no indicator', { indicators: [] }, 'indicators'],
    ['a spread of zero', { indicators: [{ metric: 'ph', minSpread: 0 }] }, 'minSpread'],
    ['maxAge beyond maxGap', { maxAge: '6m' }, 'maxAge must be longer than 0 and at most maxGap'],
    ['maxAge of zero', { maxAge: 0 }, 'maxAge must be longer than 0'],
  ])('refuses %s', (_name, change, message) => {
    const parsed = anomalySchema.safeParse({ ...base, ...change });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain(message);
  });

  it('routes on every indicator: the first is the ticket metric, the others context', () => {
    expect(anomaly.metrics(rule)).toEqual(['ph']);
    expect(anomaly.contextMetrics?.(rule)).toEqual(['orp']);
    expect(anomaly.worst(rule)).toBe('highest');
  });
});
