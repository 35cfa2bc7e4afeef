import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { SchemaArgument, SchemaOption } from './cli-options.ts';
import { clearwaterProgram } from './program.ts';

function leaves(command: Command, path: string[] = []): [string, Command][] {
  if (command.commands.length === 0) return [[path.join(' '), command]];
  return command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

describe('the clearwater commands', () => {
  const commands = leaves(clearwaterProgram());

  it('are the ones the README and the reference list', () => {
    expect(commands.map(([path]) => path).sort()).toEqual(
      ['catalog check', 'catalog hash-password', 'config check', 'dashboards build', 'deadletters count', 'deadletters list', 'deadletters resubmit', 'demo', 'evaluate', 'influxd', 'ingest', 'notify test', 'opcua browse', 'plant', 'rehearse', 'replay', 'score', 'simulate', 'start'].sort(),
    );
  });

  it.each(commands)('%s takes its options and arguments from schemas, every one described', (_path, command) => {
    expect(command.description()).toBeTruthy();
    for (const option of command.options) {
      expect(option, option.flags).toBeInstanceOf(SchemaOption);
      expect((option as SchemaOption).field.summary, option.flags).toBeTruthy();
    }
    for (const argument of command.registeredArguments) {
      expect(argument, argument.name()).toBeInstanceOf(SchemaArgument);
      expect((argument as SchemaArgument).field.summary, argument.name()).toBeTruthy();
    }
  });

  it('keep the flags the README, the tests and npm start use', () => {
    const flags = Object.fromEntries(commands.map(([path, command]) => [path, command.options.map((o) => o.flags)]));
    expect(flags.start).toEqual(['-c, --config <file>']);
    expect(flags.ingest).toEqual(['-c, --config <file>', '--url <url>', '--client-id <id>', '--topic <filter>', '--username <name>', '--connections <n>']);
    expect(flags.demo).toEqual(expect.arrayContaining(['-c, --config <file>', '--speed <factor>', '--seed <n>', '--scenario <spec>', '--only <id>', '--backfill <minutes>', '--duration <seconds>']));
    expect(flags.simulate).toEqual(expect.arrayContaining(['-c, --config <file>', '--broker <url>', '--catalog <file>', '--speed <factor>', '--scenario <spec>']));
    expect(flags['deadletters list']).toEqual(['-c, --config <file>', '--reason <reason>', '--device <id>', '--limit <n>', '--json']);
    expect(flags['deadletters resubmit']).toEqual(['-c, --config <file>', '--reason <reason>', '--device <id>', '--dry-run', '--json']);
    expect(flags.evaluate).toEqual(['--dataset <name>', '--csv <file>', '--rules <pack>', '--folds <n>', '--grid <setting>', '--max-false-per-week <n>', '--detection-limits', '--positions <n>', '--seed <n>', '--json']);
    expect(flags.score).toEqual(['--truth <file>', '--api <url>', '-c, --config <file>', '--grace <minutes>', '--json']);
    expect(flags.rehearse).toEqual(['-c, --config <file>', '--grace <minutes>', '--json']);
    expect(flags.replay).toEqual(['--dataset <dataset>', '--device <id>', '--speed <factor>', '--broker <url>', '--password <secret>', '--catalog <file>', '--from <time>', '--to <time>', '--start <time>', '--keep-time', '--batch <rows>']);
    expect(flags.influxd).toEqual(['--database <name>']);
    expect(flags['dashboards build']).toEqual(['-c, --config <file>', '--out <dir>']);
  });
});
