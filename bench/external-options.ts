/**
 * Command-line options of `npm run bench:external` (bench/external.ts). The zod schema is the
 * parser, the defaults and the --help text at once.
 */
import { z } from 'zod';
import { cliOptions, type OptionsParse } from '../app/cli-options.ts';
import { MAX_CONNECTIONS } from '../ingest/mqtt-source-config.ts';

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A comma-separated list, e.g. "1,2,4,8". */
const commaList = z.string().transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean));

export const externalBenchOptionsSchema = z.strictObject({
  connections: commaList
    .transform((items) => items.map(Number))
    .pipe(z.array(z.number().int().min(1).max(MAX_CONNECTIONS)).min(1))
    .default([1, 2, 4, 8, 16])
    .describe('Ingest runs, one per count of connections on the shared subscription, comma-separated'),
  messagesPerConnection: count(100, 1_000_000).default(10_000).describe('Messages each ingest run takes from the broker, × its connections (so every run lasts about as long)'),
  devices: count(1, 5000).default(100).describe('MQTT devices publishing to Mosquitto, one client each'),
  inflight: count(1, 1000).default(10).describe('Unacknowledged QoS 1 publishes per device'),
  loadProcs: count(1, 16).default(1).describe('Load-generator processes the devices are split over'),
  seconds: z.coerce.number().positive().max(3600).default(10).describe('Window of the Mosquitto floor and the embedded-broker run, s'),
  warmup: z.coerce.number().min(0).max(600).default(3).describe('Load before those windows open, s'),
  embedded: z.coerce.boolean().default(true).describe('Also run Clearwater on its embedded broker with the same devices, for comparison (--no-embedded: skip)'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'silent']).default('warn').describe('Log level of the Clearwater child'),
});
export type ExternalBenchOptions = z.infer<typeof externalBenchOptionsSchema>;

const cli = cliOptions(externalBenchOptionsSchema, 'npm run bench:external --');

export const externalBenchHelp = (): string => cli.help();

/** Parses argv (without node and the script). Pure. */
export const parseExternalBenchOptions = (argv: readonly string[]): OptionsParse<ExternalBenchOptions> => cli.parse(argv);
