import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durationField, durationSchema } from '../network/duration.ts';
import { defaultLabel, fieldsOf, jsonSchemaOf, typeLabel } from './schema-fields.ts';

const one = (field: z.ZodType) => fieldsOf(jsonSchemaOf(z.object({ field })))[0]![1];
const code = (text: string) => `\`${text}\``;

describe('what a field takes', () => {
  it.each([
    [z.number().int().min(0).max(65_535), 'integer 0–65535'],
    [z.number().int().positive(), 'integer > 0'],
    [z.number().int().nonnegative(), 'integer ≥ 0'],
    [z.number().positive().max(3600), 'number > 0, ≤ 3600'],
    [z.coerce.number().int(), 'integer'],
    [z.string(), 'text'],
    [z.url(), 'URL'],
    [z.boolean(), 'boolean'],
    [z.enum(['v1', 'v2']), 'one of `v1`, `v2`'],
    [z.union([z.literal(4), z.literal(5)]), 'one of `4`, `5`'],
    [z.literal('mqtt'), '`mqtt`'],
    [durationField((ms) => ms.max(1000)).default(10), 'duration'],
    [durationSchema, 'duration'],
    [z.array(z.string()), 'list of text'],
    [z.record(z.enum(['warning', 'critical']), durationSchema), 'map of `warning`, `critical` → duration'],
    [z.object({ a: z.string() }), 'object'],
    [z.discriminatedUnion('kind', [z.object({ kind: z.literal('a') }), z.object({ kind: z.literal('b') })]), 'one of the shapes below'],
  ])('%#: %s', (field, label) => {
    expect(typeLabel(one(field), code)).toBe(label);
  });
});

describe('its default as written', () => {
  it.each([
    [z.number().default(5), '5'],
    [durationField().default(86_400_000), '1d'],
    [durationSchema.prefault('30m'), '30m'],
    [z.string().default('info'), 'info'],
    [z.array(z.string()).default(['a', 'b']), 'a, b'],
    [z.array(z.string()).default([]), undefined],
    [z.object({ a: z.number().default(1) }).prefault({}), undefined],
    [z.object({ store: z.string() }).default({ store: 'sqlite' }), '{"store":"sqlite"}'],
    [z.boolean().default(false), 'false'],
    [z.string().optional(), undefined],
  ])('%#: %s', (field, label) => {
    expect(defaultLabel(one(field))).toBe(label);
  });
});
