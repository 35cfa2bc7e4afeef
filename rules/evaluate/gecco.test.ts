import { describe, expect, it } from 'vitest';
import { geccoMetrics, parseGeccoCsv } from './gecco.ts';

const HEADER = 'Time,Tp,Cl,pH,Redox,Leit,Trueb,Cl_2,Fm,Fm_2,EVENT,Time_UTC';

describe('GECCO CSV', () => {
  it('maps the columns to canonical metrics and reads Time_UTC and EVENT', () => {
    const { samples, problems } = parseGeccoCsv(`${HEADER}\n2016-08-03 11:49:00,6.5,0.17,8.36,749,211,0.011,0.118,1677,695,FALSE,2016-08-03T09:49:00Z\n`);
    expect(problems).toEqual([]);
    expect(samples).toHaveLength(1);
    expect(samples[0]?.ts).toBe(Date.UTC(2016, 7, 3, 9, 49));
    expect(samples[0]?.event).toBe(false);
    expect(Object.fromEntries(samples[0]?.values ?? [])).toEqual({
      temperature: 6.5,
      free_chlorine: 0.17,
      ph: 8.36,
      orp: 749,
      conductivity: 211,
      turbidity: 0.011,
      total_chlorine: 0.118,
      flow: 1677,
    });
  });

  it('a row with every sensor NA is a gap: kept, with no values', () => {
    const { samples } = parseGeccoCsv(`${HEADER}\n2016-08-29 07:01:00,NA,NA,NA,NA,NA,NA,NA,NA,NA,FALSE,2016-08-29T05:01:00Z\n`);
    expect(samples.map((s) => s.values.size)).toEqual([0]);
  });

  it('a partly empty row keeps the values it has', () => {
    const { samples } = parseGeccoCsv(`${HEADER}\nx,6.5,NA,8.36,749,211,0.011,0.118,1677,695,TRUE,2016-08-03T09:49:00Z\n`);
    expect(samples[0]?.values.has('free_chlorine')).toBe(false);
    expect(samples[0]?.values.get('ph')).toBe(8.36);
    expect(samples[0]?.event).toBe(true);
  });

  it('reads values, not their formatting', () => {
    const text = `${HEADER}\nx,6.50,0.170,8.360,749.0,211,1.1e-2,0.118,1677,695,FALSE,2016-08-03T09:49:00Z\n`;
    expect(Object.fromEntries(parseGeccoCsv(text).samples[0]?.values ?? [])).toMatchObject({ free_chlorine: 0.17, ph: 8.36, orp: 749, turbidity: 0.011 });
  });

  it('finds columns by name, in any order', () => {
    const { samples } = parseGeccoCsv('Time_UTC,EVENT,pH,Tp,Cl,Redox,Leit,Trueb,Cl_2,Fm,Fm_2\n2016-08-03T09:49:00Z,TRUE,8.36,6.5,0.17,749,211,0.011,0.118,1677,695\n');
    expect(samples[0]?.values.get('ph')).toBe(8.36);
    expect(samples[0]?.event).toBe(true);
  });

  it('refuses values outside the physical range as ingest would, and rows without a time', () => {
    const { samples, problems, refusedValues } = parseGeccoCsv(`${HEADER}\nx,6.5,0.17,15.2,749,211,abc,0.118,1677,695,FALSE,2016-08-03T09:49:00Z\nx,6.5,0.17,8.3,749,211,0.01,0.118,1677,695,FALSE,not-a-time\n`);
    expect(samples).toHaveLength(1);
    expect(samples[0]?.values.has('ph')).toBe(false);
    expect(samples[0]?.values.has('turbidity')).toBe(false);
    expect(refusedValues).toBe(2);
    expect(problems).toEqual(['line 3: no valid Time_UTC']);
  });

  it('throws on a file that is not GECCO', () => {
    expect(() => parseGeccoCsv('a,b,c\n1,2,3\n')).toThrow(/missing column\(s\) Time_UTC, EVENT, Tp/);
  });

  it('declares the panel metrics once each (Fm_2 is not carried)', () => {
    expect([...geccoMetrics].sort()).toEqual(['conductivity', 'flow', 'free_chlorine', 'orp', 'ph', 'temperature', 'total_chlorine', 'turbidity']);
  });
});
