import { describe, expect, it } from 'vitest';
import { cut, fitToSegments, segmentsFor, smsUnits, type FitRules } from './sms-segments.ts';

const han = (n: number) => '水'.repeat(n);

describe('segmentsFor', () => {
  it.each([
    [0, 0],
    [1, 1],
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
    [160, 3], // Alibaba's example: 67 + 67 + 26
    [201, 3],
    [202, 4],
  ])('%i characters are %i billed messages', (units, segments) => {
    expect(segmentsFor(units)).toBe(segments);
  });
});

describe('smsUnits', () => {
  it.each([
    ['the 【signature】 counts, brackets included', '清水供水', han(10), 6 + 10],
    ['no signature', '', 'abc', 3],
    ['a Chinese character, a Latin letter and a full-width comma are one each', '', '水a，', 3],
    ['a character outside the BMP is a surrogate pair: two', '', '💧', 2],
  ])('%s', (_, sign, text, units) => {
    expect(smsUnits(sign, text)).toBe(units);
  });
});

describe('cut', () => {
  it.each([
    ['short enough: unchanged', '通门村', 6, '通门村'],
    ['cut with an ellipsis inside the limit', '通门村东侧水龙头', 5, '通门村东…'],
    ['never half a surrogate pair', 'ab💧cd', 4, 'ab…'],
  ])('%s', (_, value, units, expected) => {
    expect(cut(value, units)).toBe(expected);
    expect(cut(value, units).length).toBeLessThanOrEqual(units);
  });
});

const rules: FitRules = { signName: '清水供水', maxSegments: 2, keepParams: ['ack'], minParamUnits: 6 };

describe('fitToSegments', () => {
  it('leaves a message that fits as it is', () => {
    const fitted = fitToSegments({ text: `通门村${han(20)}`, params: { site: '通门村' } }, rules);
    expect(fitted).toEqual({ ok: true, content: { text: `通门村${han(20)}`, params: { site: '通门村' } }, segments: 1, shortened: [] });
  });

  it('cuts the longest cuttable param, in the params and in the text, down to two segments', () => {
    const advice = `请${han(90)}`;
    const text = `【黄水】通门村 浊度 4.2 NTU ${advice} https://cw.example/a/1`;
    const fitted = fitToSegments({ text, params: { site: '通门村', value: '4.2', advice, ack: 'https://cw.example/a/1' } }, rules);
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    expect(fitted.shortened).toEqual(['advice']);
    expect(smsUnits(rules.signName, fitted.content.text)).toBe(134);
    expect(fitted.segments).toBe(2);
    expect(fitted.content.params.advice?.endsWith('…')).toBe(true);
    expect(fitted.content.text).toContain(fitted.content.params.advice);
    expect(fitted.content.params.ack).toBe('https://cw.example/a/1');
    expect(fitted.content.params.value).toBe('4.2');
  });

  it('cuts several params, longest first, none below the floor', () => {
    const a = han(60);
    const b = '村'.repeat(60);
    // 6 + 60 + 1 + 60 + 1 + 80 = 208: 74 too many; a goes to the floor (54 saved), b gives the other 20.
    const fitted = fitToSegments({ text: `${a}|${b}|${'泵'.repeat(80)}`, params: { a, b } }, rules);
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    expect([...fitted.shortened].sort()).toEqual(['a', 'b']);
    expect(smsUnits(rules.signName, fitted.content.text)).toBe(134);
    expect(fitted.content.params.a).toHaveLength(6);
    expect(fitted.content.params.b).toHaveLength(40);
  });

  it('refuses when only links, numbers and kept params are long', () => {
    const link = `https://cw.example/${'x'.repeat(150)}`;
    const fitted = fitToSegments({ text: `请确认 ${link} ${'1234567890'.repeat(3)}`, params: { link, reading: '1234567890'.repeat(3) } }, rules);
    expect(fitted.ok).toBe(false);
    if (fitted.ok) return;
    expect(fitted.segments).toBe(4);
    expect(fitted.reason).toMatch(/210 characters .* needs 4 segments, more than maxSegments 2/);
  });

  it('caps each param to the gateway\'s per-variable limit first', () => {
    const fitted = fitToSegments({ text: `站点${han(40)}`, params: { site: han(40) } }, { ...rules, maxParamUnits: 20 });
    expect(fitted.ok && fitted.content.params.site).toBe(`${han(19)}…`);
    expect(fitted.ok && fitted.shortened).toEqual(['site']);
  });

  it('a param the text does not show is not cut for length', () => {
    const fitted = fitToSegments({ text: han(140), params: { hidden: '村'.repeat(30) } }, rules);
    expect(fitted.ok).toBe(false);
  });
});
