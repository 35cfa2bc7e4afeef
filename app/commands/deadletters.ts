/**
 * `clearwater deadletters list | count | resubmit`: look at what the ingest refused, and after a
 * catalog fix (a metric declared, a device added) send what is now accepted to InfluxDB.
 *
 * The store is `<dataDir>/dead-letters.db`, possibly open in a running Clearwater at the same
 * time: SQLite WAL lets this process read beside it, and the busy timeout makes a removal wait
 * for the pipeline's insert transaction instead of failing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { DeadLetterStore, isTruncated, payloadExcerpt, printable, type StoredDeadLetter } from '../../ingest/dead-letters.ts';
import { InfluxWriter, influxSchema } from '../../ingest/influx-writer.ts';
import { loadCatalog } from '../../network/catalog.ts';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig, type Config } from '../config.ts';
import { privateDataDir } from '../data-dir.ts';
import { CONFIG_FLAG, configFileField } from './run.ts';
import { emptySummary, resubmit, type ResubmitDeps, type ResubmitSummary } from './resubmit.ts';

/** A removal waits this long for the running pipeline's write lock, ms. */
const BUSY_TIMEOUT_MS = 10_000;

const reason = z.string().min(1).optional().describe('Only letters with this reason, e.g. undeclared_metric');
const device = z.string().min(1).optional().describe('Only letters of this device');

export const listOptionsSchema = z.strictObject({
  config: configFileField,
  reason,
  device,
  limit: z.number().int().min(1).default(20).describe('At most this many'),
  json: z.boolean().default(false).describe('One JSON array, payloads in full as base64'),
});

export const countOptionsSchema = z.strictObject({
  config: configFileField,
  json: z.boolean().default(false).describe('{"total": n, "byReason": {...}}'),
});

export const resubmitOptionsSchema = z.strictObject({
  config: configFileField,
  reason,
  device,
  dryRun: z
    .boolean()
    .default(false)
    .describe('Decode and report only: write nothing, remove nothing (lines InfluxDB refused count as resubmittable: only a write tells)'),
  json: z.boolean().default(false).describe('The summary as JSON'),
});

/**
 * Opens the store of `config.dataDir`, or says there is none (nothing was ever rejected there).
 * The folder is made private first, as the pipeline does: opening the store may create its -wal
 * and -shm files, and a folder of an older version is tightened here too.
 */
async function openStore(config: Config): Promise<DeadLetterStore | undefined> {
  const path = join(config.dataDir, 'dead-letters.db');
  if (!existsSync(path)) {
    process.stderr.write(`no dead-letter store at ${path}: nothing was rejected with this data folder\n`);
    return undefined;
  }
  await privateDataDir(config.dataDir);
  return new DeadLetterStore({ ...config.deadLetters, path, busyTimeoutMs: BUSY_TIMEOUT_MS, mustExist: true });
}

async function withStore(options: { config?: string | undefined }, use: (store: DeadLetterStore, config: Config) => Promise<void> | void): Promise<void> {
  const config = await loadConfig(options.config);
  const store = await openStore(config);
  if (!store) return;
  try {
    await use(store, config);
  } finally {
    store.close();
  }
}

function describeLetter(letter: StoredDeadLetter): string {
  const head = [`#${letter.id}`, new Date(letter.receivedAt).toISOString(), printable(letter.device ?? '-'), printable(letter.topic)];
  return [
    head.join('  '),
    `    ${letter.reason}${letter.metric ? ` (${printable(letter.metric)})` : ''}: ${printable(letter.detail)}`,
    `    payload ${letter.payloadBytes} B${isTruncated(letter) ? ` (the first ${letter.payload.byteLength} B kept)` : ''}: ${payloadExcerpt(letter.payload)}`,
  ].join('\n');
}

function letterJson(letter: StoredDeadLetter) {
  return {
    id: letter.id,
    receivedAt: new Date(letter.receivedAt).toISOString(),
    device: letter.device ?? null,
    topic: letter.topic,
    reason: letter.reason,
    metric: letter.metric ?? null,
    detail: letter.detail,
    payloadBytes: letter.payloadBytes,
    truncated: isTruncated(letter),
    payloadExcerpt: payloadExcerpt(letter.payload),
    payloadBase64: Buffer.from(letter.payload).toString('base64'),
  };
}

/** `reason  count` rows, largest first, names padded to one column. */
function table(counts: Readonly<Record<string, number>>, indent = ''): string {
  const rows = Object.entries(counts).sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
  const width = Math.max(0, ...rows.map(([reason]) => reason.length));
  return rows.map(([reason, n]) => `${indent}${reason.padEnd(width)}  ${n}\n`).join('');
}

