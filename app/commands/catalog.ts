/** `clearwater catalog hash-password` and `clearwater catalog check`. */
import type { Command } from 'commander';
import { z } from 'zod';
import { loadCatalog } from '../../network/catalog.ts';
import { GENERATED_SECRET_SCRYPT, generateSecret, hashPassword } from '../../network/password.ts';
import { schemaCommand } from '../cli-options.ts';

const devicePassword = z.string().min(8, 'a device password needs at least 8 characters');

export const hashPasswordArgumentsSchema = z.strictObject({
  password: devicePassword.optional().describe('The password; prefer stdin so it stays out of the shell history'),
});

export const hashPasswordOptionsSchema = z.strictObject({
  generate: z
    .boolean()
    .default(false)
    .describe('Generate a random 128-bit secret instead of reading one and print "secret hash" on one line; hashed with scrypt N=1024 (network/password.ts, GENERATED_SECRET_SCRYPT: a random secret gains nothing from a dearer hash, and logins after a restart are 16x cheaper)'),
});

export const catalogCheckArgumentsSchema = z.strictObject({
  file: z.string().min(1).describe('Catalog YAML'),
});

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('Work with the network catalog');

  schemaCommand(catalog, 'hash-password', {
    description: 'Print the scrypt hash of a device password, for a catalog entry\'s passwordHash (reads stdin when no argument is given)',
    arguments: hashPasswordArgumentsSchema,
    options: hashPasswordOptionsSchema,
    action: async ({ password, generate }) => {
      if (generate) {
        if (password !== undefined) throw new Error('--generate makes the secret: give no password');
        const generated = generateSecret();
        process.stdout.write(`${generated} ${await hashPassword(generated, GENERATED_SECRET_SCRYPT)}\n`);
        return;
      }
      const secret = devicePassword.safeParse(password ?? (await readStdin()));
      if (!secret.success) throw new Error(z.prettifyError(secret.error));
      process.stdout.write(`${await hashPassword(secret.data)}\n`);
    },
  });

  schemaCommand(catalog, 'check', {
    description: 'Validate a catalog file and print what it holds',
    arguments: catalogCheckArgumentsSchema,
    action: async ({ file }) => {
      const { file: c } = await loadCatalog(file);
      process.stdout.write(
        `${c.county.name}: ${c.townships.length} townships, ${c.villages.length} villages, ${c.sites.length} sites, ${c.devices.length} devices — valid\n`,
      );
    },
  });
}
