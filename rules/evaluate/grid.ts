/**
 * A small grid of anomaly settings for tuning (`clearwater evaluate --folds K --grid KEY=V1,V2`).
 * Pure: specs in, overrides out; overrides applied to the `anomaly` rules of the packs and checked
 * by the kind's own schema, so a grid can only hold settings a pack could.
 */
import { anomalySchema } from '../kinds/anomaly.ts';
import type { Rule } from '../kinds/index.ts';

export type Overrides = Readonly<Record<string, number | string>>;

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** "outlierThreshold=6,8,10" → the key and its values (numbers where they read as numbers). Pure; throws on a malformed spec. */
export function gridAxis(spec: string): { key: string; values: (number | string)[] } {
  const match = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(spec.trim());
  if (match === null) throw new Error(`grid: "${spec}" is not KEY=V1,V2,…`);
  const [, key = '', list = ''] = match;
  const values = list.split(',').map((text) => text.trim()).filter((text) => text !== '');
  if (values.length === 0) throw new Error(`grid: "${spec}" has no values`);
  return { key, values: values.map((text) => (NUMBER.test(text) ? Number(text) : text)) };
}

/** Every combination of the axes, the first axis varying slowest; one empty setting for no axis. Pure. */
export function gridOf(specs: readonly string[]): Overrides[] {
  return specs.map(gridAxis).reduce<Overrides[]>((settings, { key, values }) => settings.flatMap((setting) => values.map((value) => ({ ...setting, [key]: value }))), [{}]);
}

/** "outlierThreshold=8 combine=max". Pure. */
export function overridesLabel(overrides: Overrides): string {
  const parts = Object.entries(overrides).map(([key, value]) => `${key}=${value}`);
  return parts.length === 0 ? '(pack as is)' : parts.join(' ');
}

/** The rules with the overrides on every anomaly rule, re-checked by its schema; throws with the problems. Pure. */
export function withOverrides(rules: readonly Rule[], overrides: Overrides): Rule[] {
  return rules.map((rule) => {
    if (rule.kind !== 'anomaly') return rule;
    const parsed = anomalySchema.safeParse({ ...rule, ...overrides });
    if (!parsed.success) throw new Error(`grid ${overridesLabel(overrides)} on ${rule.id}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    return parsed.data;
  });
}
