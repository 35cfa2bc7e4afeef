/**
 * The options of `clearwater simulate` and `clearwater demo`, and how `simulate` puts the
 * simulator's configuration together: its file (`-c`, `simulatorConfigSchema`), then the flags
 * given on the command line. A flag not given leaves the file's value, or the schema's default.
 */
import { z } from 'zod';
import { simulatorConfigSchema, type SimulatorConfig, type SimulatorConfigInput } from '../../simulators/config.ts';
import { plantScenarioArgSchema } from '../../simulators/plant/scenarios.ts';
import { scenarioArgSchema } from '../../simulators/scenarios/arg.ts';
import { configFileField } from './run.ts';

const sim = simulatorConfigSchema.shape;

/** The demo's incident: yellow water at Tongmen half an hour into the six hours of history. */
const DEMO_SCENARIO = 'yellow-water:village=tongmen,startsAfter=30m,peakNtu=6,durationMs=3h,halfLifeMs=20m';

/** The demo's plant incident: filter 2 of the north plant breaks through two hours in; the operator backwashes it an hour later. */
const DEMO_PLANT_SCENARIO = 'filter-breakthrough:filter=2,startsAfter=2h,rampMs=20m,peakNtu=8,backwashAfter=1h';

const networkOptions = {
  speed: sim.speed.describe('Simulated seconds per real second (time never runs ahead of the wall clock)'),
  seed: sim.seed.describe('Random seed; the same seed replays the same readings'),
  scenario: z
    .array(scenarioArgSchema)
    .default([])
    .describe('Incident to play, e.g. yellow-water:village=tongmen,startsAfter=30m,peakNtu=6 (keys: the scenario\'s fields, docs/simulate.md)'),
  only: z.array(z.string().min(1)).default([]).describe('Simulate only this device, site or village'),
  backfill: z.number().positive().optional().describe('Start this many simulated minutes in the past'),
  duration: z.number().positive().optional().describe('Stop after this many real seconds (default: until Ctrl-C)'),
  truth: z.string().min(1).optional().describe('Write the ground truth of the scenarios played here, one JSON object a line (for clearwater score --truth)'),
};

export const simulateOptionsSchema = z.strictObject({
  config: z
    .string()
    .min(1)
    .optional()
    .describe('Simulator configuration (YAML; simulators/sample/simulate.yaml, fields in docs/simulate.md); flags given beside it override it'),
  broker: sim.brokerUrl.describe('MQTT broker URL (brokerUrl)'),
  catalog: z.string().min(1).optional().describe('Network catalog (default: the catalog of the embedded configuration, the sample county)'),
  ...networkOptions,
});
export type SimulateOptions = z.output<typeof simulateOptionsSchema>;

export const demoOptionsSchema = z.strictObject({
  config: configFileField,
  ...networkOptions,
  speed: sim.speed.removeDefault().default(120).describe(networkOptions.speed.description ?? ''),
  scenario: networkOptions.scenario.removeDefault().prefault([DEMO_SCENARIO]).describe(networkOptions.scenario.description ?? ''),
  backfill: z.number().positive().default(360).describe('Start this many simulated minutes in the past'),
  plants: z.boolean().default(true).describe('Run the catalog\'s treatment plants as OPC UA servers read by the pipeline (their devices leave the MQTT network); --no-plants simulates them over MQTT'),
  plantScenario: z
    .array(plantScenarioArgSchema)
    .prefault([DEMO_PLANT_SCENARIO])
    .describe('Incident at the first plant, e.g. filter-breakthrough:filter=2,startsAfter=2h,peakNtu=8,backwashAfter=1h (chlorine-pump-failure, storm: simulators/plant/README.md)'),
});
export type DemoOptions = z.output<typeof demoOptionsSchema>;

/** The simulator fields the given flags set (`--broker` is `brokerUrl`, `--backfill` minutes are `backfillMs`). Pure. */
export function simulatorOverrides(options: SimulateOptions, given: ReadonlySet<string>): Partial<SimulatorConfigInput> {
  const set = (flag: keyof SimulateOptions) => given.has(flag);
  return {
    ...(set('broker') ? { brokerUrl: options.broker } : {}),
    ...(set('speed') ? { speed: options.speed } : {}),
    ...(set('seed') ? { seed: options.seed } : {}),
    ...(set('scenario') ? { scenarios: options.scenario } : {}),
    ...(set('only') ? { devices: options.only } : {}),
    ...(options.backfill === undefined ? {} : { backfillMs: options.backfill * 60_000 }),
  };
}

export type SimulatorSettings = { ok: true; config: SimulatorConfig } | { ok: false; problems: string };

/** A simulator file's document (none: `undefined`) with the flags' fields on top, checked. Pure. */
export function simulatorSettings(document: unknown, overrides: Partial<SimulatorConfigInput>): SimulatorSettings {
  const empty = document === undefined || document === null;
  if (!empty && (typeof document !== 'object' || Array.isArray(document))) return { ok: false, problems: '✖ the simulator configuration must be a mapping of settings' };
  const parsed = simulatorConfigSchema.safeParse({ ...(empty ? {} : document), ...overrides });
  return parsed.success ? { ok: true, config: parsed.data } : { ok: false, problems: z.prettifyError(parsed.error) };
}
