/**
 * Golden rule-pack cases: every folder of `rules/cases/` ({config.yaml, input.ndjson,
 * expected.json}, see rules/cases/README.md) runs through the real engine and a SQLite ticket
 * store, and its tickets and ticket changes must equal expected.json.
 *
 * `UPDATE_GOLDEN=1 npx vitest run rules/cases.test.ts` rewrites expected.json from the engine.
 * Write a new case's expected.json by reasoning first; rewrite only when the engine is right.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import { formatDuration } from '../network/duration.ts';
import { createRulesEngine, type RulesEngine, type EngineChange, type WatchedDevice } from './engine.ts';
import { packRules, sampleCatalog, T0, tempStore } from './engine.fixtures.ts';
import type { Rule } from './kinds/index.ts';
import {
  formatGolden,
  parseCaseConfig,
  parseCaseInput,
  parseGolden,
  sortChanges,
  sortTickets,
  withTicks,
  type CaseConfig,
  type CaseStep,
  type Golden,
  type GoldenChange,
} from './cases/case.ts';

const CASES = fileURLToPath(new URL('./cases/', import.meta.url));
const REPO = fileURLToPath(new URL('../', import.meta.url));
const PACKS = fileURLToPath(new URL('./packs/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const caseNames = (await readdir(CASES, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** The rules of the packs a case names, then its inline rules; an unknown pack name says which exist. */
async function caseRules(config: CaseConfig): Promise<Rule[]> {
  const shipped = (await readdir(PACKS)).filter((name) => name.endsWith('.yaml')).map((name) => name.slice(0, -'.yaml'.length));
  const unknown = config.packs.filter((name) => !shipped.includes(name));
  if (unknown.length > 0) throw new Error(`packs: ${unknown.join(', ')} not in rules/packs/ (shipped: ${shipped.sort().join(', ')})`);
  return [...(await Promise.all(config.packs.map((name) => packRules(name)))).flat(), ...config.rules];
}

function watchedDevices(config: CaseConfig, catalog: Catalog): WatchedDevice[] {
  if (config.watch === 'all') return [...catalog.devices.values()];
  return config.watch.map((deviceId) => {
    const device = catalog.device(deviceId);
    if (device === undefined) throw new Error(`watch: device "${deviceId}" is not in the catalog`);
    return device;
  });
}

/** Feeds one step to the engine at T0 + its times. */
function play(engine: RulesEngine, step: CaseStep): Promise<void> {
  if (step.type === 'tick') return engine.tick(T0 + step.at);
  if (step.type === 'status') return engine.deviceStatus(step.device, step.status, T0 + step.at);
  return engine.evaluate({ device: step.device, ts: T0 + step.stamped, values: step.values });
}

/** One change as expected.json lists it. */
function changeOf(at: number, { ticket, change }: EngineChange): GoldenChange {
  return { at: formatDuration(at), rule: ticket.ruleId, site: ticket.site, device: ticket.device, change, severity: ticket.severity };
}

/** Runs one case folder through the engine; the projection expected.json is compared with. */
async function runCase(dir: string): Promise<Golden> {
  const config = parseCaseConfig(await readFile(join(dir, 'config.yaml'), 'utf8'), join(dir, 'config.yaml'));
  const catalog = await loadCatalog(join(REPO, config.catalog));
  const steps = withTicks(parseCaseInput(await readFile(join(dir, 'input.ndjson'), 'utf8'), catalog, join(dir, 'input.ndjson')), config.tickEvery);
  const rules = await caseRules(config);
  const temp = await tempStore();
  try {
    let pending: EngineChange[] = [];
    const failures: unknown[] = [];
    const engine = createRulesEngine({
      rules,
      store: temp.store,
      devices: watchedDevices(config, catalog),
      onChange: (change) => void pending.push(change),
      onError: (error) => void failures.push(error), // a failed ticket write fails the case, never hides in a log
    });
    await engine.start();
    const changes: GoldenChange[] = [];
    for (const step of steps) {
      pending = [];
      await play(engine, step);
      const projected = pending.map((change) => changeOf(step.at, change));
      changes.push(...sortChanges(projected.filter((change) => config.updates || change.change !== 'updated')));
    }
    await engine.stop();
    if (failures.length > 0) throw new AggregateError(failures, `${dir}: ${failures.length} ticket writes failed`);
    return { tickets: sortTickets(await temp.store.list({ state: 'all' }), T0), changes, outOfOrder: engine.stats().outOfOrder };
  } finally {
    await temp.dispose();
  }
}

describe('golden rule-pack cases (rules/cases/)', () => {
  it('has the cases', () => {
    expect(caseNames.length).toBeGreaterThanOrEqual(6);
  });

  it.each(caseNames)('%s', async (name) => {
    const dir = join(CASES, name);
    const actual = formatGolden(await runCase(dir));
    const path = join(dir, 'expected.json');
    if (UPDATE) {
      await writeFile(path, actual);
      return;
    }
    if (!existsSync(path)) throw new Error(`${path} is missing: write it by reasoning, or run with UPDATE_GOLDEN=1 and check every line`);
    const expected = formatGolden(parseGolden(await readFile(path, 'utf8'), path));
    expect(actual, `${name}: expected.json (-) vs the engine (+)`).toBe(expected);
  });
});

