import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alarmRate } from './alarm-rate.ts';
import { canaryMetrics, canaryTime, parseCanaryCsv } from './canary.ts';

const HEADER = 'TimeStep,B_CL2_VAL,B_TURB_VAL,B_PH_VAL,B_TOC_VAL,B_COND_VAL,B_TEMP_VAL,B_PRES_OP,B_PLNT_PRES_OP,B_PLNT_PH_VAL,B_PLNT_TURB_VAL,B_PLNT_FLOW_OP,B_PLNT_CL2_VAL';
const stationB = fileURLToPath(new URL('../../../shared/data/canary-station-b/Tutorial_Station_B.csv', import.meta.url));

describe('CANARY station B CSV', () => {
  it('maps the station columns to canonical metrics (°F and psi converted), TOC and plant signals left out', () => {
    const { samples, problems } = parseCanaryCsv(`${HEADER}\n02/21/2006 00:20:00,3.27,0.225,6.99,10.31,233.9,56.8,69,70,7.66,0.343,13.5,3.5\n`);
    expect(problems).toEqual([]);
    expect(samples[0]?.ts).toBe(Date.UTC(2006, 1, 21, 0, 20));
    expect(samples[0]?.event).toBe(false);
    const values = Object.fromEntries(samples[0]?.values ?? []);
    expect(values).toMatchObject({ free_chlorine: 3.27, turbidity: 0.225, ph: 6.99, conductivity: 233.9 });
    expect(values.temperature).toBeCloseTo(((56.8 - 32) * 5) / 9, 9);
    expect(values.pressure).toBeCloseTo(69 * 6.894757293168, 9);
    expect(Object.keys(values).sort()).toEqual([...canaryMetrics].sort());
  });

  it('an empty row is a gap; a bad time is reported; a foreign header throws', () => {
    const { samples, problems } = parseCanaryCsv(`${HEADER}\n04/02/2006 02:00:00,,,,,,,,,,,,\nyesterday,1,1,7,1,1,50,60,1,1,1,1,1\n`);
    expect(samples.map((s) => s.values.size)).toEqual([0]);
    expect(problems).toEqual(['line 3: no valid TimeStep']);
    expect(() => parseCanaryCsv('a,b\n1,2\n')).toThrow(/missing column\(s\) TimeStep, B_CL2_VAL/);
    expect(canaryTime('2006-02-21')).toBeNaN();
  });

  describe.skipIf(!existsSync(stationB))('the real file (../shared/data)', () => {
    it('has 7,200 rows of 20 minutes, 3 of them gaps', async () => {
      const { samples, problems } = parseCanaryCsv(await readFile(stationB, 'utf8'));
      expect(problems).toEqual([]);
      expect(samples).toHaveLength(7200);
      expect(samples.filter((s) => s.values.size === 0)).toHaveLength(3);
      expect((samples[1]?.ts ?? 0) - (samples[0]?.ts ?? 0)).toBe(20 * 60_000);
    });
  });
});

describe('alarm rate (ISA-18.2 figures)', () => {
  const MIN = 60_000;
  const t = (openedAt: number, resolvedAt: number | null = openedAt + 10, fingerprint = 'a/site') => ({ fingerprint, openedAt: openedAt * MIN, resolvedAt: resolvedAt === null ? null : resolvedAt * MIN });

  it('counts per week and hour, the worst hour and 10 minutes, chattering and standing alarms', () => {
    const tickets = [t(0), t(0.2), t(0.5), t(30), t(65), t(200, null, 'b/site'), t(300, 300 + 25 * 60, 'c/site')];
    const rate = alarmRate(tickets, 7 * 24 * 60 * MIN, 1500 * MIN); // b/site open 21.7 h at the end, c/site 25 h
    expect(rate).toMatchObject({ alarms: 7, perWeek: 7, worst10Minutes: 3, chattering: 1, standing24h: 1 });
    expect(rate.worstHour).toEqual({ alarms: 4, from: 0 });
    expect(rate.perHour).toBeCloseTo(7 / 168, 12);
    expect(rate.sitesPerConsole).toBeCloseTo(6 / (7 / 168), 9);
  });

  it('no alarm: no limit on sites', () => {
    expect(alarmRate([], 60 * MIN, 60 * MIN)).toMatchObject({ alarms: 0, perWeek: 0, worstHour: { alarms: 0, from: null }, sitesPerConsole: null });
  });
});
