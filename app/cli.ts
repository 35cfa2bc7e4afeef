/**
 * The `clearwater` command line. Each command is a thin shell around a module: parse options,
 * load the config (every problem printed at once), run, exit non-zero on failure.
 */
import { Command } from 'commander';
import { ConfigError } from './config.ts';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerIngestCommand } from './commands/ingest.ts';
import { registerDeadLetterCommands } from './commands/deadletters.ts';
import { registerEvaluateCommand } from './commands/evaluate.ts';
import { registerRunCommands } from './commands/run.ts';
import { registerSimulateCommands } from './commands/simulate.ts';

const program = new Command()
  .name('clearwater')
  .description('Telemetry pipeline for drinking-water supply networks')
  .showHelpAfterError();

registerRunCommands(program);
registerIngestCommand(program);
registerSimulateCommands(program);
registerCatalogCommands(program);
registerDeadLetterCommands(program);
registerEvaluateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const message = error instanceof ConfigError ? error.message : String((error as Error).message ?? error);
  process.stderr.write(`clearwater: ${message}\n`);
  process.exitCode = 1;
}
