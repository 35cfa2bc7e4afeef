/**
 * `clearwater score --truth FILE [--api URL | -c FILE] [--json]`: a rehearsal's tickets against
 * the ground truth its simulator wrote (`clearwater simulate --truth`). Tickets come from a
 * running Clearwater's HTTP API, or from the configuration's ticket store after the run. Prints
 * recall and delay per incident kind, each incident, false tickets by rule and the densest 10
 * minutes (rules/evaluate/truth-score.ts).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { parseTruth, type TruthRecord } from '../../network/truth.ts';
import { defaultTruthScoreOptions, scoreTruth, type ScoredTicket, type TruthScore } from '../../rules/evaluate/truth-score.ts';
import { openTicketStore } from '../../rules/tickets/config.ts';
import { ISA_18_2 } from '../../rules/tickets/alarm-load.ts';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { CONFIG_FLAG, configFileField } from './run.ts';

export const scoreOptionsSchema = z.strictObject({
  truth: z.string().min(1).describe('Ground truth NDJSON, as `clearwater simulate --truth` writes it'),
  api: z.url().optional().describe('A running Clearwater\'s HTTP API, e.g. http://127.0.0.1:8080 (token: CLEARWATER_TOKEN); without it, the ticket store of the configuration'),
  config: configFileField,
  grace: z.number().min(0).default(30).describe('Minutes after an incident\'s end in which its tickets still count'),
  json: z.boolean().default(false).describe('The score as one JSON object'),
});
export type ScoreOptions = z.output<typeof scoreOptionsSchema>;

const apiTicketSchema = z.object({ id: z.number(), ruleId: z.string(), site: z.string(), device: z.string(), openedAt: z.number() });
const PAGE = 1000;

/**
 * Every ticket opened since `since`, page by page (newest first, `offset`; the API's largest page
 * by default). A ticket opened while paging shifts the rest by one: ids drop the repeat.
 */
export async function ticketsFromApi(api: string, since: number, token: string | undefined, pageSize = PAGE): Promise<ScoredTicket[]> {
  const seen = new Map<number, ScoredTicket>();
  for (let offset = 0; ; offset += pageSize) {
    const url = new URL('/api/tickets', api);
    url.search = new URLSearchParams({ state: 'all', since: String(since), limit: String(pageSize), offset: String(offset) }).toString();
    const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!response.ok) throw new Error(`GET ${url.pathname}: HTTP ${response.status} ${await response.text()}`);
    const page = z.object({ tickets: z.array(apiTicketSchema) }).parse(await response.json()).tickets;
    for (const t of page) seen.set(t.id, t);
    if (page.length < pageSize) return [...seen.values()];
  }
}

async function ticketsFromStore(configFile: string | undefined, since: number): Promise<ScoredTicket[]> {
  const config = await loadConfig(configFile);
  const store = await openTicketStore(config.tickets, { dataDir: config.dataDir });
  try {
    return await store.list({ state: 'all', since });
  } finally {
    await store.close();
  }
}

const minutes = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} min`);
const share = (value: number | null) => (value === null ? '—' : value.toFixed(2));

/** The human report. Pure. */
export function scoreReport(file: string, records: readonly TruthRecord[], score: TruthScore): string {
  const pad = (text: string, width: number) => text.padEnd(width);
  const width = Math.max(14, ...score.kinds.map((k) => k.kind.length), ...score.incidents.map((i) => i.name.length)) + 2;
  const lines = [`scored ${score.tickets} tickets against ${records.length} incidents of ${file}\n\n`];
  lines.push(`${pad('kind', width)}incidents  detected  recall  median delay  worst delay\n`);
  for (const k of score.kinds) lines.push(`${pad(k.kind, width)}${pad(String(k.incidents), 11)}${pad(String(k.detected), 10)}${pad(share(k.recall), 8)}${pad(minutes(k.medianDelayMin), 14)}${minutes(k.maxDelayMin)}\n`);
  lines.push(`\n${pad('incident', width)}detected  delay\n`);
  const expectsNothing = new Set(score.kinds.filter((k) => k.recall === null).map((k) => k.kind));
  for (const i of score.incidents) {
    const found = expectsNothing.has(i.kind) ? '—' : i.detected ? `#${i.ticketId}` : 'missed';
    lines.push(`${pad(i.name, width)}${pad(found, 10)}${minutes(i.delayMin)}\n`);
  }
  lines.push(`\nfalse tickets     ${score.falseTickets}${score.falseTickets === 0 ? '' : `: ${Object.entries(score.falseByRule).map(([rule, n]) => `${rule} ${n}`).join(', ')}`}\n`);
  lines.push(`consequences      ${score.consequences} (tickets an incident may cause, e.g. a yellow-water event's pressure transient)\n`);
  const flood = score.worst10Minutes > ISA_18_2.per10Minutes ? '  ← an alarm flood' : '';
  lines.push(`densest 10 min    ${score.worst10Minutes} tickets (ISA-18.2: at most ${ISA_18_2.per10Minutes})${flood}\n`);
  return lines.join('');
}

export function registerScoreCommand(program: Command): void {
  schemaCommand(program, 'score', {
    description: 'Score a rehearsal\'s tickets against its ground truth: recall and delay per incident kind, false tickets by rule, the densest 10 minutes',
    options: scoreOptionsSchema,
    flags: { truth: '--truth <file>', api: '--api <url>', config: CONFIG_FLAG, grace: '--grace <minutes>' },
    action: async (options) => {
      const { records, problems } = parseTruth(await readFile(options.truth, 'utf8'));
      for (const p of problems) process.stderr.write(`score: ${options.truth}:${p.line}: ${p.message}\n`);
      if (records.length === 0) throw new Error(`${options.truth} has no incident to score against`);
      const since = Math.min(...records.map((r) => r.startMs));
      const tickets = options.api ? await ticketsFromApi(options.api, since, process.env.CLEARWATER_TOKEN) : await ticketsFromStore(options.config, since);
      const score = scoreTruth(records, tickets, { ...defaultTruthScoreOptions, graceMs: options.grace * 60_000 });
      process.stdout.write(options.json ? `${JSON.stringify(score)}\n` : scoreReport(options.truth, records, score));
    },
  });
}
