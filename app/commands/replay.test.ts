import { describe, expect, it } from 'vitest';
import type { Device } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import { replayPlan } from '../../simulators/replay/plan.ts';
import { readDataset } from '../replay-datasets.ts';
import { planSummary, replayOptionsSchema, spanText } from './replay.ts';

const device = { id: 'north-plant-cl', site: { id: 'north-plant' }, metrics: new Set<MetricName>(['free_chlorine']) } as unknown as Device;
const csv = ['Time,Tp,Cl,pH,Redox,Leit,Trueb,Cl_2,Fm,Fm_2,EVENT,Time_UTC', 'x,7,0.4,7.8,700,300,0.05,0.1,1500,700,FALSE,2016-08-03T09:49:00Z', 'x,7,0.41,7.8,700,300,0.05,0.1,1500,700,FALSE,2016-08-03T10:49:00Z'].join('\n');
const NOW = Date.parse('2026-12-03T06:00:00Z');

describe('clearwater replay', () => {
  it.each([
    [42_000, '42 s'],
    [450_000, '7.5 min'],
    [3 * 3_600_000, '3.0 h'],
    [97 * 86_400_000, '97.0 d'],
  ])('spanText(%i) = %s', (ms, text) => expect(spanText(ms)).toBe(text));

  it('sums up what it will publish, and warns when the rows fall behind the retention horizon', () => {
    const rows = readDataset(csv);
    const options = replayOptionsSchema.parse({ dataset: 'x.csv', device: device.id, speed: 60, keepTime: true });
    const lines = planSummary('x.csv', device, rows, replayPlan(rows.samples, { metrics: device.metrics, shiftMs: 0, batch: 1 }), options, NOW);
    expect(lines).toEqual([
      'replay x.csv (gecco): 2 rows, 0 bad, 0 values refused; 2016-08-03T09:49:00Z → 2016-08-03T10:49:00Z',
      'as north-plant-cl at north-plant (free_chlorine): 2 rows in 2 messages, 0 gap rows, 0 out of order',
      'left out, not declared by north-plant-cl: temperature 2, ph 2, orp 2, conductivity 2, turbidity 2, total_chlorine 2, flow 2',
      'timestamps 2016-08-03T09:49:00Z → 2016-08-03T10:49:00Z (1.0 h), at 60× in 1.0 min',
      'warning: rows before 2026-11-04T06:00:00Z are older than ingest\'s retention horizon and will be refused (narrow with --from/--to, or move them with --start)',
    ]);
  });

  it('says so when the window holds no row', () => {
    const rows = readDataset(csv);
    const options = replayOptionsSchema.parse({ dataset: 'x.csv', device: device.id, from: '2017-01-01' });
    const lines = planSummary('x.csv', device, rows, replayPlan(rows.samples, { metrics: device.metrics, shiftMs: 0, batch: 1, fromMs: Date.parse('2017-01-01') }), options, NOW);
    expect(lines.at(-1)).toBe('nothing to replay between --from 2017-01-01 and --to …');
  });

  it('refuses a speed of 0, a batch beyond 200 and a time that is not one, all at once', () => {
    const parsed = replayOptionsSchema.safeParse({ dataset: 'x.csv', device: device.id, speed: 0, batch: 500, from: 'soon' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path[0]).sort()).toEqual(['batch', 'from', 'speed']);
  });
});
