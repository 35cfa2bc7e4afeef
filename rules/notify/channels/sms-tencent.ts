/**
 * Tencent Cloud SMS `SendSms` (API 3.0, version 2021-01-11): the request, signed with
 * TC3-HMAC-SHA256, and the classification of its answer. Pure.
 *
 * - SendSms (https://cloud.tencent.com/document/api/382/55981): a JSON POST with PhoneNumberSet
 *   (E.164, "+8618501234444"), SmsSdkAppId, SignName, TemplateId, TemplateParamSet (strings, in
 *   the template's {1}, {2}, … order), SessionContext (echoed back, < 512 bytes); the answer is
 *   `{"Response":{"SendStatusSet":[{"Code":"Ok","Fee":1,"SerialNo":…,…}],"RequestId":…}}`, or
 *   `{"Response":{"Error":{"Code":…,"Message":…},"RequestId":…}}` when the call itself failed.
 * - Signature v3 (签名方法 v3, https://cloud.tencent.com/document/api/382/52072):
 *   CanonicalRequest = POST \n / \n "" \n content-type:…\nhost:…\n \n content-type;host \n
 *   hex(sha256(body)); StringToSign = TC3-HMAC-SHA256 \n timestamp \n date/sms/tc3_request \n
 *   hex(sha256(CanonicalRequest)); the key is HMAC chained over "TC3"+SecretKey, the UTC date,
 *   the service and "tc3_request".
 * - Error codes (错误码, https://cloud.tencent.com/document/api/382/52075): LimitExceeded.* the
 *   frequency limits, FailedOperation.* and InvalidParameterValue.* the request's own faults,
 *   InternalError.* the service's, AuthFailure.* the credentials'.
 */
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { excerpt, hasUserinfo, NO_USERINFO, retryAfterMs, type HttpExchange, type HttpRequest } from './http-exchange.ts';
import type { SmsMessage, SmsVerdict } from './sms-gateway.ts';

export const tencentGatewayFields = {
  gateway: z.literal('tencent').describe('Tencent Cloud SMS SendSms (API 3.0), signed with TC3-HMAC-SHA256'),
  endpoint: z.url().refine((url) => !hasUserinfo(url), NO_USERINFO).default('https://sms.tencentcloudapi.com').describe('The API endpoint; tests point it at a local peer'),
  region: z.enum(['ap-guangzhou', 'ap-beijing', 'ap-nanjing']).default('ap-guangzhou').describe('X-TC-Region: the regions SendSms is offered in'),
  secretId: z.string().min(1).describe('SecretId of an API key allowed sms:SendSms'),
  secretKey: z.string().min(1).describe('Its SecretKey (masked in `clearwater config check`)'),
  smsSdkAppId: z.string().regex(/^\d+$/, 'expected the numeric SdkAppId, e.g. 1400006666').describe('SmsSdkAppId of the SMS application'),
  templateId: z.string().min(1).describe('The approved body template id, e.g. 1110'),
  templateParams: z
    .array(z.string().min(1))
    .default([])
    .describe('Names of the notice\'s SMS params in the template\'s {1}, {2}, … order: TemplateParamSet is positional'),
};

const SERVICE = 'sms';
const ALGORITHM = 'TC3-HMAC-SHA256';
const CONTENT_TYPE = 'application/json; charset=utf-8';

export interface TencentSigning {
  readonly secretId: string;
  readonly secretKey: string;
}

export interface TencentOptions extends TencentSigning {
  readonly endpoint: string;
  readonly region: string;
  readonly smsSdkAppId: string;
  readonly templateId: string;
  readonly templateParams: readonly string[];
  readonly timeoutMs: number;
}

/** The signed SendSms request, or why there is none (a template parameter the notice lacks). */
export function tencentRequest(options: TencentOptions, message: SmsMessage, at: number): HttpRequest | { readonly refused: string } {
  const missing = options.templateParams.filter((name) => message.params[name] === undefined);
  if (missing.length > 0) return { refused: `the notice has no SMS param ${missing.join(', ')} for Tencent template ${options.templateId}` };
  const body = JSON.stringify({
    PhoneNumberSet: [message.phone],
    SmsSdkAppId: options.smsSdkAppId,
    SignName: message.signName,
    TemplateId: options.templateId,
    TemplateParamSet: options.templateParams.map((name) => message.params[name] ?? ''),
    ...(Buffer.byteLength(message.deliveryKey) < 512 ? { SessionContext: message.deliveryKey } : {}),
  });
  const endpoint = new URL(options.endpoint);
  const timestamp = Math.floor(at / 1000);
  const authorization = tc3Authorization(options, { host: endpoint.host, contentType: CONTENT_TYPE, body, timestamp, service: SERVICE });
  return {
    url: endpoint.href,
    method: 'POST',
    headers: {
      authorization,
      'content-type': CONTENT_TYPE,
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-timestamp': String(timestamp),
      'x-tc-region': options.region,
    },
    body,
    timeoutMs: options.timeoutMs,
  };
}

export interface Tc3Parts {
  readonly host: string;
  readonly contentType: string;
  readonly body: string;
  /** X-TC-Timestamp, Unix seconds. */
  readonly timestamp: number;
  readonly service: string;
}

