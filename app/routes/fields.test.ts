import { describe, expect, it } from 'vitest';
import { digitsSchema, idSchema, instantSchema, MAX_INSTANT_MS, parseInstant } from './fields.ts';

describe('digits', () => {
  const table: [string, number | 'refused'][] = [
    ['1', 1],
    ['0', 0],
    ['007', 7],
    ['100', 100],
    ['999999999999999', 999_999_999_999_999],
    ['0x1', 'refused'],
    ['1e0', 'refused'],
    [' 1', 'refused'],
    ['1 ', 'refused'],
    ['+1', 'refused'],
    ['-1', 'refused'],
    ['1.0', 'refused'],
    ['0b1', 'refused'],
    ['', 'refused'],
    ['١', 'refused'], // Arabic-Indic digit one
    ['9999999999999999', 'refused'], // 16 digits: past the safe integers' guarantee
  ];
  it.each(table)('%j → %s', (text, expected) => {
    const parsed = digitsSchema.safeParse(text);
    if (expected === 'refused') expect(parsed.success).toBe(false);
    else expect(parsed).toEqual({ success: true, data: expected });
  });
  it('ids start at 1', () => {
    expect(idSchema.safeParse('0').success).toBe(false);
    expect(idSchema.parse('42')).toBe(42);
  });
  it('refuses numbers that are not strings (query values are text)', () => expect(digitsSchema.safeParse(1).success).toBe(false));
});

describe('parseInstant', () => {
  const at = (iso: string) => Date.parse(iso);
  const table: [string, number | string, number | RegExp][] = [
    ['epoch ms as a number', 1_796_032_800_000, 1_796_032_800_000],
    ['epoch ms as digits', '1796032800000', 1_796_032_800_000],
    ['zero', 0, 0],
    ['the last instant a Date holds', MAX_INSTANT_MS, MAX_INSTANT_MS],
    ['UTC', '2026-11-30T10:00:00Z', at('2026-11-30T10:00:00Z')],
    ['offset', '2026-11-30T18:00:00+08:00', at('2026-11-30T10:00:00Z')],
    ['negative offset', '2026-11-30T05:30:00-04:30', at('2026-11-30T10:00:00Z')],
    ['fraction', '2026-11-30T10:00:00.123456Z', at('2026-11-30T10:00:00.123Z')],
    ['leap day', '2024-02-29T00:00:00Z', at('2024-02-29T00:00:00Z')],
    ['leap day of a 400th year', '2000-02-29T00:00:00Z', at('2000-02-29T00:00:00Z')],
    ['31 December', '2026-12-31T23:59:59Z', at('2026-12-31T23:59:59Z')],
    ['30 November', '2026-11-30T00:00:00Z', at('2026-11-30T00:00:00Z')],
    ['31 November', '2026-11-31T00:00:00Z', /November 2026 has 30 days/],
    ['31 April with an offset', '2026-04-31T08:00:00+08:00', /April 2026 has 30 days/],
    ['29 February of a common year', '2026-02-29T00:00:00Z', /February 2026 has 28 days/],
    ['29 February of a century', '2100-02-29T00:00:00Z', /February 2100 has 28 days/],
    ['day 0', '2026-11-00T00:00:00Z', /November 2026 has 30 days/],
    ['month 13', '2026-13-01T00:00:00Z', /month 13 does not exist/],
    ['month 00', '2026-00-10T00:00:00Z', /month 00 does not exist/],
    ['hour 24', '2026-11-30T24:00:00Z', /hour 24 does not exist/],
    ['minute 60', '2026-11-30T10:60:00Z', /minute 60/],
    ['leap second', '2026-12-31T23:59:60Z', /leap seconds/],
    ['offset +24:00', '2026-11-30T10:00:00+24:00', /offset \+24:00/],
    ['before 1970', '1969-12-31T23:59:59Z', /before 1970/],
    ['year 0099 (Date.UTC would read 1999)', '0099-01-01T00:00:00Z', /before 1970/],
    ['offset pushing before 1970', '1970-01-01T00:00:00+01:00', /before 1970/],
    ['date only', '2026-11-30', /neither epoch ms/],
    ['no seconds', '2026-11-30T10:00Z', /neither epoch ms/],
    ['offset without colon', '2026-11-30T10:00:00+0800', /neither epoch ms/],
    ['space for T', '2026-11-30 10:00:00Z', /neither epoch ms/],
    ['hex', '0x10', /neither epoch ms/],
    ['exponent', '1e3', /neither epoch ms/],
    ['sign', '+1000', /neither epoch ms/],
    ['leading space', ' 1000', /neither epoch ms/],
    ['negative number', -1, /from 0/],
    ['fractional ms', 1.5, /whole number/],
    ['past the Date range', MAX_INSTANT_MS + 1, /from 0 to/],
    ['digits past the safe integers', '99999999999999999999', /whole number/],
  ];
  it.each(table)('%s', (_what, value, expected) => {
    const parsed = parseInstant(value);
    if (typeof expected === 'number') expect(parsed).toEqual({ ok: true, epochMs: expected });
    else {
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(expected);
    }
  });

  it('instantSchema gives the reason as its issue', () => {
    const parsed = instantSchema.safeParse('2026-11-31T00:00:00Z');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('November 2026 has 30 days');
    expect(instantSchema.safeParse(true).error?.issues[0]?.message).toContain('epoch ms or an RFC 3339 date-time');
  });
});
