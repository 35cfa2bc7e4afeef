/**
 * The `clearwater` command line. Each command is a thin shell around a module: its options are
 * a zod schema (cli-options.ts), checked before it runs; it loads the config (every problem
 * printed at once), runs, and exits non-zero on failure.
 */
import { ConfigError } from './config.ts';
import { clearwaterProgram } from './program.ts';

try {
  await clearwaterProgram().parseAsync(process.argv);
} catch (error) {
  const message = error instanceof ConfigError ? error.message : String((error as Error).message ?? error);
  process.stderr.write(`clearwater: ${message}\n`);
  process.exitCode = 1;
}
