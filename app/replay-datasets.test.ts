import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { datasetPath, formatOf, namedDatasets, readDataset, SHARED_DATA_DIR } from './replay-datasets.ts';

const GECCO = [
  'Time,Tp,Cl,pH,Redox,Leit,Trueb,Cl_2,Fm,Fm_2,EVENT,Time_UTC',
  '2016-08-03 11:49:00,6.5,0.17,8.36,749,211,0.011,0.118,1677,695,FALSE,2016-08-03T09:49:00Z',
  '2016-08-03 11:50:00,NA,0.18,8.36,749,211,-5,0.118,1561,696,TRUE,2016-08-03T09:50:00Z',
  'garbage,,,,,,,,,,,not a time',
  '2016-08-03 11:52:00,NA,NA,NA,NA,NA,NA,NA,NA,NA,FALSE,2016-08-03T09:52:00Z',
  '',
].join('\n');

const CANARY = [
  'TimeStep,B_CL2_VAL,B_TURB_VAL,B_PH_VAL,B_TOC_VAL,B_COND_VAL,B_TEMP_VAL,B_PRES_OP,B_PLNT_PRES_OP,B_PLNT_PH_VAL,B_PLNT_TURB_VAL,B_PLNT_FLOW_OP,B_PLNT_CL2_VAL',
  '02/21/2006 00:00:00,3.27,0.242,6.99,10.31,234.5,50,68,70,7.66,0.34,13.5,3.49',
  '02/21/2006 00:20,3.27,0.225,6.99,10.31,233.9,56.8,69,70,7.66,0.343,13.5,3.5',
].join('\n');

describe('the replay data sets', () => {
  it('names the shared data sets under ../shared/data, and takes anything else as a path', () => {
    expect(datasetPath('gecco-2018', '/data')).toBe('/data/gecco-2018/gecco2018_train.csv');
    expect(datasetPath('canary-station-b', '/data/')).toBe('/data/canary-station-b/Tutorial_Station_B.csv');
    expect(datasetPath('/tmp/mine.csv')).toBe('/tmp/mine.csv');
    expect(SHARED_DATA_DIR).toMatch(/\/shared\/data\/$/);
  });

  it.each([
    [GECCO.split('\n')[0]!, 'gecco'],
    [CANARY.split('\n')[0]!, 'canary-station-b'],
    ['ts,value', undefined],
  ])('tells the format from the header %#', (header, format) => {
    expect(formatOf(header)).toBe(format);
  });

  it('reads GECCO rows with the evaluation\'s mapping, Time_UTC as the timestamp, bad rows counted', () => {
    const rows = readDataset(GECCO);
    expect(rows.format).toBe('gecco');
    expect(rows.samples.map((s) => new Date(s.ts).toISOString())).toEqual(['2016-08-03T09:49:00.000Z', '2016-08-03T09:50:00.000Z', '2016-08-03T09:52:00.000Z']);
    expect(Object.fromEntries(rows.samples[0]!.values)).toEqual({ temperature: 6.5, free_chlorine: 0.17, ph: 8.36, orp: 749, conductivity: 211, turbidity: 0.011, total_chlorine: 0.118, flow: 1677 });
    expect(rows.samples[1]!.values.has('turbidity')).toBe(false); // −5 NTU is outside the registry's range
    expect(rows.samples[2]!.values.size).toBe(0); // a gap row
    expect(rows).toMatchObject({ badRows: 1, refusedValues: 1 });
    expect(rows.problems).toEqual(['line 4: no valid Time_UTC']);
  });

  it('reads CANARY station B in canonical units (°F → °C, psi → kPa), bad rows counted', () => {
    const rows = readDataset(CANARY);
    expect(rows).toMatchObject({ format: 'canary-station-b', badRows: 1, refusedValues: 0 });
    const values = rows.samples[0]!.values;
    expect(values.get('temperature')).toBeCloseTo(10, 9);
    expect(values.get('pressure')).toBeCloseTo(68 * 6.894757, 3);
    expect(values.get('free_chlorine')).toBe(3.27);
  });

  it('refuses a CSV of neither format, saying why', () => {
    expect(() => readDataset('ts,value\n1,2\n')).toThrow(/not a GECCO or CANARY station B CSV/);
  });

  for (const [name, { file }] of Object.entries(namedDatasets)) {
    const path = datasetPath(name);
    if (existsSync(path)) {
      it(`reads ${name} (${file}) from ../shared/data: every row read, in time order`, async () => {
        const rows = readDataset(await readFile(path, 'utf8'));
        expect(rows.samples.length).toBeGreaterThan(7000);
        expect(rows.badRows).toBe(0);
        expect(rows.samples.every((s, i) => i === 0 || s.ts > rows.samples[i - 1]!.ts)).toBe(true);
      });
    } else {
      it.skip(`${name}: ${path} is missing (the reference data sets are read from ../shared/data beside the repository, never copied into it)`, () => {});
    }
  }
});
