/**
 * Command-line options from zod object schemas: the one way the `clearwater` commands and the
 * benchmarks read their flags. A field is an option, `--kebab-case` for its camelCase name, its
 * help text its description, default and choices; a boolean is a flag (`--no-x` when it defaults
 * to true), a list repeats its flag. Positional arguments can come from a second schema, in
 * field order. The values are checked by the schema alone: the only work done here is taking a
 * number written on the command line as a number where the field accepts one (as the
 * environment overrides do). Every problem is reported at once (`z.prettifyError`), each named
 * by its flag.
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { z } from 'zod';
import { acceptsNumber, choicesOf, defaultLabel, fieldsOf, isBoolean, isDuration, isList, isRequired, itemsOf, jsonSchemaOf, typeLabel, type JsonNode } from './schema-fields.ts';

export const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** What the help line and the references tell of an option or argument besides commander's own fields. */
export interface FieldHelp {
  readonly key: string;
  readonly summary: string;
  /** What one value is, e.g. `integer ≥ 1`, `duration`, `text`; `code` formats literals. */
  readonly type: (code?: (text: string) => string) => string;
  readonly flag: boolean;
  readonly repeatable: boolean;
  readonly required: boolean;
  readonly defaultText?: string;
}

/** An option made from a schema field; its `description` is the whole help line. */
export class SchemaOption extends Option {
  constructor(flags: string, readonly field: FieldHelp) {
    super(flags, helpLine(field));
  }
}

/** A positional argument made from a schema field. */
export class SchemaArgument extends Argument {
  constructor(name: string, readonly field: FieldHelp) {
    super(name, helpLine(field));
  }
}

/** `summary (integer ≥ 1; repeatable; required; default: 20)`, leaving out what goes without saying (text, a flag). */
function helpLine(field: FieldHelp): string {
  const type = field.flag ? 'text' : field.type();
  const extra = [type === 'text' ? undefined : type, field.repeatable ? 'repeatable' : undefined, field.required ? 'required' : undefined, field.defaultText === undefined ? undefined : `default: ${field.defaultText}`];
  const shown = extra.filter((part) => part !== undefined);
  return shown.length === 0 ? field.summary : `${field.summary}${field.summary ? ' ' : ''}(${shown.join('; ')})`;
}

function fieldHelp(key: string, field: JsonNode, required: boolean): FieldHelp {
  const shownDefault = isBoolean(field) && field.default === false ? undefined : defaultLabel(field);
  return {
    key,
    summary: field.description ?? '',
    type: (code) => (isBoolean(field) ? 'boolean' : typeLabel(isList(field) ? itemsOf(field) : field, code)),
    flag: isBoolean(field),
    repeatable: isList(field),
    required,
    ...(shownDefault === undefined ? {} : { defaultText: shownDefault }),
  };
}

function placeholder(field: JsonNode): string {
  const value = isList(field) ? itemsOf(field) : field;
  if (isDuration(value)) return 'duration';
  if (choicesOf(value)) return 'name';
  return acceptsNumber(value) ? 'n' : 'value';
}

/**
 * One commander option per field of `schema`. `flags` gives a field a short form or a better
 * placeholder (`'-c, --config <file>'`); it must name the field and take a value exactly when
 * the field is not a boolean. Throws on a mismatch (a programming error).
 */
export function schemaOptions<S extends z.ZodObject>(schema: S, flags: Partial<Record<keyof S['shape'] & string, string>> = {}): SchemaOption[] {
  const object = jsonSchemaOf(schema);
  return fieldsOf(object).map(([key, field]) => {
    const boolean = isBoolean(field);
    const fallback = boolean ? (field.default === true ? `--no-${kebab(key)}` : `--${kebab(key)}`) : `--${kebab(key)} <${placeholder(field)}>`;
    const option = new SchemaOption(flags[key as keyof typeof flags] ?? fallback, fieldHelp(key, field, isRequired(object, key) && field.default === undefined));
    if (option.attributeName() !== key) throw new Error(`flags "${option.flags}" do not name the field ${key}`);
    const takesValue = option.required || option.optional;
    if (takesValue === boolean || option.negate !== (boolean && field.default === true)) throw new Error(`flags "${option.flags}" do not fit the ${typeLabel(field)} field ${key}`);
    if (isList(field)) option.argParser((value: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), value]);
    return option;
  });
}

/** One commander argument per field of `schema`, in order: `<required>`, `[optional]`, `[list...]`. */
export function schemaArguments(schema: z.ZodObject): SchemaArgument[] {
  const object = jsonSchemaOf(schema);
  return fieldsOf(object).map(([key, field]) => {
    const required = isRequired(object, key) && field.default === undefined;
    const name = `${kebab(key)}${isList(field) ? '...' : ''}`;
    return new SchemaArgument(required ? `<${name}>` : `[${name}]`, fieldHelp(key, field, required));
  });
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** Command-line text → the schema's input: a number where the field accepts one. Pure. */
export function textInput(field: JsonNode, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => textInput(itemsOf(field), item));
  return typeof value === 'string' && acceptsNumber(field) && NUMBER.test(value.trim()) ? Number(value) : value;
}

export type FlagsParse<T> = { ok: true; value: T } | { ok: false; problems: string };

