/**
 * Command-line options of `npm run bench:rules` (bench/rules.ts). The zod schema is the parser,
 * the defaults and the --help text at once.
 */
import { z } from 'zod';
import { cliOptions, type OptionsParse } from '../app/cli-options.ts';

export const ruleBenchParts = ['engine', 'latency'] as const;
export type RuleBenchPart = (typeof ruleBenchParts)[number];

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list, e.g. "5000,15000". */
const commaList = z.string().transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean));

/** The latency part's fixed load levels when --rates is not given (and --half-peak is not asked), readings/s. */
export const DEFAULT_RATES: readonly number[] = [5000, 15_000];

export const ruleBenchOptionsSchema = z.strictObject({
  devices: count(100, 200_000).default(10_000).describe('Devices in the generated county catalog'),
  seed: z.string().min(1).default('clearwater-rules-bench').describe('Seed of the catalog and the readings (same seed, same figures to compare)'),
  only: commaList.pipe(z.array(z.enum(ruleBenchParts)).min(1)).default(['engine', 'latency']).describe('Which parts, comma-separated: engine (in-process throughput), latency (publish → ticket through the pipeline)'),
  simMinutes: z.coerce.number().positive().max(24 * 60).default(20).describe('Engine part: event time simulated, minutes (every device reports at its catalog interval)'),
  eventChance: z.coerce.number().min(0).max(0.1).default(0.0005).describe('Engine part: chance per reading that a device starts an event (yellow water, pressure drop, quality shift, silence)'),
  byPack: z.coerce.boolean().default(false).describe('Engine part: also run each pack alone (what each pack costs)'),
  seconds: z.coerce.number().positive().max(3600).default(15).describe('Latency part: measured window per load level, s'),
  warmup: z.coerce.number().min(0).max(600).default(3).describe('Latency part: background load before the window opens, s'),
  rates: commaList
    .transform((items) => items.map(Number))
    .pipe(z.array(z.number().positive().max(1_000_000)).min(1))
    .optional()
    .describe(`Latency part: background load levels, readings/s, comma-separated (a run at 0 comes first); default ${DEFAULT_RATES.join(',')}, none with --half-peak`),
  halfPeak: z.coerce
    .boolean()
    .default(false)
    .describe('Latency part: after the baseline, a closed-loop level (the load devices as fast as PUBACKs allow) finds the pipeline\'s peak with every pack loaded, then a level at half of it; the goal line holds its p99 against 100 ms'),
  loadDevices: count(1, 5000).default(500).describe('Latency part: MQTT devices carrying the background load (village taps of the catalog)'),
  inflight: count(1, 1000).default(10).describe('Latency part: unacknowledged QoS 1 publishes per load device'),
  probeRate: z.coerce.number().positive().max(1000).default(20).describe('Latency part: probes a second (alternately the bench rule and the shipped tap-turbidity rule)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'silent']).default('error').describe('Log level of the pipeline (warn logs every ticket)'),
});
export type RuleBenchOptions = z.infer<typeof ruleBenchOptionsSchema>;

const cli = cliOptions(ruleBenchOptionsSchema, 'npm run bench:rules --');

export const ruleBenchHelp = (): string => cli.help();

export type RuleBenchOptionsParse = OptionsParse<RuleBenchOptions>;

/** Parses argv (without node and the script). Pure. */
export const parseRuleBenchOptions = (argv: readonly string[]): RuleBenchOptionsParse => cli.parse(argv);
