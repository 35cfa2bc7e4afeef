/**
 * What a zod schema accepts, read from its JSON Schema (`z.toJSONSchema`, input side): the one
 * view of a schema behind the command-line flags (`cli-options.ts`) and the generated references
 * (`reference/`). Two things the JSON Schema drops are put back: the default of a field whose
 * schema transforms (a duration: "24h" in, milliseconds out), and which fields are durations.
 */
import { z } from 'zod';
import { durationSchema, formatDuration } from '../network/duration.ts';

export type JsonNode = z.core.JSONSchema.JSONSchema;

/** The input-side JSON Schema of `schema`, durations marked `format: duration`, every default kept. */
export function jsonSchemaOf(schema: z.ZodType): JsonNode {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema === durationSchema) jsonSchema.format = 'duration';
      const def = zodSchema._zod.def;
      if (def.type === 'default' && jsonSchema.default === undefined) jsonSchema.default = def.defaultValue;
    },
  });
}

const node = (schema: z.core.JSONSchema._JSONSchema | undefined): JsonNode => (typeof schema === 'object' ? schema : {});

/** The fields of an object node, in declaration order. */
export function fieldsOf(object: JsonNode): [string, JsonNode][] {
  return Object.entries(object.properties ?? {}).map(([key, field]) => [key, node(field)]);
}

export const isRequired = (object: JsonNode, key: string): boolean => object.required?.includes(key) ?? false;
export const itemsOf = (list: JsonNode): JsonNode => node(Array.isArray(list.items) ? list.items[0] : list.items);
export const isList = (field: JsonNode): boolean => field.type === 'array';
export const isBoolean = (field: JsonNode): boolean => field.type === 'boolean';
export const isDuration = (field: JsonNode): boolean => field.format === 'duration';
export const choicesOf = (field: JsonNode): readonly unknown[] | undefined => field.enum ?? (field.anyOf?.every((v) => v.const !== undefined) ? field.anyOf.map((v) => v.const) : undefined);

/** The shapes of a union of objects (a `kind`-discriminated config section), else none. */
export function variantsOf(field: JsonNode): JsonNode[] {
  const variants = field.oneOf ?? field.anyOf ?? [];
  return variants.length > 0 && variants.every((v) => v.type === 'object') ? variants : [];
}

/** Whether a number written on the command line or in the environment may be taken as one. */
export function acceptsNumber(field: JsonNode): boolean {
  return field.type === 'number' || field.type === 'integer' || (field.anyOf ?? field.oneOf ?? []).some(acceptsNumber);
}

/** Bounds worth telling; ±Number.MAX_SAFE_INTEGER is what `.int()` alone adds. */
function bounds(field: JsonNode): string {
  const shown = (n: unknown): n is number => typeof n === 'number' && Math.abs(n) < Number.MAX_SAFE_INTEGER;
  const low = shown(field.minimum) ? field.minimum : undefined;
  const high = shown(field.maximum) ? field.maximum : undefined;
  if (low !== undefined && high !== undefined) return ` ${low}–${high}`;
  if (shown(field.exclusiveMinimum)) return ` > ${field.exclusiveMinimum}${high === undefined ? '' : `, ≤ ${high}`}`;
  if (low !== undefined) return ` ≥ ${low}`;
  return high === undefined ? '' : ` ≤ ${high}`;
}

/**
 * What a field takes, in words: `integer 0–65535`, `duration`, `one of v1, v2`, `list of text`.
 * `code` formats a literal value (backticks in Markdown). Pure.
 */
export function typeLabel(field: JsonNode, code: (text: string) => string = (text) => text): string {
  if (isDuration(field)) return 'duration';
  if (field.const !== undefined) return code(String(field.const));
  const choices = choicesOf(field);
  if (choices) return `one of ${choices.map((c) => code(String(c))).join(', ')}`;
  if (variantsOf(field).length > 0) return 'one of the shapes below';
  if (field.anyOf ?? field.oneOf) return (field.anyOf ?? field.oneOf ?? []).map((v) => typeLabel(v, code)).join(' or ');
  switch (field.type) {
    case 'integer':
    case 'number':
      return `${field.type}${bounds(field)}`;
    case 'string':
      return field.format === 'uri' ? 'URL' : 'text';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const items = itemsOf(field);
      return choicesOf(items) ? `list of any of ${(choicesOf(items) ?? []).map((c) => code(String(c))).join(', ')}` : `list of ${typeLabel(items, code)}`;
    }
    case 'object': {
      const values = node(field.additionalProperties);
      if (field.properties || !field.additionalProperties) return 'object';
      const keys = node(field.propertyNames);
      return `map of ${keys.enum ? keys.enum.map((k) => code(String(k))).join(', ') : 'text'} → ${typeLabel(values, code)}`;
    }
    default:
      return 'any';
  }
}

/** The default as it would be written: durations as "1d", texts bare, lists of them comma-separated, the rest as JSON; none for `{}` and `[]`. Pure. */
export function defaultLabel(field: JsonNode): string | undefined {
  const value = field.default;
  if (value === undefined) return undefined;
  if (isDuration(field) && typeof value === 'number') return formatDuration(value);
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object')) return value.length === 0 ? undefined : value.join(', ');
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) return undefined;
  return JSON.stringify(value);
}
