/**
 * `npm run bench:rules [-- options]`: the rules engine at county scale, in two parts (see the
 * `bench:rules` section of bench/README.md for what each figure means):
 *
 * 1. engine: rule evaluations per second through `engine.evaluate` with a generated county of
 *    10,000 devices and every shipped pack, a SQLite ticket store, seeded readings; `engine.tick`
 *    over every watched device; heap and RSS; against the same engine with one rule and a naive
 *    scan without the router's index (rules-engine-phase.ts);
 * 2. latency: publish → ticket opened through the whole pipeline in this process, with no
 *    background load and then at each `--rates` level of MQTT load (rules-latency-phase.ts).
 *
 * Figures are measurements, never asserted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalInfluxd } from '../app/local-influxd.ts';
import type { CatalogDocument } from '../network/catalog.ts';
import { hashPassword } from '../network/password.ts';
import { BENCH_SCRYPT } from './bench-catalog.ts';
import { findProcess } from './proc-stats.ts';
import { checkedCatalog, worksCounty, writeCatalog } from '../simulators/catalog/generate.ts';
import { pickLatencyDevices, withPasswords, type LatencyDevices } from './rules-devices.ts';
import { runEnginePart } from './rules-engine-phase.ts';
import { runLatencyPhase, type LatencyLevel, type LatencyPhaseResult } from './rules-latency-phase.ts';
import { DEFAULT_RATES, parseRuleBenchOptions, ruleBenchHelp, type RuleBenchOptions } from './rules-options.ts';
import { BENCH_RULE_ID, loadShippedPacks, shippedTapTurbidityRule, writeBenchPack, type ShippedPacks } from './rules-packs.ts';
import type { ProbeTarget } from './rules-probe-protocol.ts';
import * as report from './rules-report.ts';
import { benchMain } from './entry.ts';

const PROBES_PER_TARGET = 10;
const startedAt = performance.now();
const log = (text: string) => process.stderr.write(`[bench:rules +${((performance.now() - startedAt) / 1000).toFixed(1)} s] ${text}\n`);

function probeTargets(packs: ShippedPacks, devices: LatencyDevices): ProbeTarget[] {
  const targets: ProbeTarget[] = [{ label: `${BENCH_RULE_ID} (for 0)`, ruleId: BENCH_RULE_ID, forMs: 0, subject: 'site', devices: devices.benchProbes }];
  const shipped = shippedTapTurbidityRule(packs.rules);
  if (shipped) targets.push({ label: `${shipped.id} (for ${shipped.for / 1000} s)`, ruleId: shipped.id, forMs: shipped.for, subject: shipped.subject, devices: devices.shippedProbes });
  else log('no shipped threshold rule on tap turbidity: only the bench rule is probed');
  return targets;
}

async function latencyPart(options: RuleBenchOptions, packs: ShippedPacks, file: CatalogDocument, devices: LatencyDevices, workDir: string): Promise<LatencyPhaseResult[]> {
  if (options.warmup + options.seconds > 150) log('warning: after 3 minutes device-silent opens tickets for the catalog devices that never publish, inside the window');
  const catalogPath = await writeCatalog(workDir, file, 'bench/rules.ts');
  const benchPackPath = await writeBenchPack(workDir, devices.benchProbes.map((d) => d.site));
  const influx = await startLocalInfluxd();
  const phases: LatencyPhaseResult[] = [];
  try {
    const context = {
      ...options,
      influxUrl: influx.url,
      influxdPid: findProcess(influx.pid, 'influxd'),
      catalogPath,
      rulePacks: [...packs.loaded.map((l) => l.path), benchPackPath],
      loadDevices: devices.load,
      targets: probeTargets(packs, devices),
      workDir,
    };
    const level = async (kind: LatencyLevel, rate: number) => {
      const what = { baseline: 'no background load', peak: `closed loop (as fast as PUBACKs allow) from ${devices.load.length} devices`, 'half-peak': `${rate} readings/s, half the peak, from ${devices.load.length} devices`, fixed: `${rate} readings/s from ${devices.load.length} devices` }[kind];
      log(`latency: ${what}, ${options.warmup} s warm-up + ${options.seconds} s, ${options.probeRate} probes/s`);
      const phase = await runLatencyPhase(kind, rate, context);
      phases.push(phase);
      return phase;
    };
    await level('baseline', 0);
    if (options.halfPeak) {
      const peak = await level('peak', 0);
      await level('half-peak', Math.round(peak.ackedPerSecond / 2));
    }
    for (const rate of options.rates ?? (options.halfPeak ? [] : DEFAULT_RATES)) await level('fixed', rate);
  } finally {
    await influx.stop();
  }
  return phases;
}

async function main(options: RuleBenchOptions): Promise<number> {
  const wantLatency = options.only.includes('latency');
  // Devices that never log in get a hash of a password nobody knows; the loggers-in get real ones.
  const unknown = await hashPassword(randomBytes(16).toString('hex'), BENCH_SCRYPT);
  let file = worksCounty({ devices: options.devices, seed: options.seed, passwordHash: () => unknown });
  const devices = wantLatency ? pickLatencyDevices(file, options.loadDevices, PROBES_PER_TARGET) : undefined;
  if (devices) file = await withPasswords(file, [...devices.benchProbes, ...devices.shippedProbes, ...devices.load]);
  const parseStart = performance.now();
  const catalog = checkedCatalog(file);
  const parseMs = performance.now() - parseStart;
  const packs = await loadShippedPacks();

  console.log(`Clearwater rules benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}, seed "${options.seed}"\n`);
  console.log(`County catalog: ${catalog.devices.size} devices, checked by the catalog schema in ${Math.round(parseMs)} ms\n${report.catalogTable(catalog)}\n`);
  console.log(`Rule packs found in rules/packs/ (${packs.rules.length} rules):\n${report.packsTable(packs)}\n`);

  const workDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-rules-'));
  try {
    if (options.only.includes('engine')) {
      const oneRule = shippedTapTurbidityRule(packs.rules) ?? packs.rules.find((rule) => rule.kind === 'threshold');
      const { passes, routing, byPack } = await runEnginePart(packs, oneRule, { catalog, ...options }, workDir, log);
      console.log(`Engine throughput: ${options.simMinutes} min of event time, readings in 10 s steps, each step then engine.tick; event chance ${options.eventChance} per reading`);
      console.log(`${report.engineTable(passes)}\n\n${report.ticketsAndMemoryTable(passes)}\n\nengine.tick over every watched device:\n${report.tickTable(passes)}\n`);
      console.log(`Routing, same readings (finding the rules only):\n${report.routingTable(routing)}\n\n${report.engineRatios(passes, routing)}\n`);
      if (byPack) console.log(`Each pack alone, same readings:\n${report.packCostTable(byPack.results, byPack.refused)}\n`);
    }
    if (devices) {
      const phases = await latencyPart(options, packs, file, devices, workDir);
      console.log(`Publish → ticket opened, whole pipeline in one process; ${options.probeRate} probes/s for ${options.seconds} s after ${options.warmup} s of load; load: ${options.loadDevices} devices × ${options.inflight} in flight, QoS 1, one quiet reading a message`);
      console.log(`${report.latencyTable(phases)}\n\n${report.pipelineTable(phases)}\n\n${report.latencyRatios(phases)}`);
      const goal = report.latencyGoal(phases);
      if (goal) console.log(`\nGoal\n${goal}`);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return 0;
}

benchMain({ parse: parseRuleBenchOptions, help: ruleBenchHelp }, main);
