/**
 * Rule packs: YAML files of rules (rules/packs/*.yaml), checked by zod when loaded. Loading
 * fails loudly with every problem of the file at once (z.prettifyError).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ID_PATTERN } from '../network/topic.ts';
import { ruleSchema, type Rule } from './kinds/index.ts';

export const rulePackSchema = z
  .strictObject({
    pack: z.string().regex(ID_PATTERN).describe('Pack name, e.g. "tap-water"'),
    description: z.string().min(1).describe('What the pack watches'),
    rules: z.array(ruleSchema).min(1).describe('The rules; ids are unique across all loaded packs'),
  })
  .superRefine(
    (pack, ctx) => {
      for (const { path, message } of duplicateIds(pack.rules)) ctx.addIssue({ code: 'custom', path, message });
    },
    // Run even when some rules are invalid, so every problem is reported at once; the check
    // therefore reads the rules as unknown input.
    { when: () => true },
  );
export type RulePack = z.infer<typeof rulePackSchema>;

function duplicateIds(rules: unknown): { path: (string | number)[]; message: string }[] {
  if (!Array.isArray(rules)) return [];
  const seen = new Set<unknown>();
  const problems: { path: (string | number)[]; message: string }[] = [];
  rules.forEach((rule: unknown, i) => {
    const id = typeof rule === 'object' && rule !== null && 'id' in rule ? rule.id : undefined;
    if (typeof id !== 'string') return;
    if (seen.has(id)) problems.push({ path: ['rules', i, 'id'], message: `duplicate rule id "${id}"` });
    seen.add(id);
  });
  return problems;
}

export type RulePackParse = { ok: true; pack: RulePack } | { ok: false; problems: string };

/** Validates a parsed YAML/JSON document. Pure. */
export function parseRulePack(document: unknown): RulePackParse {
  const parsed = rulePackSchema.safeParse(document);
  return parsed.success ? { ok: true, pack: parsed.data } : { ok: false, problems: z.prettifyError(parsed.error) };
}

/** Parses pack YAML text; `name` is used in messages. Throws with every problem listed. */
export function rulePackFromYaml(text: string, name: string): RulePack {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new Error(`rule pack ${name} is not valid YAML:\n${document.errors.map((e) => e.message).join('\n')}`);
  }
  const parsed = parseRulePack(document.toJS());
  if (!parsed.ok) throw new Error(`rule pack ${name} is invalid:\n${parsed.problems}`);
  return parsed.pack;
}

/** Reads and validates one pack file; throws with every problem listed. */
export async function loadRulePack(path: string): Promise<RulePack> {
  return rulePackFromYaml(await readFile(path, 'utf8'), path);
}

/** Loads every `*.yaml` / `*.yml` pack of a folder, in name order. */
export async function loadRulePackDir(dir: string): Promise<RulePack[]> {
  const names = (await readdir(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  return Promise.all(names.map((name) => loadRulePack(join(dir, name))));
}

/** The rules of several packs, with rule ids checked to be unique across them. */
export function rulesOf(packs: readonly RulePack[]): Rule[] {
  const owner = new Map<string, string>();
  const rules: Rule[] = [];
  for (const pack of packs) {
    for (const rule of pack.rules) {
      const other = owner.get(rule.id);
      if (other !== undefined) throw new Error(`rule id "${rule.id}" is in both packs ${other} and ${pack.pack}`);
      owner.set(rule.id, pack.pack);
      rules.push(rule);
    }
  }
  return rules;
}
