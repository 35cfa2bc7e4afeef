/**
 * `clearwater evaluate --dataset gecco --csv FILE [--rules PACK]... [--json]`: replays a labelled
 * data set as the readings of one plant-outlet site through the real rules engine (in-memory
 * SQLite tickets, event time) and scores the tickets against the labels (rules/evaluate/).
 * `--folds K` with one or more `--csv`: time-split cross-validation over a grid (evaluate-folds.ts).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { z } from 'zod';
import { geccoMetrics, parseGeccoCsv } from '../../rules/evaluate/gecco.ts';
import { replay, replayDevice, type ReplayResult } from '../../rules/evaluate/replay.ts';
import type { Score } from '../../rules/evaluate/score.ts';
import { loadRulePack, rulesOf } from '../../rules/pack.ts';
import type { Ticket } from '../../rules/tickets/ticket.ts';
import { gridOf } from '../../rules/evaluate/grid.ts';
import { schemaCommand } from '../cli-options.ts';
import { alarmRate } from '../../rules/evaluate/alarm-rate.ts';
import { canaryMetrics, parseCanaryCsv } from '../../rules/evaluate/canary.ts';
import { detectionLimits } from '../../rules/evaluate/detection-limits.ts';
import type { Rule } from '../../rules/kinds/index.ts';
import { foldsJson, foldsReport, runFolds } from './evaluate-folds.ts';
import { alarmReport } from './evaluate-alarms.ts';
import { limitsJson, limitsReport } from './evaluate-limits.ts';

const DEFAULT_PACK = fileURLToPath(new URL('../../rules/packs/plant-outlet-anomaly.yaml', import.meta.url));
/** Tickets printed one by one per section; the rest are counted. */
const LISTED = 20;

export const evaluateOptionsSchema = z.strictObject({
  dataset: z
    .enum(['gecco', 'canary-station-b'])
    .describe('Data set format: gecco, a GECCO Industrial Challenge CSV (2017, 2018) read as one plant-outlet analyser panel; canary-station-b, the US EPA CANARY tutorial station B (20-minute rows, no labels): alarm rate against ISA-18.2'),
  csv: z.array(z.string().min(1)).min(1).describe('The CSV, e.g. gecco2018_train.csv; repeat for several (with --folds: one time line, files in time order)'),
  rules: z.array(z.string().min(1)).default([DEFAULT_PACK]).describe('Rule pack YAML; repeat for several'),
  folds: z.number().int().min(2).max(50).optional().describe('Time-split cross-validation: K contiguous time folds over all the files; each is scored with the grid setting chosen on the others'),
  grid: z
    .array(z.string().min(1))
    .default(['outlierThreshold=6,8,10,12'])
    .describe('With --folds: anomaly settings to choose from, KEY=V1,V2 (repeat for a product of several); default outlierThreshold=6,8,10,12'),
  maxFalsePerWeek: z.number().positive().default(1).describe('With --folds: the false-ticket budget per week the tuning keeps (the detection goal); default 1'),
  detectionLimits: z.boolean().default(false).describe('Detection-limit table: seeded single-channel steps injected into the event-free background of the files, the smallest step per channel caught with recall ≥ 0.9'),
  positions: z.number().int().min(1).max(1000).default(20).describe('With --detection-limits: background windows (step positions) per size; default 20'),
  seed: z.number().int().min(0).default(14).describe('With --detection-limits: seed of the window draw (mulberry32); default 14'),
  json: z.boolean().default(false).describe('One JSON object: events, detected, recall, precision, false_per_week, f1, median_delay_min'),
});

const round = (value: number | null, digits = 4) => (value === null ? null : Number(value.toFixed(digits)));

/** The JSON summary: exactly these keys, numbers rounded to 4 digits. Pure. */
export function scoreJson(score: Score) {
  return {
    events: score.events,
    detected: score.detected,
    recall: round(score.recall),
    precision: round(score.precision),
    false_per_week: round(score.falsePerWeek),
    f1: round(score.f1),
    median_delay_min: round(score.medianDelayMin, 1),
  };
}

