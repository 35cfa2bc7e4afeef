/**
 * `clearwater replay --dataset gecco-2018|gecco-2017|canary-station-b|FILE --device ID
 * [--speed N] [--broker URL] [--password P] [--from T] [--to T] [--start T | --keep-time]
 * [--batch N]`: publishes a recorded data set over MQTT (QoS 1) as one catalog device, with
 * the rows' own timestamps (shifted so the data ends now, by default), paced by them divided
 * by the speed. The pure part is simulators/replay/plan.ts, the MQTT part dataset-replay.ts.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { connect as mqttConnect } from 'mqtt';
import { z } from 'zod';
import { loadCatalog, type Device } from '../../network/catalog.ts';
import { simulatorConfigSchema } from '../../simulators/config.ts';
import { MAX_BACKFILL_MS } from '../../simulators/clock.ts';
import { derivedPassword } from '../../simulators/credentials.ts';
import { replayMessages, wallClock, type ConnectFn, type DatasetReplayStats, type ReplayClock } from '../../simulators/replay/dataset-replay.ts';
import { replayPlan, timeShiftMs, withinWindow, type ReplayPlan } from '../../simulators/replay/plan.ts';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { untilSignal } from './run.ts';
import { datasetPath, namedDatasets, readDataset, type DatasetRows } from '../replay-datasets.ts';

const instant = (what: string) =>
  z
    .string()
    .refine((text) => Number.isFinite(Date.parse(text)), 'a date or RFC 3339 time, e.g. 2018-03-01 or 2018-03-01T06:00:00Z')
    .optional()
    .describe(what);

export const replayOptionsSchema = z.strictObject({
  dataset: z
    .string()
    .min(1)
    .describe(`The data: ${Object.keys(namedDatasets).join(', ')} (read from ../shared/data beside the repository), or the path of a CSV in either format`),
  device: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a device id').describe('Catalog device to publish as; only the metrics it declares are sent'),
  speed: z.number().positive().max(1_000_000).default(1).describe('Data-set seconds per real second: the rows are paced by their timestamps divided by this'),
  broker: simulatorConfigSchema.shape.brokerUrl.describe('MQTT broker URL'),
  password: z
    .string()
    .min(1)
    .optional()
    .describe('The device\'s MQTT password (or CLEARWATER_DEVICE_PASSWORD); default: the sample network\'s demo password of that device (simulators/credentials.ts)'),
  catalog: z.string().min(1).optional().describe('Network catalog (default: the catalog of the embedded configuration, the sample county)'),
  from: instant('Replay only rows at or after this instant of the data\'s own time line'),
  to: instant('Replay only rows before this instant of the data\'s own time line'),
  start: instant('Shift the timestamps so that the first row replayed lands at this instant (default: now minus the span replayed, so the last row lands when the replay starts)'),
  keepTime: z.boolean().default(false).describe('Keep the data\'s own timestamps (ingest refuses readings older than its 30-day retention horizon)'),
  batch: z.number().int().min(1).max(200).default(1).describe('Rows per message: 1 = one telemetry message a row, more = `samples` batches, as a data logger uploads'),
});
export type ReplayOptions = z.output<typeof replayOptionsSchema>;

export interface ReplayDeps {
  readonly clock?: ReplayClock;
  readonly connect?: ConnectFn;
  /** Default: the configuration's catalog (or --catalog). */
  readonly devices?: ReadonlyMap<string, Device>;
  /** Where the named data sets are; default ../shared/data. */
  readonly dataDir?: string;
  readonly say?: (line: string) => void;
  /** Stops the replay early (the command: SIGINT, SIGTERM). */
  readonly signal?: AbortSignal;
}

export interface ReplayRun {
  readonly file: string;
  readonly rows: DatasetRows;
  readonly plan: ReplayPlan;
  readonly stats: DatasetReplayStats;
}

