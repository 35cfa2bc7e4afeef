/**
 * `clearwater evaluate` as a user runs it: a real process replaying a GECCO CSV through the real
 * rules engine. A slice of the GECCO Industrial Challenge 2018 training data (Thüringer
 * Fernwasserversorgung, Zenodo record 3884398; read at test time from ../shared/data, never copied
 * into the repository) and synthetic runs with known answers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/clearwater.js', import.meta.url));
const gecco2018 = fileURLToPath(new URL('../../shared/data/gecco-2018/gecco2018_train.csv', import.meta.url));
const HEADER = 'Time,Tp,Cl,pH,Redox,Leit,Trueb,Cl_2,Fm,Fm_2,EVENT,Time_UTC';
const JSON_KEYS = ['detected', 'events', 'f1', 'false_per_week', 'median_delay_min', 'precision', 'recall'];
/** Rows of GECCO 2018 in the slice: the first 8 labelled events end at row 18,773. */
const SLICE_ROWS = 20_000;

function evaluate(args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'evaluate', '--dataset', 'gecco', ...args], { encoding: 'utf8', env: { ...process.env, CLEARWATER_LOG_LEVEL: 'silent' } });
  if (result.status !== 0) throw new Error(`clearwater evaluate exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}
const evaluateJson = (args: string[]) => JSON.parse(evaluate([...args, '--json'])) as Record<string, number | null>;

/** Deterministic noise in [-1, 1) (a linear congruential generator), so the synthetic runs repeat exactly. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 31) - 1;
}

/**
 * Three days of a quiet plant outlet, one row a minute, rounded like the GECCO sensors, with
 * 20-minute events (pH +0.2, ORP −25 mV) starting at the given minutes and optional gap rows.
 */
function syntheticCsv(events: readonly number[], gaps: readonly [from: number, to: number][] = []): string {
  const random = noise(7);
  const start = Date.UTC(2016, 1, 15, 0, 0);
  const rows = [HEADER];
  for (let minute = 0; minute < 3 * 1440; minute++) {
    const event = events.some((at) => minute >= at && minute < at + 20);
    const ts = new Date(start + minute * 60_000).toISOString().replace('.000Z', 'Z');
    if (gaps.some(([from, to]) => minute >= from && minute < to)) {
      rows.push(`x,NA,NA,NA,NA,NA,NA,NA,NA,NA,FALSE,${ts}`);
      continue;
    }
    const drift = 0.03 * Math.sin((2 * Math.PI * minute) / 1440); // a slow daily swing of pH
    const ph = 8.35 + drift + 0.005 * random() + (event ? 0.2 : 0);
    const orp = 750 + random() + (event ? -25 : 0);
    const values = [(6.5 + 0.05 * random()).toFixed(1), (0.17 + 0.004 * random()).toFixed(2), ph.toFixed(2), orp.toFixed(0), (211 + random()).toFixed(0), (0.015 + 0.001 * random()).toFixed(3), (0.11 + 0.0005 * random()).toFixed(3), (1500 + 50 * random()).toFixed(0), (900 + 10 * random()).toFixed(0)];
    rows.push(`x,${values.join(',')},${event ? 'TRUE' : 'FALSE'},${ts}`);
  }
  return `${rows.join('\n')}\n`;
}

describe('clearwater evaluate', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clearwater-evaluate-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe.skipIf(!existsSync(gecco2018))('on a slice of GECCO 2018 (../shared/data)', () => {
    it(`scores the first ${SLICE_ROWS} rows with the default plant-outlet pack`, async () => {
      const lines = (await readFile(gecco2018, 'utf8')).split('\n');
      await writeFile(file('gecco-slice.csv'), `${lines.slice(0, SLICE_ROWS + 1).join('\n')}\n`);
      const score = evaluateJson(['--csv', file('gecco-slice.csv')]);
      expect(Object.keys(score).sort()).toEqual(JSON_KEYS);
      expect(score.events).toBe(8);
      expect(score.recall).toBeGreaterThanOrEqual(0.75);
      expect(score.precision).toBeGreaterThan(0.5);
      expect(score.false_per_week).toBeLessThanOrEqual(3);
      expect(score.f1).toBeGreaterThan(0.3);
      expect(score.f1).toBeLessThanOrEqual(1);
      expect(score.median_delay_min).toBeGreaterThanOrEqual(0);
      expect(score.median_delay_min).toBeLessThanOrEqual(10);
    });
  });
  if (!existsSync(gecco2018)) {
    it.skip(`GECCO 2018 slice: ${gecco2018} is missing (the GECCO Industrial Challenge 2018 data set, Zenodo 3884398, is read from ../shared/data beside the clone)`, () => {});
  }

  it('catches every synthetic step event without a false ticket, in a human report too', async () => {
    await writeFile(file('steps.csv'), syntheticCsv([1000, 2000, 3000]));
    const score = evaluateJson(['--csv', file('steps.csv')]);
    expect(score).toMatchObject({ events: 3, detected: 3, recall: 1, precision: 1, false_per_week: 0 });
    expect(score.median_delay_min).toBeLessThanOrEqual(3);
    expect(score.f1).toBeGreaterThan(0.8);
    const text = evaluate(['--csv', file('steps.csv')]);
    expect(text).toMatch(/events detected\s+3 {2}\(recall 1\.000\)/);
    expect(text).toContain('point-wise F1');
  });

  it('a rule flagging every minute scores F1 ≈ the share of event minutes (the GECCO anchor)', async () => {
    await writeFile(file('steps.csv'), syntheticCsv([1000, 2000, 3000]));
    const pack = 'pack: flag-all\ndescription: flags every minute\nrules:\n  - { id: always, kind: threshold, title: Always, titleZh: 总是, source: test anchor only, metric: ph, direction: above, warning: 0 }\n';
    await writeFile(file('flag-all.yaml'), pack);
    const score = evaluateJson(['--csv', file('steps.csv'), '--rules', file('flag-all.yaml')]);
    const share = 60 / (3 * 1440);
    expect(score.f1).toBeCloseTo((2 * share) / (1 + share), 3);
    expect(score).toMatchObject({ events: 3, detected: 0, precision: 0 }); // one ticket, opened before every event
  });

  it('gap rows are not readings; sensor-health tickets are listed apart and never count as false', async () => {
    await writeFile(file('gap.csv'), syntheticCsv([1000], [[2500, 2560]]));
    const pack =
      'pack: with-stale\ndescription: the plant pack plus a stale rule\nrules:\n' +
      '  - { id: outlet-stale, kind: stale, title: Outlet panel silent, titleZh: 出厂水仪表无数据, source: test fixture (missing data; operational practice), intervals: 5 }\n';
    await writeFile(file('stale.yaml'), pack);
    const defaultPack = fileURLToPath(new URL('../rules/packs/plant-outlet-anomaly.yaml', import.meta.url));
    const args = ['--csv', file('gap.csv'), '--rules', defaultPack, '--rules', file('stale.yaml')];
    const score = evaluateJson(args);
    expect(score).toMatchObject({ events: 1, detected: 1, recall: 1, precision: 1, false_per_week: 0 });
    const text = evaluate(args);
    expect(text).toContain('4260 readings, 60 gap rows');
    expect(text).toContain('sensor-health tickets (not scored): 1');
    expect(text).toMatch(/sensor-health tickets \(UTC\):\n {2}2016-02-16 17:\d\d → 2016-02-16 18:40 {2}outlet-stale/);
  });

  it('--folds: cross-validates over several files, each fold scored with the setting chosen on the others', async () => {
    await writeFile(file('days-a.csv'), syntheticCsv([1000, 2000, 3000]));
    await writeFile(file('days-b.csv'), syntheticCsv([500, 1500]).replaceAll('2016-02-1', '2016-03-1'));
    const args = ['--csv', file('days-b.csv'), '--csv', file('days-a.csv'), '--folds', '2', '--grid', 'outlierThreshold=8,1000'];
    const json = JSON.parse(evaluate([...args, '--json'])) as { folds: { chosen: unknown; detected: number }[]; pooled: Record<string, number> };
    // A threshold of 1000 spreads catches nothing: 8 is chosen for both folds, and catches all.
    expect(json.folds.map((fold) => fold.chosen)).toEqual([{ outlierThreshold: 8 }, { outlierThreshold: 8 }]);
    expect(json.pooled).toMatchObject({ events: 5, detected: 5, recall: 1, false_per_week: 0 });
    expect(evaluate(args)).toMatch(/pooled held-out .* 5\/5, 0 false of 5 tickets/);
  });

  it('several --csv without --folds is refused', () => {
    const result = spawnSync(process.execPath, [bin, 'evaluate', '--dataset', 'gecco', '--csv', 'a.csv', '--csv', 'b.csv'], { encoding: 'utf8', env: { ...process.env, CLEARWATER_LOG_LEVEL: 'silent' } });
    expect(result.status).not.toBe(0);
  });
});
