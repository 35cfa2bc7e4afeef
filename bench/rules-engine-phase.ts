/**
 * The engine part of bench/rules.ts, in one process, no sockets: the seeded county's readings
 * (rules-readings.ts) over `simMinutes` of event time, fed in 10-second steps as the pipeline's
 * ingest would (rulesTickMs is 10 s), each step followed by `engine.tick` over every watched
 * device. Over the same readings:
 *
 * - `engine, all packs`: createRulesEngine with every shipped pack and a SQLite ticket store in a
 *   temp dir (rules/tickets/sqlite.ts: WAL, synchronous FULL);
 * - `engine, one rule`: the same engine with the shipped tap turbidity rule only: the floor of
 *   the engine's own cost per reading;
 * - routing: the router's index against a scan of every rule (rules-routing.ts), finding only;
 * - with `--by-pack`, each pack alone: what each costs.
 *
 * Timed apart: the synchronous `evaluate` calls (routing and pure evaluation; ticket writes are
 * only queued), the synchronous `tick`, and the wait for the queued ticket writes.
 */
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Catalog } from '../network/catalog.ts';
import { createRulesEngine, type RulesEngineStats } from '../rules/engine.ts';
import type { Rule } from '../rules/kinds/index.ts';
import { openSqliteTicketStore } from '../rules/tickets/sqlite.ts';
import type { LoadedPack, ShippedPacks } from './rules-packs.ts';
import { simulateCounty } from './rules-readings.ts';
import { indexRouter, scanRouter } from './rules-routing.ts';

/** 2026-11-28 10:00 Beijing time: the event time the simulation starts at. */
export const SIM_START = Date.UTC(2026, 10, 28, 2, 0);
/** As the pipeline's default `rulesTickMs`. */
const STEP_MS = 10_000;


export interface Memory {
  readonly heapMiB: number;
  readonly rssMiB: number;
}

/** Heap and RSS after a full GC (the script runs without --expose-gc: package.json). */
export function settledMemory(): Memory {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMiB: heapUsed / 2 ** 20, rssMiB: rss / 2 ** 20 };
}

export interface EnginePassResult {
  readonly label: string;
  readonly rules: number;
  readonly readings: number;
  /** Rule evaluations caused by readings (engine: stats().evaluations around `evaluate`). */
  readonly evaluations: number;
  readonly evaluateMs: number;
  readonly ticks: number;
  /** Watch evaluations caused by ticks. */
  readonly tickEvaluations: number;
  readonly tickMs: number;
  readonly tickMaxMs: number;
  readonly watches: number;
  /** Waiting for the queued ticket writes. */
  readonly writeMs: number;
  readonly stats: RulesEngineStats;
  readonly before: Memory;
  readonly after: Memory;
}

export interface EnginePassOptions {
  readonly catalog: Catalog;
  readonly seed: string;
  readonly simMinutes: number;
  readonly eventChance: number;
}

function steps(options: EnginePassOptions): number[] {
  const count = Math.ceil((options.simMinutes * 60_000) / STEP_MS);
  return Array.from({ length: count }, (_, i) => SIM_START + (i + 1) * STEP_MS);
}

