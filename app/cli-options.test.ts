import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { durationField } from '../network/duration.ts';
import { cliOptions, givenOnly, parseFlags, schemaCommand, schemaOptions, textInput } from './cli-options.ts';

const schema = z.strictObject({
  brokerUrl: z.string().default('mqtt://127.0.0.1:1883').describe('Broker'),
  seed: z.number().int().min(0).default(1).describe('Seed'),
  stepMs: durationField().default(90_000).describe('Step'),
  level: z.enum(['info', 'debug']).default('info').describe('Log level'),
  only: z.array(z.string()).default([]).describe('Only these'),
  rates: z.array(z.number().positive()).default([]).describe('Rates'),
  json: z.boolean().default(false).describe('JSON out'),
  color: z.boolean().default(true).describe('Colours'),
  file: z.string().optional().describe('A file'),
});

describe('options from a schema', () => {
  it('makes one option per field: kebab-case, flags for booleans (--no- when on by default), a value otherwise', () => {
    expect(schemaOptions(schema, { file: '-f, --file <path>' }).map((o) => o.flags)).toEqual([
      '--broker-url <value>',
      '--seed <n>',
      '--step-ms <duration>',
      '--level <name>',
      '--only <value>',
      '--rates <n>',
      '--json',
      '--no-color',
      '-f, --file <path>',
    ]);
  });

  it.each([
    ['seed', 'Seed (integer ≥ 0; default: 1)'],
    ['stepMs', 'Step (duration; default: 1m30s)'],
    ['level', 'Log level (one of info, debug; default: info)'],
    ['only', 'Only these (repeatable)'],
    ['json', 'JSON out'],
    ['file', 'A file'],
  ])('tells %s in its help line', (key, line) => {
    expect(schemaOptions(schema).find((o) => o.field.key === key)?.description).toBe(line);
  });

  it.each([
    [{ seed: '--sede <n>' }, /do not name the field seed/],
    [{ json: '--json <value>' }, /do not fit/],
    [{ seed: '--seed' }, /do not fit/],
  ])('refuses flags %j that do not fit the field', (flags, problem) => {
    expect(() => schemaOptions(schema, flags)).toThrow(problem);
  });
});

describe('command-line text into the schema', () => {
  const fields = { n: { type: 'number' as const }, d: { anyOf: [{ type: 'number' as const }, { type: 'string' as const }] }, s: { type: 'string' as const } };
  it.each([
    [fields.n, '42', 42],
    [fields.n, '-1.5', -1.5],
    [fields.n, '1e3', 1000],
    [fields.n, '0x10', '0x10'],
    [fields.n, 'ten', 'ten'],
    [fields.d, '90', 90],
    [fields.d, '90s', '90s'],
    [fields.s, '42', '42'],
    [{ type: 'array' as const, items: fields.n }, ['1', '2'], [1, 2]],
  ])('%j: %j → %j', (field, text, value) => {
    expect(textInput(field, text)).toEqual(value);
  });

  it('fills what was not given from the defaults and checks numbers, durations and enums', () => {
    const parsed = parseFlags(schema, { seed: '7', stepMs: '2h', rates: ['5', '0.5'], color: false });
    expect(parsed).toEqual({ ok: true, value: { brokerUrl: 'mqtt://127.0.0.1:1883', seed: 7, stepMs: 7_200_000, level: 'info', only: [], rates: [5, 0.5], json: false, color: false } });
  });

  it('reports every problem at once, each at its flag', () => {
    const parsed = parseFlags(schema, { seed: 'x', stepMs: 'soon', level: 'loud', rates: ['1', '-2'] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    for (const at of ['→ at --seed', '→ at --step-ms', '→ at --level', '→ at --rates[1]']) expect(parsed.problems).toContain(at);
    expect(parsed.problems.split('\n').filter((line) => line.startsWith('✖'))).toHaveLength(4);
  });

  it('keeps only what the command line set', () => {
    expect(givenOnly({ a: 1, b: 2, c: 3 }, new Set(['a', 'c']))).toEqual({ a: 1, c: 3 });
  });
});

describe('a command from schemas', () => {
  function program(run: (input: unknown, given: ReadonlySet<string>) => void) {
    const root = new Command('tool').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    schemaCommand(root, 'run', {
      description: 'Run',
      options: schema,
      arguments: z.strictObject({ target: z.string().regex(/^[a-z]+$/).describe('What to run'), extra: z.array(z.string()).optional().describe('More') }),
      flags: { file: '-f, --file <path>' },
      action: run,
    }).exitOverride();
    return root;
  }

  it('hands the checked arguments and options to the action, and names what was given', async () => {
    let seen: unknown;
    let given: ReadonlySet<string> = new Set();
    await program((input, g) => ((seen = input), (given = g))).parseAsync(['run', 'pumps', 'a', 'b', '--seed', '3', '-f', 'x.yaml', '--only', 'p1', '--only', 'p2', '--no-color'], { from: 'user' });
    expect(seen).toMatchObject({ target: 'pumps', extra: ['a', 'b'], seed: 3, file: 'x.yaml', only: ['p1', 'p2'], color: false, level: 'info' });
    expect([...given].sort()).toEqual(['color', 'file', 'only', 'seed']);
  });

  it('fails before the action with every problem, arguments and options together', async () => {
    let ran = false;
    const parse = program(() => (ran = true)).parseAsync(['run', 'P1', '--seed', '-1'], { from: 'user' });
    await expect(parse).rejects.toThrow(CommanderError);
    await expect(parse).rejects.toThrow(/invalid arguments to tool run:[^]*→ at <target>[^]*→ at --seed/);
    expect(ran).toBe(false);
  });
});

describe('options of a script (the benchmarks)', () => {
  const cli = cliOptions(z.strictObject({ devices: z.coerce.number().int().min(1).default(100).describe('Devices'), nodelay: z.coerce.boolean().default(false).describe('No delay') }), 'npm run bench --');

  it('prints its help with the defaults', () => {
    expect(cli.help()).toMatch(/Usage: npm run bench -- \[options\][^]*--devices <n>\s+Devices \(integer ≥ 1; default: 100\)[^]*--nodelay\s+No delay/);
  });

  it.each([
    [[], { ok: true, options: { devices: 100, nodelay: false } }],
    [['--devices', '5', '--nodelay'], { ok: true, options: { devices: 5, nodelay: true } }],
    [['--help'], { ok: false, help: true }],
    [['--devices', '0'], { ok: false, problems: '✖ Too small: expected number to be >=1\n  → at --devices' }],
    [['--devises', '5'], { ok: false, problems: expect.stringContaining("unknown option '--devises'") }],
    [['5'], { ok: false, problems: expect.stringContaining('too many arguments') }],
  ])('%j', (argv, result) => {
    expect(cli.parse(argv)).toEqual(result);
  });
});
