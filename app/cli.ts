/**
 * The `clearwater` command line. Each command is a thin shell around a module: parse options,
 * load the config (every problem printed at once), run, exit non-zero on failure.
 */
import { Command, InvalidArgumentError } from 'commander';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerRunCommands } from './commands/run.ts';

export function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('not an integer');
  return parsed;
}

export function positive(value: string): number {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('not a positive number');
  return parsed;
}

const program = new Command()
  .name('clearwater')
  .description('Telemetry pipeline for drinking-water supply networks')
  .showHelpAfterError();

registerRunCommands(program);
registerCatalogCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`clearwater: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
