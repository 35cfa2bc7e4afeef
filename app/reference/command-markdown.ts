/**
 * The command reference: every `clearwater` command with its usage, arguments and options, read
 * from the command tree the CLI itself parses with (`program.ts`), so it cannot drift. Pure.
 */
import type { Command } from 'commander';
import { SchemaArgument, SchemaOption, type FieldHelp } from '../cli-options.ts';
import { cell, code } from './schema-markdown.ts';

/** The commands that run something (not the groups `catalog`, `config`, `deadletters`), in the order `--help` lists them. */
export function leafCommands(command: Command, path: readonly string[] = []): { path: string; command: Command }[] {
  if (command.commands.length === 0) return [{ path: path.join(' '), command }];
  return command.commands.flatMap((sub) => leafCommands(sub, [...path, sub.name()]));
}

function valueOf(field: FieldHelp): string {
  if (field.flag) return 'flag';
  return [field.type(code), field.repeatable ? 'repeatable' : undefined, field.required ? '**required**' : undefined].filter(Boolean).join(', ');
}

const row = (name: string, field: FieldHelp, shown: (text: string) => string) =>
  `| ${code(name)} | ${cell(valueOf(field))} | ${field.defaultText === undefined ? '' : cell(code(shown(field.defaultText)))} | ${cell(field.summary)} |\n`;

function commandSection(program: Command, path: string, command: Command, shown: (text: string) => string): string {
  const args = command.registeredArguments.filter((a): a is SchemaArgument => a instanceof SchemaArgument);
  const options = command.options.filter((o): o is SchemaOption => o instanceof SchemaOption);
  const header = '|---|---|---|---|\n';
  const argTable = args.length === 0 ? '' : `| argument | value | default | description |\n${header}${args.map((a) => row(a.name(), a.field, shown)).join('')}\n`;
  const optionTable = options.length === 0 ? '' : `| option | value | default | description |\n${header}${options.map((o) => row(o.flags, o.field, shown)).join('')}\n`;
  return `## ${code(`${program.name()} ${path}`)}\n\n${command.description()}\n\nUsage: ${code(`${program.name()} ${path} ${command.usage()}`)}\n\n${argTable}${optionTable}`;
}

export function commandReference(program: Command, shown: (text: string) => string = (text) => text): string {
  const commands = leafCommands(program);
  const anchor = (path: string) => `#${program.name()}-${path}`.replaceAll(' ', '-');
  const index = commands.map(({ path, command }) => `| [${code(`${program.name()} ${path}`)}](${anchor(path)}) | ${cell(command.description())} |\n`).join('');
  return `| command | what it does |\n|---|---|\n${index}\n${commands.map(({ path, command }) => commandSection(program, path, command, shown)).join('')}`;
}
