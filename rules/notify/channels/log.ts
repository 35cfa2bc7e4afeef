/**
 * The log as a channel: every notice is a log line naming who was told what. The embedded
 * default, so a fresh install shows its notifications without any peer configured, and the last
 * resort when no other channel reaches a recipient.
 */
import { z } from 'zod';
import type { Channel, ChannelDeps, Notice } from '../channel.ts';

export const logChannelSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Write every notice to the process log (info)'),
  })
  .describe('The log as a channel: reaches everyone, delivers to the log');
export type LogChannelConfig = z.infer<typeof logChannelSchema>;

export function createLogChannel(_config: LogChannelConfig, deps: ChannelDeps): Channel {
  return {
    kind: 'log',
    reaches: () => true,
    destination: (recipient) => recipient.id,
    async send(notice: Notice) {
      const people = [notice.recipient, ...(notice.alsoFor ?? [])].map((p) => p.name).join(', ');
      deps.log?.info({ kind: notice.kind, tickets: notice.tickets.map((t) => t.id), to: [notice.recipient, ...(notice.alsoFor ?? [])].map((p) => p.id) }, `notified ${people} (log): ${notice.rendered.markdown.title}`);
      return { ok: true, detail: 'written to the log' };
    },
  };
}
