/**
 * A configuration schema as Markdown tables: every field, nested, with its type, default and
 * description, one table per top-level section. Read from the schema's JSON Schema
 * (`schema-fields.ts`), so the reference says what the parser does. Pure.
 */
import type { z } from 'zod';
import { defaultLabel, fieldsOf, isList, isRequired, itemsOf, jsonSchemaOf, typeLabel, variantsOf, type JsonNode } from '../schema-fields.ts';

export const code = (text: string): string => `\`${text.replaceAll('`', "'")}\``;
/** A table cell: one line, pipes escaped. */
export const cell = (text: string): string => text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');

export interface FieldRow {
  readonly path: string;
  /** The union shape the field belongs to, e.g. `kind: mqtt`. */
  readonly when?: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultText?: string;
  readonly description: string;
}

/** The key every shape of a union fixes to a constant (`kind`, `store`), if there is one. */
function discriminatorOf(variants: readonly JsonNode[]): string | undefined {
  const first = variants[0];
  if (!first) return undefined;
  return fieldsOf(first).find(([key]) => variants.every((v) => fieldsOf(v).some(([k, f]) => k === key && f.const !== undefined)))?.[0];
}

function unionRows(path: string, variants: readonly JsonNode[]): FieldRow[] {
  const key = discriminatorOf(variants);
  if (!key) return variants.flatMap((variant, index) => rowsOf(variant, path, `shape ${index + 1}`));
  const shapes = variants.map((variant) => {
    const tag = fieldsOf(variant).find(([k]) => k === key)?.[1] ?? {};
    return { variant, value: String(tag.const), about: tag.description };
  });
  const about = shapes.map((s) => `${code(s.value)}${s.about ? ` (${s.about.replace(/\.$/, '')})` : ''}`).join('; ');
  const discriminator: FieldRow = {
    path: `${path}.${key}`,
    type: `one of ${shapes.map((s) => code(s.value)).join(', ')}`,
    required: true,
    description: `Selects the shape of ${code(path)}: ${about}`,
  };
  const rest = shapes.flatMap(({ variant, value }) =>
    rowsOf(variant, path, `${key}: ${value}`).filter((row) => row.path !== `${path}.${key}`),
  );
  return [discriminator, ...rest];
}

function rowsOfField(path: string, field: JsonNode, required: boolean, when: string | undefined): FieldRow[] {
  const variants = variantsOf(isList(field) ? itemsOf(field) : field);
  const defaultText = defaultLabel(field);
  const row: FieldRow = {
    path,
    ...(when ? { when } : {}),
    type: variants.length > 0 ? (isList(field) ? 'list of the shapes below' : 'one of the shapes below') : typeLabel(field, code),
    required,
    ...(defaultText === undefined ? {} : { defaultText }),
    description: field.description ?? '',
  };
  if (variants.length > 0) return [row, ...unionRows(isList(field) ? `${path}[]` : path, variants).map((r) => (when && !r.when ? { ...r, when } : r))];
  if (field.type === 'object' && field.properties) return [row, ...rowsOf(field, path, when)];
  const items = itemsOf(field);
  if (isList(field) && items.type === 'object' && items.properties) return [{ ...row, type: 'list of objects' }, ...rowsOf(items, `${path}[]`, when)];
  return [row];
}

/** Every field of an object node, depth first, paths dotted (`broker.tls.port`, `api.tokens[].role`). */
export function rowsOf(object: JsonNode, prefix = '', when?: string): FieldRow[] {
  return fieldsOf(object).flatMap(([key, field]) =>
    rowsOfField(prefix ? `${prefix}.${key}` : key, field, isRequired(object, key) && field.default === undefined, when),
  );
}

export function fieldRows(schema: z.ZodType): FieldRow[] {
  return rowsOf(jsonSchemaOf(schema));
}

/**
 * The field at a dotted path (`source.url`), looking into every shape of a union; the key that
 * selects the shape (`source.kind`) is every shape's value together.
 */
export function fieldAt(schema: JsonNode, path: readonly string[]): JsonNode | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return schema;
  const found = [schema, ...variantsOf(schema)].flatMap((shape) => {
    const field = fieldsOf(shape).find(([key]) => key === head)?.[1];
    const inner = field && fieldAt(field, rest);
    return inner ? [inner] : [];
  });
  if (found.length > 1 && found.every((field) => field.const !== undefined)) {
    return { enum: found.map((field) => field.const ?? null), description: found.map((field) => `${String(field.const)}: ${field.description ?? ''}`).join('; ') };
  }
  return found[0];
}

const HEADER = '| field | type | default | description |\n|---|---|---|---|\n';

export function fieldTable(rows: readonly FieldRow[], shown: (text: string) => string = (text) => text): string {
  const line = (row: FieldRow) => {
    const name = `${code(row.path)}${row.when ? ` (${code(row.when)})` : ''}`;
    const type = `${row.type}${row.required ? ', **required**' : ''}`;
    const fallback = row.defaultText === undefined ? '' : code(shown(row.defaultText));
    return `| ${name} | ${cell(type)} | ${cell(fallback)} | ${cell(row.description)} |\n`;
  };
  return HEADER + rows.map(line).join('');
}

/**
 * One section per top-level field that is an object or a union (its description first, then
 * its fields), the plain top-level fields together first.
 */
export function schemaSections(schema: z.ZodType, shown: (text: string) => string = (text) => text): string {
  const root = jsonSchemaOf(schema);
  const plain: FieldRow[] = [];
  const sections: string[] = [];
  for (const [key, field] of fieldsOf(root)) {
    const rows = rowsOfField(key, field, isRequired(root, key) && field.default === undefined, undefined);
    if (rows.length === 1) {
      plain.push(...rows);
      continue;
    }
    const about = field.description ? `${field.description.replace(/\.?$/, '.')}\n\n` : '';
    const fallback = defaultLabel(field);
    const defaultLine = fallback === undefined ? '' : `Default: ${code(shown(fallback))}.\n\n`;
    sections.push(`## ${code(key)}\n\n${about}${defaultLine}${fieldTable(rows.slice(1), shown)}`);
  }
  return [plain.length > 0 ? `## Top level\n\n${fieldTable(plain, shown)}` : '', ...sections].filter(Boolean).join('\n');
}
