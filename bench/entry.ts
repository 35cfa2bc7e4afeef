/**
 * A benchmark script's entry: parses its flags (`--help` prints the help and exits 0; a bad flag
 * prints the problem and the help to stderr and exits 2), runs it, and exits with its code, or 1
 * with the error when it throws.
 */
import type { OptionsParse } from '../app/cli-options.ts';

export interface BenchCli<O> {
  parse(argv: readonly string[]): OptionsParse<O>;
  help(): string;
}

export function benchMain<O>(cli: BenchCli<O>, run: (options: O) => Promise<number>): void {
  const main = async (): Promise<number> => {
    const parsed = cli.parse(process.argv.slice(2));
    if (parsed.ok) return run(parsed.options);
    if ('help' in parsed) process.stdout.write(cli.help());
    else process.stderr.write(`${parsed.problems}\n\n${cli.help()}`);
    return 'help' in parsed ? 0 : 2;
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