/** `TC3-HMAC-SHA256 Credential=…/date/service/tc3_request, SignedHeaders=content-type;host, Signature=…`. */
export function tc3Authorization(signing: TencentSigning, parts: Tc3Parts): string {
  // The date is UTC: a local date signs wrongly from 00:00 to 08:00 in China (签名方法 v3, note 1).
  const date = new Date(parts.timestamp * 1000).toISOString().slice(0, 10);
  const scope = `${date}/${parts.service}/tc3_request`;
  const canonicalRequest = ['POST', '/', '', `content-type:${parts.contentType}\nhost:${parts.host}\n`, 'content-type;host', sha256(parts.body)].join('\n');
  const stringToSign = [ALGORITHM, String(parts.timestamp), scope, sha256(canonicalRequest)].join('\n');
  const secretDate = hmac(`TC3${signing.secretKey}`, date);
  const secretService = hmac(secretDate, parts.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  return `${ALGORITHM} Credential=${signing.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function hmac(key: string | Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

const MINUTE = 60 * 1000;

/** Frequency limits: how long each lasts ('day': the number is refused for the rest of its day). */
const LIMITS: readonly [RegExp, number | 'day'][] = [
  [/^LimitExceeded\.PhoneNumberThirtySecondLimit$/, 30 * 1000],
  [/^LimitExceeded\.PhoneNumberOneHourLimit$/, 60 * MINUTE],
  [/^LimitExceeded\.PhoneNumber(SameContent)?DailyLimit$/, 'day'],
  [/^LimitExceeded\.App.*DailyLimit$/, 'day'],
  [/^LimitExceeded\.DeliveryFrequencyLimit$/, 10 * MINUTE],
  [/^RequestLimitExceeded/, 1000],
];
/** The service's trouble, or our clock more than five minutes off (AuthFailure.SignatureExpire). */
const TRANSIENT = /^(InternalError|ResourceUnavailable)|^AuthFailure\.SignatureExpire$/;

/**
 * The answer as a verdict: a SendStatusSet entry with Code "Ok" delivered (Fee: messages billed);
 * LimitExceeded.* and RequestLimitExceeded throttled; InternalError.*, 5xx and no answer
 * transient; the rest (bad number, template, signature, balance, credentials) permanent.
 */
export function classifyTencent(answer: HttpExchange, now: number): SmsVerdict {
  if (answer.kind === 'network') return { ok: false, failure: 'transient', reason: `Tencent Cloud SMS: ${answer.reason}` };
  const response = parseResponse(answer.text);
  if (response === undefined) return byStatus(answer, now);
  const status = response.status;
  const code = response.error?.Code ?? status?.Code;
  const message = response.error?.Message ?? status?.Message;
  if (code === undefined) return byStatus(answer, now);
  if (code === 'Ok' && response.error === undefined) {
    return { ok: true, detail: `SerialNo ${status?.SerialNo ?? '?'}`, ...(typeof status?.Fee === 'number' ? { billed: status.Fee } : {}) };
  }
  const reason = `Tencent Cloud SMS ${code}${message ? `: ${message}` : ''}`;
  for (const [pattern, wait] of LIMITS) {
    if (!pattern.test(code)) continue;
    return wait === 'day' ? { ok: false, failure: 'throttled', reason, numberAtDailyLimit: true } : { ok: false, failure: 'throttled', reason, retryAfterMs: wait };
  }
  if (code.startsWith('LimitExceeded.') && code !== 'LimitExceeded.PhoneNumberCountLimit') return { ok: false, failure: 'throttled', reason, retryAfterMs: 10 * MINUTE };
  if (TRANSIENT.test(code) || answer.status >= 500) return { ok: false, failure: 'transient', reason };
  return { ok: false, failure: 'permanent', reason };
}

function byStatus(answer: Extract<HttpExchange, { kind: 'answer' }>, now: number): SmsVerdict {
  const reason = `Tencent Cloud SMS: HTTP ${answer.status} ${excerpt(answer.text)}`.trim();
  if (answer.status === 429) return { ok: false, failure: 'throttled', reason, retryAfterMs: retryAfterMs(answer.headers.get('retry-after'), now) ?? MINUTE };
  if (answer.status >= 500 || answer.status === 408) return { ok: false, failure: 'transient', reason };
  return { ok: false, failure: 'permanent', reason: answer.status < 300 ? `${reason} (no Code in the answer)` : reason };
}

interface SendStatus {
  Code?: string;
  Message?: string;
  SerialNo?: string;
  Fee?: number;
}

function parseResponse(text: string): { error?: { Code?: string; Message?: string }; status?: SendStatus } | undefined {
  try {
    const value = JSON.parse(text) as { Response?: { Error?: { Code?: string; Message?: string }; SendStatusSet?: SendStatus[] } };
    const response = value?.Response;
    if (typeof response !== 'object' || response === null) return undefined;
    return { error: response.Error, status: Array.isArray(response.SendStatusSet) ? response.SendStatusSet[0] : undefined };
  } catch {
    return undefined;
  }
}