describe('case files fail loudly, every problem at once', () => {
  it('config.yaml: unknown fields, bad durations and no rules', () => {
    expect(() => parseCaseConfig('description: x\npacks: []\ntickEvery: soon\nextra: 1\n', 'bad/config.yaml')).toThrowError(
      /bad\/config\.yaml is invalid:[\s\S]*extra[\s\S]*"soon" is not a duration/,
    );
    expect(() => parseCaseConfig('description: x\n', 'empty/config.yaml')).toThrowError(/at least one pack or inline rule/);
    expect(() => parseCaseConfig('description: [x\n', 'yaml/config.yaml')).toThrowError(/not valid YAML/);
  });

  it('config.yaml: defaults', () => {
    expect(parseCaseConfig('description: x\npacks: [tap-water]\n', 'ok/config.yaml')).toEqual({
      description: 'x',
      packs: ['tap-water'],
      rules: [],
      catalog: 'network/sample/county.yaml',
      watch: 'all',
      updates: false,
    });
  });

  it('input.ndjson: every bad line with its number', async () => {
    const catalog = await sampleCatalog();
    const text = [
      '{"at":"1m","device":"tongmen-tap-wq","values":{"turbidity":0.2}}',
      '{"at":"2m","device":"tongmen-tap-9","values":{"turbidity":0.2}}',
      '{"at":"2m","device":"tongmen-tap-pt","values":{"turbidity":0.2,"pressure":-200}}',
      '{"at":"30s","device":"tongmen-tap-wq","values":{"turbidity":0.2}}',
      '{"at":"3m","tick":true,"device":"tongmen-tap-wq"}',
      '{"at":"3m","device":"tongmen-tap-wq","status":"gone"}',
      '{"at":"3m","device":"tongmen-tap-wq","values":{}}',
      '{"at":"4m"',
    ].join('\n');
    const problems = (() => {
      try {
        parseCaseInput(text, catalog, 'bad/input.ndjson');
      } catch (error) {
        return (error as Error).message.split('\n').filter((line) => line.startsWith('line ')).map((line) => line.slice(0, line.indexOf(':')));
      }
      return [];
    })();
    expect(problems).toEqual(['line 2', 'line 3', 'line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8']);
    expect(() => parseCaseInput(text, catalog, 'bad/input.ndjson')).toThrowError(
      /line 2: device "tongmen-tap-9" is not in the catalog[\s\S]*line 3: device tongmen-tap-pt does not declare turbidity[\s\S]*line 3: pressure -200 is outside[\s\S]*line 4: at 30s is before the previous line's 1m/,
    );
  });

  it('input.ndjson: readings, late readings, ticks and presence', async () => {
    const catalog = await sampleCatalog();
    const text = [
      '{"at":"1m","device":"tongmen-tap-pt","values":{"pressure":300}}',
      '{"at":"2m","device":"tongmen-tap-pt","values":{"pressure":301},"stamped":"90s"}',
      '{"at":"2m","tick":true}',
      '{"at":"150s","device":"tongmen-tap-pt","status":"offline"}',
    ].join('\n');
    const steps = parseCaseInput(text, catalog, 'ok/input.ndjson');
    expect(steps.map((step) => [step.type, step.at, step.type === 'reading' ? step.stamped : undefined])).toEqual([
      ['reading', 60_000, 60_000],
      ['reading', 120_000, 90_000],
      ['tick', 120_000, undefined],
      ['status', 150_000, undefined],
    ]);
  });

  it.each([
    { every: undefined, at: [0, 60_000], ticks: [] },
    { every: 30_000, at: [0, 60_000], ticks: [0, 30_000, 60_000] },
    { every: 30_000, at: [45_000], ticks: [0, 30_000] },
    { every: 60_000, at: [59_999, 60_000], ticks: [0, 60_000] },
  ])('withTicks every $every ms over $at: ticks at $ticks, each before the line of its time', ({ every, at, ticks }) => {
    const steps: CaseStep[] = at.map((ms) => ({ type: 'tick', line: 1, at: ms }));
    const out = withTicks(steps, every);
    expect(out.filter((step) => step.line === undefined).map((step) => step.at)).toEqual(ticks);
    expect(out.map((step) => step.at)).toEqual([...out.map((step) => step.at)].sort((a, b) => a - b));
    const last = out.at(-1);
    expect(last?.line).toBe(1); // a tick due at the last line's time came before it
  });

  it('expected.json: round trip, and a hand-edit mistake is named', () => {
    const golden: Golden = {
      tickets: [{ rule: 'tap-turbidity', site: 'tongmen-tap', device: 'tongmen-tap-wq', severity: 'warning', state: 'resolved', openedAt: '4m', resolvedAt: '7m', firstValue: 2.2, peakValue: 2.2, lastValue: 0.7, count: 3 }],
      changes: [],
      outOfOrder: 0,
    };
    expect(parseGolden(formatGolden(golden), 'x')).toEqual(golden);
    expect(() => parseGolden(formatGolden(golden).replace('"warning"', '"amber"'), 'x/expected.json')).toThrowError(/x\/expected\.json is invalid:[\s\S]*tickets\[0\]\.severity/);
  });
});
