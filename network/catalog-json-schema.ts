/**
 * The catalog's JSON Schema, generated from the zod schema so the two cannot drift.
 * `npm run schema` rewrites docs/catalog.schema.json; a test fails when it is stale.
 */
import { z } from 'zod';
import { catalogSchema } from './catalog.ts';

export function catalogJsonSchema(): string {
  const schema = z.toJSONSchema(catalogSchema, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ ...schema, title: 'Clearwater network catalog' }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(catalogJsonSchema());