const when = (ms: number | null) => (ms === null ? 'still open' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
const ticketLine = (ticket: Ticket) =>
  `  ${when(ticket.openedAt)} → ${when(ticket.resolvedAt)}  ${ticket.ruleId}  peak ${round(ticket.peakValue, 2)}\n`;

function listed(title: string, tickets: readonly Ticket[]): string {
  if (tickets.length === 0) return '';
  const more = tickets.length > LISTED ? `  … and ${tickets.length - LISTED} more\n` : '';
  return `${title} (UTC):\n${tickets.slice(0, LISTED).map(ticketLine).join('')}${more}`;
}

/** The human report. Pure. */
export function report(file: string, packs: readonly string[], result: ReplayResult): string {
  const { score: s } = result;
  const f = (value: number | null, digits = 3) => (value === null ? '—' : value.toFixed(digits));
  return [
    `replayed ${file}: ${result.readings} readings, ${result.gaps} gap rows; rules: ${packs.join(', ')}\n`,
    `events            ${s.events}\n`,
    `events detected   ${s.detected}  (recall ${f(s.recall)})\n`,
    `tickets           ${s.tickets}  (precision ${f(s.precision)}; ${s.falseTickets} false, ${f(s.falsePerWeek, 2)} per week)\n`,
    `point-wise F1     ${f(s.f1)}\n`,
    `median delay      ${s.medianDelayMin === null ? '—' : `${f(s.medianDelayMin, 1)} min`}\n`,
    `sensor-health tickets (not scored): ${result.sensorHealth.length}\n`,
    listed('false tickets', result.falseTickets),
    listed('sensor-health tickets', result.sensorHealth),
  ].join('');
}

/** `--dataset canary-station-b`: replays the station's files one after another and prints the alarm rate. */
async function runCanary(rules: readonly Rule[], csvFiles: readonly string[], json: boolean): Promise<void> {
  for (const file of csvFiles) {
    const parsed = parseCanaryCsv(await readFile(file, 'utf8'));
    for (const problem of parsed.problems) process.stderr.write(`evaluate: ${file}: ${problem}\n`);
    const result = await replay(rules, replayDevice(canaryMetrics, 20 * 60_000), parsed.samples);
    const first = parsed.samples[0]?.ts ?? 0;
    const last = parsed.samples.at(-1)?.ts ?? first;
    const rate = alarmRate(result.tickets, last - first, last);
    if (json) process.stdout.write(`${JSON.stringify({ file, ...rate })}\n`);
    else process.stdout.write(alarmReport(file, result.readings, result.gaps, rate, result.tickets));
  }
}

export function registerEvaluateCommand(program: Command): void {
  schemaCommand(program, 'evaluate', {
    description:
      'Replay a labelled data set as one plant-outlet site through the rules engine and score the tickets: events, detected, recall, ' +
      'ticket precision, false tickets per week, point-wise F1, median detection delay; --folds K: time-split cross-validation over ' +
      'one or more files; --detection-limits: the smallest single-channel step caught; --dataset canary-station-b: alarm rate against ISA-18.2',
    options: evaluateOptionsSchema,
    flags: { csv: '--csv <file>', rules: '--rules <pack>', grid: '--grid <setting>' },
    action: async (options) => {
      const packs = await Promise.all(options.rules.map(loadRulePack));
      if (options.dataset === 'canary-station-b') return runCanary(rulesOf(packs), options.csv, options.json);
      const files = [];
      for (const file of options.csv) {
        const parsed = parseGeccoCsv(await readFile(file, 'utf8'));
        for (const problem of parsed.problems) process.stderr.write(`evaluate: ${file}: ${problem}\n`);
        files.push({ file, samples: parsed.samples });
      }
      if (options.detectionLimits) {
        const samples = [...files].sort((a, b) => (a.samples[0]?.ts ?? 0) - (b.samples[0]?.ts ?? 0)).flatMap((f) => f.samples);
        const limits = await detectionLimits(rulesOf(packs), replayDevice(geccoMetrics), samples, { positions: options.positions, seed: options.seed });
        if (options.json) return void process.stdout.write(`${JSON.stringify(limitsJson(limits))}\n`);
        return void process.stdout.write(limitsReport(limits, options.csv, options.seed, 0.9));
      }
      if (options.folds !== undefined) {
        const goal = { maxFalsePerWeek: options.maxFalsePerWeek };
        const run = await runFolds(rulesOf(packs), replayDevice(geccoMetrics), files, options.folds, gridOf(options.grid), goal, (line) => void process.stderr.write(`evaluate: ${line}\n`));
        if (options.json) return void process.stdout.write(`${JSON.stringify(foldsJson(run))}\n`);
        return void process.stdout.write(foldsReport(run, options.csv, options.grid, goal));
      }
      const [only, ...more] = files;
      if (only === undefined || more.length > 0) throw new Error('evaluate: several --csv need --folds');
      const result = await replay(rulesOf(packs), replayDevice(geccoMetrics), only.samples);
      if (options.json) return void process.stdout.write(`${JSON.stringify(scoreJson(result.score))}\n`);
      process.stdout.write(report(only.file, packs.map((pack) => pack.pack), result));
    },
  });
}