function printSummary(summary: ResubmitSummary, options: { json?: boolean; dryRun?: boolean }, target: string): void {
  if (options.json) return void process.stdout.write(`${JSON.stringify({ dryRun: options.dryRun ?? false, ...summary })}\n`);
  const rejected = Object.values(summary.stillRejected).reduce((a, b) => a + b, 0);
  const skipped = Object.values(summary.notResubmittable).reduce((a, b) => a + b, 0);
  let text = `examined ${summary.examined} dead letters\n`;
  text += options.dryRun
    ? `would resubmit ${summary.resubmitted} (dry run: nothing written, nothing removed)\n`
    : `resubmitted ${summary.resubmitted} (removed from the store); ${summary.linesWritten} lines written to ${target}\n`;
  if (rejected > 0) text += `still rejected ${rejected}, by reason now:\n${table(summary.stillRejected, '  ')}`;
  if (skipped > 0) text += `not resubmittable ${skipped}:\n${table(summary.notResubmittable, '  ')}`;
  if (summary.remaining.length > 0) text += `left in the store:\n${summary.remaining.map((l) => `  ${l}\n`).join('')}`;
  if (rejected + skipped > summary.remaining.length) text += `  … and ${rejected + skipped - summary.remaining.length} more\n`;
  process.stdout.write(text);
}

function resubmitTarget(config: Config) {
  if (!config.influx.url) {
    throw new Error('deadletters resubmit writes to InfluxDB: set influx.url in the configuration or INFLUX_URL (or use --dry-run)');
  }
  const influx = influxSchema.parse({ ...config.influx, url: config.influx.url });
  const where = influx.api === 'v1' ? `database ${influx.database}` : `bucket ${influx.bucket}`;
  return { writer: new InfluxWriter(influx), name: `InfluxDB ${influx.url} (${where})` };
}

export function registerDeadLetterCommands(program: Command): void {
  const deadletters = program.command('deadletters').description('Inspect rejected input (<dataDir>/dead-letters.db) and resubmit it after a catalog fix');

  schemaCommand(deadletters, 'list', {
    description: 'List dead letters, newest first: time, device, topic, reason, detail and the start of the payload',
    options: listOptionsSchema,
    flags: { config: CONFIG_FLAG, reason: '--reason <reason>', device: '--device <id>' },
    action: (options) =>
      withStore(options, (store) => {
        const letters = store.list({ reason: options.reason, device: options.device, limit: options.limit });
        if (options.json) return void process.stdout.write(`${JSON.stringify(letters.map(letterJson), null, 2)}\n`);
        process.stdout.write(letters.length === 0 ? 'no dead letters\n' : `${letters.map(describeLetter).join('\n')}\n`);
      }),
  });

  schemaCommand(deadletters, 'count', {
    description: 'Count dead letters by reason',
    options: countOptionsSchema,
    flags: { config: CONFIG_FLAG },
    action: (options) =>
      withStore(options, (store) => {
        const byReason = store.countByReason();
        const total = Object.values(byReason).reduce((a, b) => a + b, 0);
        if (options.json) return void process.stdout.write(`${JSON.stringify({ total, byReason })}\n`);
        process.stdout.write(`${table({ ...byReason })}${total === 0 ? 'no dead letters\n' : `total ${total}\n`}`);
      }),
  });

  schemaCommand(deadletters, 'resubmit', {
    description:
      'Re-decode dead letters with the current catalog (at their original arrival time), write the readings now accepted to InfluxDB ' +
      'and remove the letters that were written in full; lines InfluxDB refused are re-sent as they are. Needs influx.url or INFLUX_URL.',
    options: resubmitOptionsSchema,
    flags: { config: CONFIG_FLAG, reason: '--reason <reason>', device: '--device <id>' },
    action: async (options) => {
      const config = await loadConfig(options.config);
      const target = options.dryRun ? undefined : resubmitTarget(config);
      const catalog = await loadCatalog(config.catalog);
      const store = await openStore(config);
      if (!store) return;
      const summary: ResubmitSummary = emptySummary();
      const deps: ResubmitDeps = { store, catalog, limits: config.ingest, batchLines: config.influx.batchSize, write: target && ((lines) => target.writer.write(lines)) };
      let failure: Error | undefined;
      try {
        await resubmit(deps, { reason: options.reason, device: options.device }, summary);
      } catch (error) {
        failure = error as Error;
      } finally {
        store.close();
      }
      // Also after a failed write: what was resubmitted before it is already gone from the store.
      printSummary(summary, options, target?.name ?? '');
      if (failure) {
        throw new Error(`${failure.message}\nstopped: the letters of the failed write and all not yet examined stay in the store; run resubmit again once InfluxDB takes writes`);
      }
    },
  });
}
