import { describe, expect, it } from 'vitest';
import { calculateInterval, expandMacros, formatInterval, interpolate, panelQuery, roundInterval } from './grafana.ts';

describe('Grafana, as the query tests emulate it', () => {
  it.each([
    [21_600, 20_000],
    [30_000, 30_000],
    [60_000, 60_000],
    [86_400, 60_000],
    [120_000, 120_000],
    [3_600_000, 3_600_000],
  ])('rounds an interval of %s ms to %s ms', (ms, expected) => {
    expect(roundInterval(ms)).toBe(expected);
  });

  it('keeps the interval at least the panel\'s min interval', () => {
    expect(calculateInterval({ from: 0, to: 3_600_000 }, 1000, '1m')).toBe(60_000);
    expect(calculateInterval({ from: 0, to: 6 * 3_600_000 }, 1000, '10s')).toBe(20_000);
  });

  it.each([
    [1, '1ms'],
    [20_000, '20s'],
    [90_000, '1m'],
    [60_000, '1m'],
    [7_200_000, '2h'],
    [86_400_000, '1d'],
  ])('writes %s ms as %s, as the backend does', (ms, text) => {
    expect(formatInterval(ms)).toBe(text);
  });

  it('expands the macros the way the backend Build does', () => {
    const query = 'SELECT mean("x") FROM "m" WHERE $timeFilter GROUP BY time($__interval) -- $interval $__interval_ms';
    expect(expandMacros(query, { from: 1_000, to: 2_000 }, 60_000)).toBe('SELECT mean("x") FROM "m" WHERE time >= 1000ms and time <= 2000ms GROUP BY time(1m) -- 1m 60000');
  });

  it('formats variables as the InfluxDB data source does: single as is, multi and All as an escaped alternation', () => {
    const query = 'WHERE "village" =~ /^$village$/ AND "site" =~ /^$site$/ AND "x" =~ /^${zone}$/ AND "tag" = $tag_site';
    expect(
      interpolate(query, {
        village: { value: 'tongmen', multi: false, includeAll: false },
        site: { value: ['tongmen-tap', 'tongmen-end-tap'], multi: true, includeAll: true },
        zone: { value: ['a.b'], multi: true, includeAll: false },
      }),
    ).toBe('WHERE "village" =~ /^tongmen$/ AND "site" =~ /^(tongmen-tap|tongmen-end-tap)$/ AND "x" =~ /^a\\.b$/ AND "tag" = $tag_site');
  });

  it('shifts a panel back by its time shift before the interval and the filter', () => {
    const now = 10 * 86_400_000;
    const built = panelQuery('WHERE $timeFilter', { timeShift: '1d', interval: '1m' }, { range: { from: now - 3_600_000, to: now }, variables: {}, maxDataPoints: 1000 });
    expect(built.query).toBe(`WHERE time >= ${now - 86_400_000 - 3_600_000}ms and time <= ${now - 86_400_000}ms`);
    expect(built.interval).toBe(60_000);
  });
});
