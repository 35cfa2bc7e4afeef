/**
 * The SMS channel: one notice, one number, one request to an HTTP gateway (Alibaba Cloud,
 * Tencent Cloud, or a generic one). SMS is the fallback when DingTalk does not reach someone.
 *
 * Before sending: the message is measured as the carriers bill it (sms-segments.ts) and cut to
 * `maxSegments` by shortening its template parameters (names and advice, never links or
 * numbers), or refused as permanent when even that is not enough; then the per-number daily cap
 * (sms-daily-cap.ts) is asked for a slot, `throttled` when there is none. Then the gateway's
 * answer is classified by its preset (sms-aliyun.ts, sms-tencent.ts, sms-generic.ts).
 *
 * No retries here: the outbox retries transient and throttled results. A timeout is transient
 * although the gateway may have sent the message: SendSms is not idempotent (Alibaba says so in
 * its SendSms notes), and for an alert twice is better than never.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Channel, ChannelDeps, Notice, Recipient, SendResult } from '../channel.ts';
import { exchange, type HttpExchange, type HttpRequest } from './http-exchange.ts';
import { aliyunGatewayFields, aliyunRequest, classifyAliyun } from './sms-aliyun.ts';
import { capWindows, DailyCap, isTimeZone } from './sms-daily-cap.ts';
import type { SmsMessage, SmsVerdict } from './sms-gateway.ts';
import { classifyGeneric, genericGatewayFields, genericRequest, unknownPlaceholders } from './sms-generic.ts';
import { fitToSegments, type FitRules } from './sms-segments.ts';
import { classifyTencent, tencentGatewayFields, tencentRequest } from './sms-tencent.ts';

/** E.164: a + and up to 15 digits (ITU-T E.164 §6.2.1). */
const E164 = /^\+[1-9]\d{6,14}$/;

const commonFields = {
  signName: z
    .string()
    .max(20)
    .describe('The approved signature (签名) the gateway prepends as 【…】; counted in the length. Empty for a generic gateway that adds none'),
  maxSegments: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(2)
    .describe(
      'Most billed segments per message (70 characters for one, 67 each beyond). 2 (134 characters) holds a site, a reading, its limit, the advice and an ack link; one is too short for the link, more costs per admin per alert',
    ),
  keepParams: z.array(z.string()).default([]).describe('Template params never cut to fit (links and plain numbers never are anyway)'),
  minParamChars: z.number().int().min(2).default(6).describe('A cut param keeps at least this many characters, its … included'),
  maxParamChars: z.number().int().positive().optional().describe('The gateway\'s limit per template variable, if it has one: longer params are cut to it first'),
  dailyCapPerNumber: z
    .number()
    .int()
    .positive()
    .default(50)
    .describe('Most messages to one number per day (Alibaba Cloud\'s default for one signature and template: 50 a day); past it, throttled'),
  timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone, e.g. Asia/Shanghai').default('Asia/Shanghai').describe('Whose midnight ends a calendar-day window'),
  timeoutMs: z.number().int().positive().default(10_000).describe('Whole request, connect to last byte, ms (Alibaba advises ≥ 1 s)'),
  perMinute: z.number().int().positive().optional().describe('Most messages per number per minute before the sender merges them into a digest; unset: no limit'),
};

const capWindowField = (fallback: (typeof capWindows)[number]) =>
  z.enum(capWindows).default(fallback).describe('How the daily cap counts: calendar-day (ends at local midnight) or rolling-24h (each message counts for 24 h)');

export const smsChannelSchema = z
  .discriminatedUnion('gateway', [
    // Alibaba counts its 50 a day over the 24 h since each message (短信发送规则); Tencent per calendar day.
    z.object({ ...aliyunGatewayFields, ...commonFields, capWindow: capWindowField('rolling-24h') }),
    z.object({ ...tencentGatewayFields, ...commonFields, capWindow: capWindowField('calendar-day') }),
    z
      .object({ ...genericGatewayFields, ...commonFields, capWindow: capWindowField('calendar-day') })
      .superRefine((config, context) => {
        const unknown = unknownPlaceholders(config);
        if (unknown.length > 0) context.addIssue({ code: 'custom', path: ['body'], message: `unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')}` });
      }),
  ])
  .describe('SMS through an HTTP gateway: Alibaba Cloud, Tencent Cloud, or a generic one');
