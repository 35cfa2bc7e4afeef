/**
 * `clearwater notify test --recipient ID`: sends a test message to one recipient of the catalog
 * through every configured channel that reaches them (or the ones named), and prints each
 * channel's result. Exits non-zero when any channel failed.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { loadCatalog } from '../../network/catalog.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import { channelKinds, type SendResult } from '../../rules/notify/channel.ts';
import { recipientOf } from '../../rules/notify/compose.ts';
import { createChannels } from '../../rules/notify/config.ts';
import { NoticeRenderer } from '../../rules/notify/render.ts';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { CONFIG_FLAG, configFileField } from './run.ts';

export const notifyTestOptionsSchema = z.strictObject({
  config: configFileField,
  recipient: z.string().regex(ID_PATTERN, 'a recipient id of the catalog').describe('Who to send the test to: a recipient id of the catalog, e.g. tongmen-admin'),
  channel: z.array(z.enum(channelKinds)).default([]).describe('Only these channels (repeatable); default: every configured channel that reaches the recipient'),
});

/** One line of the report: channel, result, detail. Pure. */
export function resultLine(channel: string, result: SendResult): string {
  return result.ok ? `${channel.padEnd(12)} ok          ${result.detail ?? ''}`.trimEnd() : `${channel.padEnd(12)} ${result.failure.padEnd(11)} ${result.reason}`;
}

export function registerNotifyCommands(program: Command): void {
  schemaCommand(program.command('notify').description('Notifications'), 'test', {
    description: 'Send a test message to a recipient through each channel that reaches them, and print the results',
    options: notifyTestOptionsSchema,
    flags: { config: CONFIG_FLAG, recipient: '--recipient <id>', channel: '--channel <kind>' },
    action: async (options) => {
      const config = await loadConfig(options.config);
      const log = createLogger(config.log.level, config.log.pretty);
      const catalog = await loadCatalog(config.catalog);
      const entry = catalog.recipient(options.recipient);
      if (!entry) throw new Error(`no recipient "${options.recipient}" in the catalog ${config.catalog}`);
      const recipient = recipientOf(entry);
      const channels = createChannels(config.notify.channels, { now: Date.now, log });
      const renderer = await NoticeRenderer.load(catalog.file.county.timeZone);
      const chosen = [...channels.values()].filter((channel) => (options.channel.length === 0 ? channel.reaches(recipient) : options.channel.includes(channel.kind)));
      if (chosen.length === 0) throw new Error(`no configured channel reaches ${recipient.id} (${recipient.name})`);
      process.stdout.write(`test message to ${recipient.name} (${recipient.id}):\n`);
      let failed = 0;
      for (const channel of chosen) {
        const notice = renderer.render('test', recipient, [], `test:${channel.kind}:${recipient.id}:${Date.now()}`);
        const result: SendResult = channel.reaches(recipient) ? await channel.send(notice) : { ok: false, failure: 'permanent', reason: `${channel.kind} cannot reach ${recipient.id} (no robot, phone or address for it)` };
        if (!result.ok) failed += 1;
        process.stdout.write(`${resultLine(channel.kind, result)}\n`);
      }
      for (const channel of channels.values()) await channel.close?.();
      if (failed > 0) process.exitCode = 1;
    },
  });
}
