/**
 * The `notify:` block of the app's config, and the registry of channel kinds that turns its
 * `channels:` into `Channel`s. A channel left out is not configured: routes naming it fall back
 * to the channels that reach the recipient (policy.ts `reachOut`), and then to the log.
 */
import { z } from 'zod';
import { durationSchema } from '../../network/duration.ts';
import type { Channel, ChannelDeps, ChannelKind } from './channel.ts';
import { alertmanagerChannelSchema, createAlertmanagerChannel } from './channels/alertmanager.ts';
import { createDingtalkChannel, dingtalkChannelSchema } from './channels/dingtalk.ts';
import { createEmailChannel, emailChannelSchema } from './channels/email.ts';
import { createLogChannel, logChannelSchema } from './channels/log.ts';
import { createSmsChannel, smsChannelSchema } from './channels/sms.ts';
import { createWebhookChannel, webhookChannelSchema } from './channels/webhook.ts';
import { notifyPolicySchema } from './policy.ts';

export const notifyChannelsSchema = z
  .strictObject({
    dingtalk: dingtalkChannelSchema.optional().describe('DingTalk custom robots (rules/notify/channels/dingtalk.ts)'),
    sms: smsChannelSchema.optional().describe('SMS through an HTTP gateway: Alibaba Cloud, Tencent Cloud or generic (channels/sms.ts)'),
    email: emailChannelSchema.optional().describe('E-mail over SMTP (channels/email.ts)'),
    webhook: webhookChannelSchema.optional().describe('A JSON webhook signed with HMAC-SHA256 (channels/webhook.ts)'),
    alertmanager: alertmanagerChannelSchema.optional().describe('Prometheus Alertmanager: tickets as alerts (channels/alertmanager.ts)'),
    log: logChannelSchema.prefault({}),
  })
  .prefault({})
  .describe('The channels that can be used, each with its peer; absent: not used');
export type NotifyChannelsConfig = z.infer<typeof notifyChannelsSchema>;

export const notifySchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Tell people about tickets; false: tickets are kept and shown, nobody is told'),
    policy: notifyPolicySchema,
    channels: notifyChannelsSchema,
    links: z
      .strictObject({
        baseUrl: z.url().optional().describe('Where phones reach the acknowledgement page, e.g. https://water.county.example; default: the HTTP API address'),
        ttl: durationSchema.prefault('24h').describe('How long an acknowledgement link in a message works'),
        keyFile: z.string().optional().describe('File holding the key that signs the links (32 random bytes, created 0600 when missing); default dataDir/ack-link.key'),
      })
      .prefault({})
      .describe('The acknowledgement links in messages'),
    sender: z
      .strictObject({
        pollMs: z.number().int().positive().default(1000).describe('How often due notices (retries, quiet hours ending, digests, other instances\') are looked for, ms'),
        leaseMs: z.number().int().positive().default(60_000).describe('How long a claimed notice is this process\'s before another may send it, ms (longer than any channel timeout)'),
        batchSize: z.number().int().positive().default(200).describe('Notices claimed per round'),
      })
      .prefault({})
      .describe('The outbox sender'),
  })
  .prefault({})
  .describe('Notifications: who is told about tickets, how and when');
export type NotifyConfig = z.infer<typeof notifySchema>;

/** The configured channels, by kind. */
export function createChannels(config: NotifyChannelsConfig, deps: ChannelDeps): Map<ChannelKind, Channel> {
  const channels = new Map<ChannelKind, Channel>();
  if (config.dingtalk) channels.set('dingtalk', createDingtalkChannel(config.dingtalk, deps));
  if (config.sms) channels.set('sms', createSmsChannel(config.sms, deps));
  if (config.email) channels.set('email', createEmailChannel(config.email, deps));
  if (config.webhook) channels.set('webhook', createWebhookChannel(config.webhook, deps));
  if (config.alertmanager) channels.set('alertmanager', createAlertmanagerChannel(config.alertmanager, deps));
  if (config.log.enabled) channels.set('log', createLogChannel(config.log, deps));
  return channels;
}
