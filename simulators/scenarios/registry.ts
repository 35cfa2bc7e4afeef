/**
 * The scenario kinds the simulator knows, listed explicitly (no import side effects). To add a
 * kind: write `<kind>.ts` with a zod config schema (`kind: z.literal('<kind>')`, every field
 * described) and a `ScenarioKind`, then add it to `scenarioConfigSchema` and `scenarioKinds`.
 */
import { z } from 'zod';
import type { Scenario, ScenarioContext, ScenarioKind } from './scenario.ts';
import { deviceOffline, deviceOfflineConfigSchema, linkLoss, linkLossConfigSchema } from './device-offline.ts';
import { dosingFailure, dosingFailureConfigSchema } from './dosing-failure.ts';
import { quiet, quietConfigSchema } from './quiet.ts';
import { sensorFault, sensorFaultConfigSchema } from './sensor-fault.ts';
import { yellowWater, yellowWaterConfigSchema } from './yellow-water.ts';

export const scenarioConfigSchema = z
  .discriminatedUnion('kind', [yellowWaterConfigSchema, dosingFailureConfigSchema, sensorFaultConfigSchema, deviceOfflineConfigSchema, linkLossConfigSchema, quietConfigSchema])
  .describe('A scenario to play during the run; `kind` selects its shape');
export type ScenarioConfig = z.infer<typeof scenarioConfigSchema>;

type ConfigByKind = { [C in ScenarioConfig as C['kind']]: C };
export type ScenarioKindName = keyof ConfigByKind;

export const scenarioKinds: { [K in ScenarioKindName]: ScenarioKind<ConfigByKind[K]> } = {
  'yellow-water': yellowWater,
  'dosing-failure': dosingFailure,
  'sensor-fault': sensorFault,
  'device-offline': deviceOffline,
  'link-loss': linkLoss,
  quiet,
};

function createOne<K extends ScenarioKindName>(kind: K, config: ConfigByKind[K], context: ScenarioContext): Scenario {
  return scenarioKinds[kind].create(config, context);
}

/**
 * Creates every configured scenario, each with its own random stream (`scenario:<index>`), so
 * adding a scenario does not change the others. Throws listing every scenario that does not fit
 * the catalog.
 */
export function createScenarios(configs: readonly ScenarioConfig[], context: ScenarioContext): Scenario[] {
  const problems: string[] = [];
  const scenarios: Scenario[] = [];
  configs.forEach((config, index) => {
    try {
      scenarios.push(createOne(config.kind, config, { ...context, rng: context.rng.fork(`scenario:${index}`) }));
    } catch (error) {
      problems.push(`scenarios[${index}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return scenarios;
}