export type SmsChannelConfig = z.infer<typeof smsChannelSchema>;

interface Gateway {
  request(message: SmsMessage, at: number): HttpRequest | { readonly refused: string };
  classify(answer: HttpExchange, at: number): SmsVerdict;
}

function gatewayOf(config: SmsChannelConfig): Gateway {
  switch (config.gateway) {
    case 'aliyun':
      return { request: (message, at) => aliyunRequest(config, message, at, randomUUID()), classify: classifyAliyun };
    case 'tencent':
      return { request: (message, at) => tencentRequest(config, message, at), classify: classifyTencent };
    case 'generic':
      return { request: (message) => genericRequest(config, message), classify: (answer, at) => classifyGeneric(answer, at, config.okWhen) };
  }
}

export function createSmsChannel(input: z.input<typeof smsChannelSchema>, deps: ChannelDeps): Channel {
  const config = smsChannelSchema.parse(input);
  const gateway = gatewayOf(config);
  const cap = new DailyCap({ cap: config.dailyCapPerNumber, window: config.capWindow, timeZone: config.timeZone });
  const fit: FitRules = { signName: config.signName, maxSegments: config.maxSegments, keepParams: config.keepParams, minParamUnits: config.minParamChars, maxParamUnits: config.maxParamChars };

  async function send(notice: Notice): Promise<SendResult> {
    const phone = notice.recipient.phone;
    if (phone === undefined || !E164.test(phone)) return { ok: false, failure: 'permanent', reason: `${notice.recipient.id} has no mobile number in E.164` };
    const fitted = fitToSegments(notice.rendered.sms, fit);
    if (!fitted.ok) return { ok: false, failure: 'permanent', reason: fitted.reason };
    if (fitted.shortened.length > 0) deps.log?.info({ recipient: notice.recipient.id, shortened: fitted.shortened, segments: fitted.segments }, 'SMS params cut to fit');
    const now = deps.now();
    const slot = cap.take(phone, now);
    if (!slot.ok) return { ok: false, failure: 'throttled', reason: `daily cap of ${config.dailyCapPerNumber} SMS reached for ${maskPhone(phone)}`, retryAfterMs: slot.retryAfterMs };
    const message: SmsMessage = { phone, signName: config.signName, text: fitted.content.text, params: fitted.content.params, deliveryKey: notice.deliveryKey };
    const request = gateway.request(message, now);
    if ('refused' in request) {
      slot.release();
      return { ok: false, failure: 'permanent', reason: request.refused };
    }
    const verdict = gateway.classify(await exchange(request), deps.now());
    if (verdict.ok) {
      if (verdict.billed !== undefined && verdict.billed > fitted.segments) {
        deps.log?.warn({ recipient: notice.recipient.id, billed: verdict.billed, counted: fitted.segments }, 'SMS gateway billed more segments than counted');
      }
      return { ok: true, detail: `${verdict.detail}, ${fitted.segments} segment(s)` };
    }
    slot.release();
    if (verdict.numberAtDailyLimit) return { ok: false, failure: 'throttled', reason: verdict.reason, retryAfterMs: cap.block(phone, deps.now()) };
    return { ok: false, failure: verdict.failure, reason: verdict.reason, ...(verdict.retryAfterMs === undefined ? {} : { retryAfterMs: verdict.retryAfterMs }) };
  }

  return {
    kind: 'sms',
    reaches: (recipient: Recipient) => recipient.phone !== undefined && E164.test(recipient.phone),
    destination: (recipient: Recipient) => recipient.phone ?? '',
    perMinute: config.perMinute,
    send,
  };
}

/** +86138****0000: enough to tell numbers apart in a log, not enough to dial. */
export function maskPhone(phone: string): string {
  return phone.length <= 8 ? phone : `${phone.slice(0, phone.length - 8)}****${phone.slice(-4)}`;
}
