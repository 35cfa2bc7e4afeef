/**
 * The rule packs of the benchmark: every shipped pack in rules/packs/ found at run time (packs
 * are being added; one that does not load, or whose rule ids clash with an earlier pack's, is
 * reported and skipped), and the bench pack of the latency part, written to a temp dir.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Rule } from '../rules/kinds/index.ts';
import { createRulesEngine } from '../rules/engine.ts';
import { loadRulePack, parseRulePack, rulesOf, type RulePack } from '../rules/pack.ts';
import { openSqliteTicketStore } from '../rules/tickets/sqlite.ts';

export const SHIPPED_PACKS_DIR = fileURLToPath(new URL('../rules/packs/', import.meta.url));

export interface LoadedPack {
  readonly path: string;
  readonly pack: RulePack;
}

export interface ShippedPacks {
  readonly loaded: readonly LoadedPack[];
  /** Files left out, with the first lines of the reason. */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  readonly rules: readonly Rule[];
}

const firstLines = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n').slice(0, 4).join(' / ');

/** Why an engine refuses these rules together (ids, rules listening to rules not loaded), if it does. */
async function refusal(rules: readonly Rule[]): Promise<string | undefined> {
  const store = await openSqliteTicketStore({ path: ':memory:' });
  try {
    createRulesEngine({ rules, store }); // validates (unique ids among them) and indexes; touches nothing
    return undefined;
  } catch (error) {
    return firstLines(error);
  } finally {
    await store.close();
  }
}

/**
 * Loads every `*.yaml` / `*.yml` of `dir`; never throws for one bad pack. A pack that loads is
 * kept when an engine accepts it with those kept so far; passes repeat until none is added, so a
 * pack whose rules listen to another pack's (zone signals) is kept whatever the name order.
 */
export async function loadShippedPacks(dir = SHIPPED_PACKS_DIR): Promise<ShippedPacks> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const skipped = new Map<string, string>();
  let waiting: LoadedPack[] = [];
  for (const name of names) {
    const path = join(dir, name);
    await loadRulePack(path).then(
      (pack) => waiting.push({ path, pack }),
      (error: unknown) => skipped.set(path, firstLines(error)),
    );
  }
  const loaded: LoadedPack[] = [];
  for (let added = true; added; ) {
    added = false;
    const still: LoadedPack[] = [];
    for (const candidate of waiting) {
      const reason = await refusal([...loaded, candidate].flatMap((l) => l.pack.rules));
      if (reason === undefined) {
        loaded.push(candidate);
        skipped.delete(candidate.path);
        added = true;
      } else {
        still.push(candidate);
        skipped.set(candidate.path, reason);
      }
    }
    waiting = still;
  }
  loaded.sort((a, b) => a.path.localeCompare(b.path));
  return { loaded, skipped: [...skipped].map(([path, reason]) => ({ path, reason })), rules: rulesOf(loaded.map((l) => l.pack)) };
}

/**
 * The shipped threshold rule on tap turbidity (tap-water's tap-turbidity): a rule at every tap
 * that 8 NTU crosses. The latency probe's second target and the engine part's one-rule floor.
 */
export function shippedTapTurbidityRule(rules: readonly Rule[]): Extract<Rule, { kind: 'threshold' }> | undefined {
  for (const rule of rules) {
    if (rule.kind !== 'threshold' || rule.metric !== 'turbidity' || rule.direction !== 'above') continue;
    const tapsOnly = rule.match?.siteKinds?.length === 1 && rule.match.siteKinds[0] === 'tap';
    if (tapsOnly && !rule.match?.villages && !rule.match?.sites && (rule.warning ?? rule.critical ?? Infinity) < 8) return rule;
  }
  return undefined;
}

export const BENCH_RULE_ID = 'bench-probe-turbidity';

/**
 * The latency probe's rule: tap-water's tap-turbidity levels with `for: 0`, so one reading past
 * the level opens a ticket; only at the probe sites, so the background load never meets it.
 */
export function benchPackDocument(probeSites: readonly string[]) {
  return {
    pack: 'bench-latency',
    description: 'Latency probe of bench/rules.ts: one reading past the level opens a ticket',
    rules: [
      {
        id: BENCH_RULE_ID,
        kind: 'threshold',
        title: 'Benchmark probe: tap turbidity high',
        titleZh: '基准测试探针:龙头水浑浊度超标',
        source: 'GB 5749-2022 Table 1, turbidity ≤ 1 NTU (as tap-water.yaml tap-turbidity); `for: 0` is the benchmark\'s choice',
        metric: 'turbidity',
        match: { siteKinds: ['tap'], sites: [...probeSites] },
        direction: 'above',
        warning: 1,
        critical: 4,
        clear: 0.8,
        for: 0,
      },
    ],
  };
}

/** Checks the bench pack with the pack schema, writes it as YAML into `dir`; returns its path. */
export async function writeBenchPack(dir: string, probeSites: readonly string[]): Promise<string> {
  const document = benchPackDocument(probeSites);
  const parsed = parseRulePack(document);
  if (!parsed.ok) throw new Error(`bench pack is invalid:\n${parsed.problems}`);
  const path = join(dir, 'bench-latency.yaml');
  await writeFile(path, `# Written by bench/rules-packs.ts for one benchmark run\n${stringify(document, { lineWidth: 0 })}`);
  return path;
}