export async function enginePass(label: string, rules: readonly Rule[], options: EnginePassOptions, dbPath: string): Promise<EnginePassResult> {
  const store = await openSqliteTicketStore({ path: dbPath });
  const before = settledMemory();
  const engine = createRulesEngine({ rules, store, devices: options.catalog.devices.values(), onError: () => undefined });
  await engine.start();
  const simulation = simulateCounty(options.catalog, options.seed, SIM_START, options.eventChance);
  const time = { evaluateMs: 0, tickMs: 0, tickMaxMs: 0, writeMs: 0, evaluations: 0, tickEvaluations: 0, readings: 0 };
  await engine.tick(SIM_START);
  for (const until of steps(options)) {
    const batch = simulation.until(until);
    const evaluationsBefore = engine.stats().evaluations;
    const t0 = performance.now();
    const writes = batch.map((reading) => engine.evaluate(reading));
    const t1 = performance.now();
    const evaluationsBetween = engine.stats().evaluations;
    const ticked = engine.tick(until);
    const t2 = performance.now();
    await Promise.all(writes);
    await ticked;
    const t3 = performance.now();
    time.readings += batch.length;
    time.evaluations += evaluationsBetween - evaluationsBefore;
    time.tickEvaluations += engine.stats().evaluations - evaluationsBetween;
    time.evaluateMs += t1 - t0;
    time.tickMs += t2 - t1;
    time.tickMaxMs = Math.max(time.tickMaxMs, t2 - t1);
    time.writeMs += t3 - t2;
  }
  await engine.stop();
  const stats = engine.stats();
  const after = settledMemory(); // the engine (and its fingerprints) is still referenced here
  await store.close();
  return { label, rules: rules.length, ...time, ticks: stats.ticks, watches: stats.watches, stats, before, after };
}

export interface RoutingResult {
  readonly readings: number;
  /** Rules found per router (must be equal). */
  readonly indexFound: number;
  readonly scanFound: number;
  readonly indexMs: number;
  readonly scanMs: number;
  readonly rules: number;
}

/** The same readings through the index and through the naive scan, batch by batch, both timed. */
export function routingPass(rules: readonly Rule[], options: EnginePassOptions): RoutingResult {
  const routers = { index: indexRouter(rules), scan: scanRouter(rules) };
  const simulation = simulateCounty(options.catalog, options.seed, SIM_START, options.eventChance);
  const result = { readings: 0, indexFound: 0, scanFound: 0, indexMs: 0, scanMs: 0, rules: rules.length };
  for (const until of steps(options)) {
    const batch = simulation.until(until);
    const t0 = performance.now();
    for (const reading of batch) result.indexFound += routers.index.route(reading);
    const t1 = performance.now();
    for (const reading of batch) result.scanFound += routers.scan.route(reading);
    const t2 = performance.now();
    result.indexMs += t1 - t0;
    result.scanMs += t2 - t1;
    result.readings += batch.length;
  }
  return result;
}

/** Each pack alone through the engine; a pack that needs another (zone signals) is refused alone. */
async function packPasses(packs: readonly LoadedPack[], options: EnginePassOptions, dir: string, log: (text: string) => void) {
  const results: EnginePassResult[] = [];
  const refused: { pack: string; reason: string }[] = [];
  for (const { pack } of packs) {
    log(`engine, pack ${pack.pack} alone`);
    try {
      results.push(await enginePass(pack.pack, pack.rules, options, join(dir, `pack-${pack.pack}.db`)));
    } catch (error) {
      refused.push({ pack: pack.pack, reason: error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error) });
    }
  }
  return { results, refused };
}

/**
 * The two engine passes, each with its own ticket database in `dir`, the routing pass, and with
 * `byPack` one engine pass per pack.
 */
export async function runEnginePart(packs: ShippedPacks, oneRule: Rule | undefined, options: EnginePassOptions & { byPack: boolean }, dir: string, log: (text: string) => void) {
  const { rules } = packs;
  const passes: EnginePassResult[] = [];
  log(`engine, all packs: ${rules.length} rules, ${options.simMinutes} min of event time`);
  passes.push(await enginePass('engine, all packs', rules, options, join(dir, 'all.db')));
  if (oneRule) {
    log(`engine, one rule (${oneRule.id})`);
    passes.push(await enginePass(`engine, one rule (${oneRule.id})`, [oneRule], options, join(dir, 'one.db')));
  }
  log('routing: index vs naive scan');
  const routing = routingPass(rules, options);
  const byPack = options.byPack ? await packPasses(packs.loaded, options, dir, log) : undefined;
  return { passes, routing, byPack };
}
