/**
 * The command-line form of a scenario, for `clearwater simulate --scenario …`:
 *
 *   yellow-water
 *   yellow-water:village=dongqiao,startsAfter=30m,peakNtu=8,durationMs=6h
 *
 * Keys are the config fields of the kind; numbers may carry a duration suffix (ms, s, m, h, d).
 * The result is checked by `scenarioConfigSchema`; this only turns text into an object. Pure.
 */
import { z } from 'zod';
import { scenarioConfigSchema, type ScenarioConfig } from './registry.ts';

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const NUMBER = /^(-?\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

function parseValue(text: string): string | number {
  const match = NUMBER.exec(text);
  if (!match) return text;
  const [, number = '', unit] = match;
  return Number(number) * (unit === undefined ? 1 : (DURATION_UNITS[unit] ?? 1));
}

export type ScenarioArgParse = { ok: true; scenario: ScenarioConfig } | { ok: false; problems: string };

export function parseScenarioArg(arg: string): ScenarioArgParse {
  const [kind = '', rest] = arg.split(/:(.*)/s, 2);
  const fields: Record<string, string | number> = { kind: kind.trim() };
  for (const pair of (rest ?? '').split(',').filter((p) => p.trim() !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return { ok: false, problems: `scenario "${arg}": "${pair}" is not key=value` };
    fields[pair.slice(0, eq).trim()] = parseValue(pair.slice(eq + 1).trim());
  }
  const parsed = scenarioConfigSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, problems: `scenario "${arg}":\n${z.prettifyError(parsed.error)}` };
  return { ok: true, scenario: parsed.data };
}
