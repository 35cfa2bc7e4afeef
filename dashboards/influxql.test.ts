import { describe, expect, it } from 'vitest';
import { atLeast, atMost, ident, literal, oneOf, within } from './influxql.ts';

/** Evaluates one of the score expressions in JavaScript (InfluxQL's floor and abs are Math's). */
function score(expression: string, field: string, value: number): number {
  const js = expression.replaceAll(ident(field), `(${value})`).replaceAll('floor', 'Math.floor').replaceAll('abs', 'Math.abs');
  return Function(`return ${js};`)() as number;
}

describe('the compliance score of a reading', () => {
  it.each([
    [139.9, 0],
    [139.999999, 0],
    [140, 1],
    [140.000001, 1],
    [2500, 1],
    [-101.325, 0],
  ])('pressure %s ≥ 140 kPa scores %s', (value, expected) => {
    expect(score(atLeast('pressure', 140), 'pressure', value)).toBe(expected);
  });

  it.each([
    [0.2, 1],
    [1, 1],
    [1.001, 0],
    [4000, 0],
  ])('turbidity %s ≤ 1 NTU scores %s', (value, expected) => {
    expect(score(atMost('turbidity', 1), 'turbidity', value)).toBe(expected);
  });

  it.each([
    [0.29, 0],
    [0.3, 1],
    [1.2, 1],
    [2, 1],
    [2.01, 0],
  ])('plant chlorine %s within 0.3-2 mg/L scores %s', (value, expected) => {
    expect(score(within('free_chlorine', 0.3, 2), 'free_chlorine', value)).toBe(expected);
  });
});

describe('InfluxQL text', () => {
  it('quotes identifiers, strings and exact-match regexes', () => {
    expect(ident('site_kind')).toBe('"site_kind"');
    expect(ident('a"b')).toBe('"a\\"b"');
    expect(literal("it's")).toBe("'it\\'s'");
    expect(oneOf(['open', 'acknowledged'])).toBe('/^(open|acknowledged)$/');
    expect(oneOf(['a/b', 'c.d'])).toBe('/^(a\\/b|c\\.d)$/');
  });
});
