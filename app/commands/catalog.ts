/** `clearwater catalog hash-password` and `clearwater catalog check`. */
import type { Command } from 'commander';
import { loadCatalog } from '../../network/catalog.ts';
import { hashPassword } from '../../network/password.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('Work with the network catalog');

  catalog
    .command('hash-password')
    .description('Print the scrypt hash of a device password, for a catalog entry\'s passwordHash (reads stdin when no argument is given)')
    .argument('[password]', 'the password; prefer stdin so it stays out of the shell history')
    .action(async (password: string | undefined) => {
      const secret = password ?? (await readStdin());
      if (secret.length < 8) throw new Error('a device password needs at least 8 characters');
      process.stdout.write(`${await hashPassword(secret)}\n`);
    });

  catalog
    .command('check')
    .description('Validate a catalog file and print what it holds')
    .argument('<file>', 'catalog YAML')
    .action(async (file: string) => {
      const loaded = await loadCatalog(file);
      const { file: c } = loaded;
      process.stdout.write(
        `${c.county.name}: ${c.townships.length} townships, ${c.villages.length} villages, ${c.sites.length} sites, ${c.devices.length} devices — valid\n`,
      );
    });
}
