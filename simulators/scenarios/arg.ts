/**
 * The command-line form of a scenario, for `clearwater simulate --scenario …`:
 *
 *   yellow-water
 *   yellow-water:village=dongqiao,startsAfter=30m,peakNtu=8,durationMs=6h
 *
 * Keys are the config fields of the kind; `true`/`false` are booleans; numbers may be durations (`90s`, `1h30m`: network/duration.ts).
 * The result is checked by `scenarioConfigSchema`; this only turns text into an object. Pure.
 */
import { z } from 'zod';
import { parseDuration } from '../../network/duration.ts';
import { scenarioConfigSchema, type ScenarioConfig } from './registry.ts';

const NUMBER = /^-?\d+(?:\.\d+)?$/;

type ArgValue = string | number | boolean;

/** A plain number, true or false, a duration ("90s", "1h30m") as milliseconds, or the text itself. */
function parseValue(text: string): ArgValue {
  if (NUMBER.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return parseDuration(text) ?? text;
}

/**
 * The command-line form `kind:key=value,…` of any scenario schema: the text in, `schema`'s
 * checked result out (problems at the field they concern). The plant's scenarios use it too.
 */
export function scenarioArg<T extends z.ZodType<unknown, Record<string, ArgValue>>>(schema: T) {
  return z
    .string()
    .transform((arg, ctx) => {
      const [kind = '', rest] = arg.split(/:(.*)/s, 2);
      const fields: Record<string, ArgValue> = { kind: kind.trim() };
      for (const pair of (rest ?? '').split(',').filter((p) => p.trim() !== '')) {
        const eq = pair.indexOf('=');
        if (eq <= 0) {
          ctx.addIssue({ code: 'custom', input: arg, message: `"${pair}" is not key=value` });
          return z.NEVER;
        }
        fields[pair.slice(0, eq).trim()] = parseValue(pair.slice(eq + 1).trim());
      }
      return fields;
    })
    .pipe(schema);
}

/** A `--scenario` value of the network simulator. */
export const scenarioArgSchema = scenarioArg(scenarioConfigSchema);

export type ScenarioArgParse = { ok: true; scenario: ScenarioConfig } | { ok: false; problems: string };

export function parseScenarioArg(arg: string): ScenarioArgParse {
  const parsed = scenarioArgSchema.safeParse(arg);
  if (!parsed.success) return { ok: false, problems: `scenario "${arg}":\n${z.prettifyError(parsed.error)}` };
  return { ok: true, scenario: parsed.data };
}
