/**
 * Command-line options of `npm run bench` (bench/throughput.ts). The zod schema is the parser,
 * the defaults and the --help text at once.
 */
import { z } from 'zod';
import { cliOptions, type OptionsParse as Parse } from '../app/cli-options.ts';
import { workloadNames } from './workload.ts';

/** raw: InfluxDB alone; broker: bare Aedes, the MQTT floor, and nodered: the Node-RED peer (neither run unless asked); naive; clearwater. */
export const pipelineKinds = ['raw', 'broker', 'nodered', 'naive', 'clearwater'] as const;
export type PipelineKind = (typeof pipelineKinds)[number];

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const benchOptionsSchema = z.strictObject({
  devices: count(1, 5000).default(100).describe('MQTT devices, one client each'),
  seconds: z.coerce.number().positive().max(3600).default(20).describe('Measured window, s'),
  warmup: z.coerce.number().min(0).max(600).default(5).describe('Load before the window opens, s'),
  inflight: count(1, 1000).default(10).describe('Unacknowledged QoS 1 publishes per device'),
  loadProcs: count(1, 16).default(1).describe('Load-generator processes the devices are split over'),
  nodelay: z.coerce.boolean().default(false).describe('Set TCP_NODELAY on the device sockets (mqtt.js, like most device stacks, leaves Nagle on)'),
  drainSeconds: z.coerce.number().min(0).max(3600).default(60).describe('Longest wait after the load for readings to land in InfluxDB, s'),
  rawConcurrency: count(1, 64).default(4).describe('Raw InfluxDB writer: concurrent POST /write requests'),
  rawBatch: count(1, 1_000_000).default(5000).describe('Raw InfluxDB writer: lines per request'),
  only: z
    .string()
    .default('raw,naive,clearwater')
    .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(pipelineKinds)).min(1))
    .describe('Which runs, comma-separated, of raw, broker (bare Aedes: the MQTT floor), nodered (Node-RED 4.1 with its InfluxDB batch node, installed on demand into ~/.cache/clearwater-bench), naive, clearwater'),
  workloads: z
    .string()
    .default('a,b')
    .transform((text) => text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(workloadNames)).min(1))
    .describe('Which workloads, comma-separated: a (one reading a message), b (a logger\'s upload: 15 one-minute samples × 3 metrics a message); each run of --only runs once per workload'),
  overload: z.coerce
    .boolean()
    .default(false)
    .describe('After the normal runs, offer naive and clearwater --overload-factor × the peak acked/s they just reached, from rate-controlled devices, for --overload-seconds'),
  overloadFactor: z.coerce.number().min(1).max(100).default(2).describe('Offered rate of the overload runs, × the pipeline\'s peak acked/s of the normal run'),
  overloadSeconds: z.coerce.number().min(3).max(3600).default(30).describe('Length of the overload window, s (sampled every second)'),
  overloadDevices: count(1, 5000).optional().describe('Devices of the overload runs (default: --devices)'),
  overloadInflight: count(1, 1000).optional().describe('In-flight window per device of the overload runs (default: --inflight)'),
  profile: z.enum(['none', 'broker', 'nodered', 'naive', 'clearwater']).default('none').describe('Run that pipeline child under node --cpu-prof'),
  profileDir: z.string().default('/tmp/clearwater-bench-profiles').describe('Where --cpu-prof writes .cpuprofile files'),
  json: z.string().optional().describe('JSON results file; default /tmp/clearwater-bench-<time>.json'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'silent']).default('warn').describe('Log level of the Clearwater child'),
});
export type BenchOptions = z.infer<typeof benchOptionsSchema>;

const cli = cliOptions(benchOptionsSchema, 'npm run bench --');

export const helpText = (): string => cli.help();

export type OptionsParse = Parse<BenchOptions>;

/** Parses argv (without node and the script). Pure. */
export const parseBenchOptions = (argv: readonly string[]): OptionsParse => cli.parse(argv);