const iso = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
/** A span as people say it: 42 s, 7.5 min, 3.2 h, 4.1 d. Pure. */
export function spanText(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

/** What will be replayed, in a few lines. Pure. */
export function planSummary(file: string, device: Device, rows: DatasetRows, plan: ReplayPlan, options: ReplayOptions, nowMs: number): string[] {
  const span = (plan.lastMs ?? 0) - (plan.firstMs ?? 0);
  const undeclared = Object.entries(plan.undeclared).map(([metric, n]) => `${metric} ${n}`);
  const lines = [
    `replay ${file} (${rows.format}): ${rows.samples.length + rows.badRows} rows, ${rows.badRows} bad, ${rows.refusedValues} values refused; ${iso(rows.samples[0]?.ts)} → ${iso(rows.samples.at(-1)?.ts)}`,
    `as ${device.id} at ${device.site.id} (${[...device.metrics].join(', ')}): ${plan.readings} rows in ${plan.messages.length} messages, ${plan.gaps} gap rows, ${plan.outOfOrder} out of order`,
    ...(undeclared.length > 0 ? [`left out, not declared by ${device.id}: ${undeclared.join(', ')}`] : []),
    plan.readings === 0
      ? `nothing to replay${options.from || options.to ? ` between --from ${options.from ?? '…'} and --to ${options.to ?? '…'}` : ''}`
      : `timestamps ${iso(plan.firstMs)} → ${iso(plan.lastMs)} (${spanText(span)}), at ${options.speed}× in ${spanText(span / options.speed)}`,
  ];
  if (plan.firstMs !== undefined && plan.firstMs < nowMs - MAX_BACKFILL_MS) lines.push(`warning: rows before ${iso(nowMs - MAX_BACKFILL_MS)} are older than ingest's retention horizon and will be refused (narrow with --from/--to, or move them with --start)`);
  return lines;
}

/** Reads, plans and publishes; returns what happened. */
export async function runReplay(options: ReplayOptions, deps: ReplayDeps = {}): Promise<ReplayRun> {
  if (options.keepTime && options.start !== undefined) throw new Error('replay: --keep-time and --start exclude each other');
  const clock = deps.clock ?? wallClock;
  const say = deps.say ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const devices = deps.devices ?? (await loadCatalog(options.catalog ?? (await loadConfig(undefined)).catalog)).devices;
  const device = devices.get(options.device);
  if (!device) throw new Error(`replay: no device ${options.device} in the catalog`);
  const file = datasetPath(options.dataset, deps.dataDir);
  const rows = readDataset(await readFile(file, 'utf8'));
  for (const problem of rows.problems) say(`replay: ${file}: ${problem}`);
  const fromMs = options.from === undefined ? undefined : Date.parse(options.from);
  const toMs = options.to === undefined ? undefined : Date.parse(options.to);
  const window = withinWindow(rows.samples, fromMs, toMs);
  const nowMs = clock.now();
  const shiftMs = timeShiftMs(window[0]?.ts ?? 0, window.at(-1)?.ts ?? 0, options.keepTime ? { keepTime: true } : { keepTime: false, startMs: options.start === undefined ? undefined : Date.parse(options.start) }, nowMs);
  const plan = replayPlan(window, { metrics: device.metrics, shiftMs, batch: options.batch });
  for (const line of planSummary(file, device, rows, plan, options, nowMs)) say(line);
  if (plan.messages.length === 0) return { file, rows, plan, stats: { published: 0, acknowledged: 0, rowsAcknowledged: 0, errors: 0 } };
  const password = options.password ?? process.env.CLEARWATER_DEVICE_PASSWORD ?? derivedPassword(device.id);
  const stats = await replayMessages(plan.messages, { device, brokerUrl: options.broker, password, connect: deps.connect ?? mqttConnect, clock, speed: options.speed, ...(deps.signal ? { signal: deps.signal } : {}) });
  say(`published ${stats.published} messages, ${stats.acknowledged} acknowledged (${stats.rowsAcknowledged} rows), ${stats.errors} errors${stats.lastError ? ` (last: ${stats.lastError})` : ''}`);
  return { file, rows, plan, stats };
}

export function registerReplayCommand(program: Command): void {
  schemaCommand(program, 'replay', {
    description: 'Publish a recorded data set (GECCO 2017/2018, CANARY station B, or a CSV of theirs) over MQTT as one catalog device, with its timestamps, at a chosen speed',
    options: replayOptionsSchema,
    flags: { dataset: '--dataset <dataset>', device: '--device <id>', speed: '--speed <factor>', broker: '--broker <url>', password: '--password <secret>', catalog: '--catalog <file>', from: '--from <time>', to: '--to <time>', start: '--start <time>', batch: '--batch <rows>' },
    action: async (options) => {
      const stop = new AbortController();
      void untilSignal().then((signal) => {
        process.stderr.write(`replay: ${signal}: stopping after the publishes in flight\n`);
        stop.abort();
      });
      const run = await runReplay(options, { signal: stop.signal });
      if (run.plan.readings === 0 || run.stats.errors > 0 || run.stats.acknowledged < run.stats.published) process.exitCode = 1;
    },
  });
}