/**
 * Checks the values given on the command line (by field name; absent = not given) against the
 * schema: its defaults fill the rest. Problems name the flag (`--speed`), or the argument
 * (`<file>`) when `name` says so. Pure.
 */
export function parseFlags<S extends z.ZodObject>(schema: S, values: Record<string, unknown>, name: (key: string) => string = (key) => `--${kebab(key)}`): FlagsParse<z.output<S>> {
  const fields = Object.fromEntries(fieldsOf(jsonSchemaOf(schema)));
  const input = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, fields[key] ? textInput(fields[key], value) : value]));
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: prettify(parsed.error, name) };
}

/**
 * `z.prettifyError`'s format, the path led by the flag: prettifyError itself would write
 * `→ at ["--speed"]`, as a flag is not an identifier.
 */
function prettify(error: z.ZodError, name: (key: string) => string): string {
  const at = ([head, ...rest]: readonly PropertyKey[]) =>
    head === undefined ? '' : `\n  → at ${name(String(head))}${rest.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`;
  return [...error.issues]
    .sort((a, b) => a.path.length - b.path.length)
    .map((issue) => `✖ ${issue.message}${at(issue.path)}`)
    .join('\n');
}

/** The options given on the command line of `command` (not commander's own defaults). */
export function givenOptions(command: Command): Record<string, unknown> {
  const values = command.opts();
  return Object.fromEntries(Object.entries(values).filter(([key]) => command.getOptionValueSource(key) === 'cli'));
}

/** Only the fields of `input` named in `given`: what a command line sets over a file. Pure. */
export function givenOnly<T extends object>(input: T, given: ReadonlySet<string>): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([key]) => given.has(key))) as Partial<T>;
}

export interface CommandSpec<O extends z.ZodObject, A extends z.ZodObject> {
  readonly description: string;
  readonly options?: O;
  /** Positional arguments, in field order. */
  readonly arguments?: A;
  readonly flags?: Partial<Record<keyof O['shape'] & string, string>>;
  /** Runs with the checked options and arguments; `given` names the options set on the command line. */
  action(input: z.output<O> & z.output<A>, given: ReadonlySet<string>): void | Promise<void>;
}

const none = z.strictObject({});

const commandPath = (command: Command): string => (command.parent ? `${commandPath(command.parent)} ${command.name()}` : command.name());

/** Adds `name` to `parent`: options and arguments from the schemas, checked before `action` runs. */
export function schemaCommand<O extends z.ZodObject = typeof none, A extends z.ZodObject = typeof none>(parent: Command, name: string, spec: CommandSpec<O, A>): Command {
  const options = spec.options ?? none;
  const args = spec.arguments ?? none;
  const clash = Object.keys(args.shape).filter((key) => key in options.shape);
  if (clash.length > 0) throw new Error(`${name}: ${clash.join(', ')} both an option and an argument`);
  const command = parent.command(name).description(spec.description);
  for (const option of schemaOptions(options, spec.flags)) command.addOption(option);
  const positional = schemaArguments(args);
  for (const argument of positional) command.addArgument(argument);
  return command.action(async (...params: unknown[]) => {
    const self = params.at(-1) as Command;
    const given = givenOptions(self);
    const values = Object.fromEntries(positional.map((a, i) => [a.field.key, self.processedArgs[i]]).filter(([, v]) => v !== undefined));
    const parsedArgs = parseFlags(args, values, (key) => `<${kebab(key)}>`);
    const parsedOptions = parseFlags(options, given);
    const problems = [parsedArgs, parsedOptions].flatMap((p) => (p.ok ? [] : [p.problems]));
    if (!parsedArgs.ok || !parsedOptions.ok) return self.error(`error: invalid arguments to ${commandPath(self)}:\n${problems.join('\n')}`);
    await spec.action({ ...parsedArgs.value, ...parsedOptions.value } as z.output<O> & z.output<A>, new Set(Object.keys(given)));
  });
}

export type OptionsParse<T> = { ok: true; options: T } | { ok: false; problems: string } | { ok: false; help: true };

/** Options of a script that is not a `clearwater` command (the benchmarks, `name` e.g. `npm run bench --`): its help text and a pure parse of its argv. */
export function cliOptions<S extends z.ZodObject>(schema: S, name: string) {
  const command = () => {
    const quiet = new Command().name(name).exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }).allowExcessArguments(false);
    for (const option of schemaOptions(schema)) quiet.addOption(option);
    return quiet;
  };
  return {
    help: (): string => command().helpInformation(),
    /** Parses argv (without node and the script). Pure. */
    parse(argv: readonly string[]): OptionsParse<z.output<S>> {
      let result = { ok: false, problems: 'not parsed' } as FlagsParse<z.output<S>>;
      const parser = command().action((_options, self: Command) => void (result = parseFlags(schema, givenOptions(self))));
      try {
        parser.parse([...argv], { from: 'user' });
      } catch (error) {
        if (!(error instanceof CommanderError)) throw error;
        return error.code === 'commander.helpDisplayed' ? { ok: false, help: true } : { ok: false, problems: error.message };
      }
      return result.ok ? { ok: true, options: result.value } : result;
    },
  };
}
