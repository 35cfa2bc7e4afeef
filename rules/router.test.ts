import { describe, expect, it } from 'vitest';
import type { Site } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { ruleSchema } from './kinds/index.ts';
import { RuleIndex, type RuleReading } from './router.ts';

const rule = (id: string, metric: MetricName, match?: object) =>
  ruleSchema.parse({ id, title: id, titleZh: id, source: 'test fixture', kind: 'threshold', metric, direction: 'above', warning: 1, match });

const index = new RuleIndex([
  rule('any-turbidity', 'turbidity'),
  rule('tap-turbidity', 'turbidity', { siteKinds: ['tap'] }),
  rule('plant-or-reservoir-turbidity', 'turbidity', { siteKinds: ['plant', 'reservoir'] }),
  rule('tongmen-turbidity', 'turbidity', { villages: ['tongmen'] }),
  rule('one-site-pressure', 'pressure', { sites: ['tongmen-tap'] }),
  rule('tap-in-xiwan-pressure', 'pressure', { siteKinds: ['tap'], villages: ['xiwan'] }),
]);

const site = (id: string, kind: Site['kind'], village?: string): Site => ({
  id,
  name: id,
  kind,
  township: 'tongmen',
  zone: 'north',
  location: { lat: 29.5, lon: 119.7 },
  ...(village === undefined ? {} : { village }),
});

const reading = (at: Site, metrics: MetricName[]): RuleReading => ({
  device: { id: 'd', site: at },
  ts: 0,
  values: new Map(metrics.map((m) => [m, 1])),
});

describe('RuleIndex.candidates', () => {
  it('follows a device whose metrics change from one reading to the next', () => {
    const device = { id: 'tongmen-tap-wq', site: site('tongmen-tap', 'tap', 'tongmen') };
    const ids = (metrics: MetricName[]) => index.candidates({ device, ts: 0, values: new Map(metrics.map((m) => [m, 1])) }).map((c) => c.rule.id).sort();
    expect(ids(['turbidity'])).toEqual(['any-turbidity', 'tap-turbidity', 'tongmen-turbidity']);
    expect(ids(['turbidity'])).toEqual(['any-turbidity', 'tap-turbidity', 'tongmen-turbidity']); // the kept list
    expect(ids(['pressure'])).toEqual(['one-site-pressure']);
    expect(ids(['pressure', 'turbidity'])).toEqual(['any-turbidity', 'one-site-pressure', 'tap-turbidity', 'tongmen-turbidity']);
    expect(ids(['free_chlorine'])).toEqual([]);
  });

  it.each([
    ['tap in Tongmen, turbidity', site('tongmen-tap', 'tap', 'tongmen'), ['turbidity'], ['tap-turbidity', 'any-turbidity', 'tongmen-turbidity']],
    ['plant, turbidity', site('north-plant', 'plant'), ['turbidity'], ['plant-or-reservoir-turbidity', 'any-turbidity']],
    ['main, turbidity (no village)', site('main-1', 'main'), ['turbidity'], ['any-turbidity']],
    ['tap in Tongmen, pressure', site('tongmen-tap', 'tap', 'tongmen'), ['pressure'], ['one-site-pressure']],
    ['tap in Xiwan, pressure', site('xiwan-tap', 'tap', 'xiwan'), ['pressure'], ['tap-in-xiwan-pressure']],
    ['main in Xiwan, pressure', site('xiwan-main', 'main', 'xiwan'), ['pressure'], []],
    ['tap in Xiwan, pH only', site('xiwan-tap', 'tap', 'xiwan'), ['ph'], []],
    ['tap in Tongmen, both', site('tongmen-tap', 'tap', 'tongmen'), ['pressure', 'turbidity'], ['one-site-pressure', 'tap-turbidity', 'any-turbidity', 'tongmen-turbidity']],
  ] as const)('%s', (_name, at, metrics, expected) => {
    expect(index.candidates(reading(at, [...metrics])).map((c) => c.rule.id)).toEqual(expected);
  });
});

describe('RuleIndex: context metrics and watch kinds', () => {
  const burst = ruleSchema.parse({
    id: 'main-burst',
    title: 'burst',
    titleZh: '爆管',
    source: 'test fixture',
    kind: 'rate-of-change',
    metric: 'pressure',
    match: { siteKinds: ['main'] },
    direction: 'drop',
    amount: 50,
    window: '5m',
    confirm: { metric: 'flow', direction: 'rise', amount: 10, window: '5m' },
  });
  const silent = ruleSchema.parse({ id: 'silent', title: 'silent', titleZh: '无数据', source: 'test fixture', kind: 'stale' });
  const withContext = new RuleIndex([burst, silent, rule('any-pressure', 'pressure')]);

  it.each([
    ['pressure only', ['pressure'], ['main-burst', 'any-pressure']],
    ['flow only (the confirming metric)', ['flow'], ['main-burst']],
    ['pressure and flow: the rule once', ['pressure', 'flow'], ['main-burst', 'any-pressure']],
    ['turbidity', ['turbidity'], []],
  ] as const)('%s', (_name, metrics, expected) => {
    expect(withContext.candidates(reading(site('main-1', 'main'), [...metrics])).map((c) => c.rule.id)).toEqual(expected);
  });

  it('keeps the site-kind filter for context metrics', () => {
    expect(withContext.candidates(reading(site('tap-1', 'tap'), ['flow'])).map((c) => c.rule.id)).toEqual([]);
  });

  it('routes watch kinds by device, not by metric', () => {
    expect(withContext.watchRules.map((c) => c.rule.id)).toEqual(['silent']);
    expect(withContext.byId.has('silent')).toBe(true);
  });
});

describe('RuleIndex: inhibition and zone signals', () => {
  it('refuses an inhibiting rule whose subject is the site, whatever its kind', () => {
    const inhibiting = { ...rule('saturated', 'turbidity'), inhibit: true };
    expect(() => new RuleIndex([inhibiting])).toThrow('rule "saturated": a rule with `inhibit: true` must have `subject: device`');
    expect(() => new RuleIndex([{ ...inhibiting, subject: 'device' }])).not.toThrow();
  });

  it('compiles what a rule listens to in its zone', () => {
    const drop = ruleSchema.parse({
      id: 'main-drop',
      title: 'drop',
      titleZh: '压降',
      source: 'test fixture',
      kind: 'rate-of-change',
      metric: 'pressure',
      direction: 'drop',
      amount: 50,
      window: '5m',
      confirm: { neighbour: { within: '5m' } },
    });
    const compiled = new RuleIndex([drop, rule('any-pressure', 'pressure')]).byId;
    expect(compiled.get('main-drop')?.listen).toEqual({ rules: ['main-drop'], withinMs: 300_000 });
    expect(compiled.get('any-pressure')?.listen).toBeUndefined();
  });
});
