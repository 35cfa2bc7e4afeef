/**
 * The README's config samples parse with the schemas they illustrate, and every field of every
 * channel schema is described (the descriptions are the field reference).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertmanagerChannelSchema } from './alertmanager.ts';
import { emailChannelSchema } from './email.ts';
import { smsChannelSchema } from './sms.ts';

const schemas = { sms: smsChannelSchema, email: emailChannelSchema, alertmanager: alertmanagerChannelSchema };

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const samples = [...readme.matchAll(/```yaml\n# (\w+)[^\n]*\n([\s\S]*?)```/g)].map((match) => ({ kind: match[1] ?? '', text: match[2] ?? '', title: match[0].split('\n')[1] ?? '' }));

describe('README samples', () => {
  it('there is one for each channel', () => {
    expect(new Set(samples.map((s) => s.kind))).toEqual(new Set(Object.keys(schemas)));
  });

  it.each(samples.map((s) => [s.title, s] as const))('%s parses', (_, sample) => {
    const schema = schemas[sample.kind as keyof typeof schemas];
    const parsed = schema.safeParse(parse(sample.text));
    expect(parsed.success ? [] : z.prettifyError(parsed.error)).toEqual([]);
  });
});

/** Property paths of a JSON Schema without a description. */
function undescribed(node: unknown, path: string): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const schema = node as { properties?: Record<string, { description?: string }>; anyOf?: unknown[]; oneOf?: unknown[]; items?: unknown; additionalProperties?: unknown };
  const missing: string[] = [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (!property.description) missing.push(`${path}.${name}`);
    missing.push(...undescribed(property, `${path}.${name}`));
  }
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) missing.push(...undescribed(branch, path));
  missing.push(...undescribed(schema.items, `${path}[]`), ...undescribed(schema.additionalProperties, `${path}{}`));
  return missing;
}

describe('schemas', () => {
  it.each(Object.entries(schemas))('every field of %s is described', (kind, schema) => {
    expect(undescribed(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), kind)).toEqual([]);
  });
});
