/**
 * The `clearwater` command tree, built without running anything: `cli.ts` parses the command line
 * with it, and the command reference (docs/commands.md) is generated from it.
 */
import { Command } from 'commander';
import { registerCatalogCommands } from './commands/catalog.ts';
import { registerDashboardCommands } from './commands/dashboards.ts';
import { registerDeadLetterCommands } from './commands/deadletters.ts';
import { registerEvaluateCommand } from './commands/evaluate.ts';
import { registerRehearseCommand } from './commands/rehearse.ts';
import { registerScoreCommand } from './commands/score.ts';
import { registerIngestCommand } from './commands/ingest.ts';
import { registerNotifyCommands } from './commands/notify.ts';
import { registerOpcuaCommands } from './commands/opcua.ts';
import { registerReplayCommand } from './commands/replay.ts';
import { registerRunCommands } from './commands/run.ts';
import { registerSimulateCommands } from './commands/simulate.ts';

export function clearwaterProgram(): Command {
  const program = new Command()
    .name('clearwater')
    .description('Telemetry pipeline for drinking-water supply networks')
    .showHelpAfterError();
  registerRunCommands(program);
  registerIngestCommand(program);
  registerSimulateCommands(program);
  registerReplayCommand(program);
  registerCatalogCommands(program);
  registerDeadLetterCommands(program);
  registerEvaluateCommand(program);
  registerScoreCommand(program);
  registerRehearseCommand(program);
  registerNotifyCommands(program);
  registerDashboardCommands(program);
  registerOpcuaCommands(program);
  return program;
}
