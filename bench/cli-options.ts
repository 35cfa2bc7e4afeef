/**
 * Command-line options for a benchmark from one zod object: `--kebab-case` flags for its camelCase
 * fields, `--help` text from the fields' descriptions and defaults, every problem at once.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';

export type OptionsParse<T> = { ok: true; options: T } | { ok: false; problems: string } | { ok: false; help: true };

const flag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function cliOptions<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>, usage: string, booleans: readonly (keyof Shape & string)[]) {
  return {
    help(): string {
      const keys = Object.keys(schema.shape);
      const width = Math.max(...keys.map((key) => flag(key).length)) + 1;
      const rows = Object.entries(schema.shape).map(([key, field]) => {
        const fallback = (field as z.ZodType).safeParse(undefined);
        const shown = fallback.success && fallback.data !== undefined ? ` (default ${String(fallback.data)})` : '';
        return `  --${flag(key).padEnd(width)} ${(field as z.ZodType).description ?? ''}${shown}`;
      });
      return `${usage}\n${rows.join('\n')}\n`;
    },
    /** Parses argv (without node and the script). Pure. */
    parse(argv: readonly string[]): OptionsParse<z.infer<typeof schema>> {
      const spec = Object.fromEntries(Object.keys(schema.shape).map((key) => [flag(key), { type: booleans.includes(key) ? 'boolean' : 'string' } as const]));
      let values: Record<string, string | boolean | undefined>;
      try {
        ({ values } = parseArgs({ args: [...argv], options: { ...spec, help: { type: 'boolean' } }, strict: true, allowPositionals: false }));
      } catch (error) {
        return { ok: false, problems: (error as Error).message };
      }
      if (values.help) return { ok: false, help: true };
      const camel = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()), v]));
      const parsed = schema.safeParse(camel);
      return parsed.success ? { ok: true, options: parsed.data } : { ok: false, problems: z.prettifyError(parsed.error) };
    },
  };
}
