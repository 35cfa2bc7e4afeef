import { describe, expect, it } from 'vitest';
import { parseTruth, truthLines, type TruthRecord } from './truth.ts';

const record: TruthRecord = {
  kind: 'yellow-water',
  name: 'yellow-water@tongmen',
  village: 'tongmen',
  startMs: 1_000,
  endMs: 5_000,
  affectedSites: ['tongmen-tap'],
  affectedDevices: ['tongmen-tap-wq'],
  details: { peakNtu: 6 },
};

describe('truth NDJSON', () => {
  it('reads back what it wrote', () => {
    expect(parseTruth(truthLines([record, { ...record, name: 'second' }]))).toEqual({ records: [record, { ...record, name: 'second' }], problems: [] });
  });

  it('keeps the good lines and names each bad one with its line number', () => {
    const text = `${JSON.stringify(record)}\n\nnot json\n${JSON.stringify({ ...record, endMs: 0 })}\n${JSON.stringify({ ...record, extra: 1 })}\n`;
    const { records, problems } = parseTruth(text);
    expect(records).toEqual([record]);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(problems[0]!.message).toMatch(/not JSON/);
    expect(problems[1]!.message).toMatch(/endMs is before startMs/);
    expect(problems[2]!.message).toMatch(/extra/);
  });
});
