/**
 * Alibaba Cloud SMS (Dysmsapi 2017-05-25) `SendSms`: the request, signed with the V3 scheme
 * (ACS3-HMAC-SHA256), and the classification of its answer. Pure.
 *
 * - SendSms (https://help.aliyun.com/document_detail/55284.html): PhoneNumbers (mainland numbers
 *   with no prefix, or 国际区号+号码), SignName, TemplateCode, TemplateParam (a JSON object of
 *   string values); the answer is `{"Code":"OK","Message":"OK","BizId":…,"RequestId":…}`.
 * - Signature V3 (请求体&签名机制 V3,
 *   https://help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature). The V2
 *   RPC scheme (HMAC-SHA1, SignatureVersion 1.0) is marked discontinued there, so V3 it is:
 *   CanonicalRequest = method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
 *   SignedHeaders \n hex(sha256(body)); StringToSign = "ACS3-HMAC-SHA256" \n
 *   hex(sha256(CanonicalRequest)); Signature = hex(HMAC-SHA256(AccessKeySecret, StringToSign));
 *   signed headers are host, content-type and every x-acs-* header, lowercase and sorted.
 *   RPC parameters travel in the query string, the body stays empty.
 * - Error codes (短信服务, 开发参考, API 错误码; in English "API Error Message",
 *   https://www.alibabacloud.com/help/doc-detail/73694.htm): isv.BUSINESS_LIMIT_CONTROL 业务限流,
 *   whose Message names the window ("触发分钟级流控Permits:1", "触发小时级流控Permits:5",
 *   "触发天级流控Permits:50"), isp.SYSTEM_ERROR, isv.MOBILE_NUMBER_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL,
 *   isv.SMS_SIGNATURE_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS, isv.AMOUNT_NOT_ENOUGH, …
 */
import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import { excerpt, hasUserinfo, NO_USERINFO, retryAfterMs, type HttpExchange, type HttpRequest } from './http-exchange.ts';
import { nationalNumber, type SmsMessage, type SmsVerdict } from './sms-gateway.ts';

export const aliyunGatewayFields = {
  gateway: z.literal('aliyun').describe('Alibaba Cloud SMS (Dysmsapi) SendSms, signed with ACS3-HMAC-SHA256'),
  endpoint: z.url().refine((url) => !hasUserinfo(url), NO_USERINFO).default('https://dysmsapi.aliyuncs.com').describe('The API endpoint; tests point it at a local peer'),
  accessKeyId: z.string().min(1).describe('AccessKey ID of a RAM user allowed dysms:SendSms'),
  accessKeySecret: z.string().min(1).describe('Its AccessKey secret (masked in `clearwater config check`)'),
  templateCode: z.string().min(1).describe('The approved notification template, e.g. SMS_465370123; its variables are the notice\'s SMS params'),
  templateParams: z
    .array(z.string().min(1))
    .optional()
    .describe('The template\'s variables, when it uses only some of the notice\'s SMS params; unset: all of them go in TemplateParam'),
};

const ALGORITHM = 'ACS3-HMAC-SHA256';
const ACTION = 'SendSms';
const VERSION = '2017-05-25';
/** sha256 of the empty body. */
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

export interface AliyunSigning {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export interface AliyunOptions extends AliyunSigning {
  readonly endpoint: string;
  readonly templateCode: string;
  readonly templateParams?: readonly string[] | undefined;
  readonly timeoutMs: number;
}

/**
 * The signed SendSms request for one message, or why there is none (a template variable the
 * notice lacks); `nonce` makes each request unique (replay protection).
 */
export function aliyunRequest(options: AliyunOptions, message: SmsMessage, at: number, nonce: string): HttpRequest | { readonly refused: string } {
  const names = options.templateParams ?? Object.keys(message.params);
  const missing = names.filter((name) => message.params[name] === undefined);
  if (missing.length > 0) return { refused: `the notice has no SMS param ${missing.join(', ')} for Alibaba template ${options.templateCode}` };
  const endpoint = new URL(options.endpoint);
  const query: Record<string, string> = {
    PhoneNumbers: nationalNumber(message.phone),
    SignName: message.signName,
    TemplateCode: options.templateCode,
    TemplateParam: JSON.stringify(Object.fromEntries(names.map((name) => [name, message.params[name] ?? '']))),
  };
  const headers: Record<string, string> = {
    'x-acs-action': ACTION,
    'x-acs-version': VERSION,
    'x-acs-date': new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    'x-acs-signature-nonce': nonce,
    'x-acs-content-sha256': EMPTY_SHA256,
  };
  // host is signed as fetch will send it (with the port of a non-default endpoint), not set by hand.
  const path = endpoint.pathname.endsWith('/') ? endpoint.pathname : `${endpoint.pathname}/`;
  const authorization = acs3Authorization(options, { method: 'POST', canonicalUri: path, query, headers: { host: endpoint.host, ...headers }, hashedPayload: EMPTY_SHA256 });
  return {
    url: `${endpoint.origin}${path}?${canonicalQuery(query)}`,
    method: 'POST',
    headers: { ...headers, authorization },
    timeoutMs: options.timeoutMs,
  };
}

export interface CanonicalParts {
  readonly method: string;
  readonly canonicalUri: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names in any case; only host, content-type and x-acs-* are signed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly hashedPayload: string;
}

/** `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…` for the request. */
export function acs3Authorization(signing: AliyunSigning, parts: CanonicalParts): string {
  const signed = signedHeaders(parts.headers);
  const names = signed.map(([name]) => name).join(';');
  const canonicalHeaders = signed.map(([name, value]) => `${name}:${value}\n`).join('');
  const canonicalRequest = [parts.method, parts.canonicalUri, canonicalQuery(parts.query), canonicalHeaders, names, parts.hashedPayload].join('\n');
  const stringToSign = `${ALGORITHM}\n${createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')}`;
  const signature = createHmac('sha256', signing.accessKeySecret).update(stringToSign, 'utf8').digest('hex');
  return `${ALGORITHM} Credential=${signing.accessKeyId},SignedHeaders=${names},Signature=${signature}`;
}

function signedHeaders(headers: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value.trim()])
    .filter(([name]) => name === 'host' || name === 'content-type' || name.startsWith('x-acs-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Parameters sorted by name, names and values percent-encoded (RFC 3986 unreserved kept); an empty value leaves the bare name. */
export function canonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort()
    .map((name) => {
      const value = query[name] ?? '';
      return value === '' ? percentEncode(name) : `${percentEncode(name)}=${percentEncode(value)}`;
    })
    .join('&');
}

export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Per-number frequency control and account-wide flow control: the destination refuses for a while. */
const THROTTLED = new Set(['isv.BUSINESS_LIMIT_CONTROL', 'isv.DAY_LIMIT_CONTROL', 'Throttling', 'Throttling.User', 'Throttling.Api', 'ServiceUnavailable.Throttling']);
/** The service's own trouble, a nonce collision, or our clock drifting more than 15 min (x-acs-date): a later try, freshly signed, may pass. */
const TRANSIENT = new Set(['isp.SYSTEM_ERROR', 'isp.GATEWAY_ERROR', 'isp.UNKNOWN', 'isv.DATA_NOT_EXIST', 'InternalError', 'ServiceUnavailable', 'SignatureNonceUsed', 'InvalidTimeStamp.Expired']);

/**
 * The answer as a verdict: `Code: "OK"` delivered; rate limits throttled (a day limit blocks the
 * number for the rest of the window); service errors, 5xx and no answer transient; every other
 * code (bad number, template, signature, parameters, balance, permission) permanent.
 */
export function classifyAliyun(answer: HttpExchange, now: number): SmsVerdict {
  if (answer.kind === 'network') return { ok: false, failure: 'transient', reason: `Alibaba Cloud SMS: ${answer.reason}` };
  const body = parseAnswer(answer.text);
  const code = body?.Code;
  if (code === undefined) return byStatus(answer, now);
  const said = `Alibaba Cloud SMS ${code}${body?.Message ? `: ${body.Message}` : ''}`;
  if (code === 'OK' && answer.status >= 200 && answer.status < 300) return { ok: true, detail: `BizId ${body?.BizId ?? '?'}` };
  if (THROTTLED.has(code)) return throttled(said, body?.Message ?? '');
  if (TRANSIENT.has(code) || answer.status >= 500) return { ok: false, failure: 'transient', reason: said };
  return { ok: false, failure: 'permanent', reason: said };
}

/**
 * isv.BUSINESS_LIMIT_CONTROL names its window in the message (触发分钟级流控 / 小时级 / 天级):
 * wait a minute, an hour, or block the number for the day; unnamed: ten minutes.
 */
function throttled(reason: string, message: string): SmsVerdict {
  if (/天级|\bday\b|daily|DAY_LIMIT/i.test(message) || reason.includes('DAY_LIMIT_CONTROL')) return { ok: false, failure: 'throttled', reason, numberAtDailyLimit: true };
  if (/小时级|\bhour/i.test(message)) return { ok: false, failure: 'throttled', reason, retryAfterMs: 60 * 60 * 1000 };
  if (/分钟级|\bminute/i.test(message)) return { ok: false, failure: 'throttled', reason, retryAfterMs: 60 * 1000 };
  return { ok: false, failure: 'throttled', reason, retryAfterMs: 10 * 60 * 1000 };
}

function byStatus(answer: Extract<HttpExchange, { kind: 'answer' }>, now: number): SmsVerdict {
  const reason = `Alibaba Cloud SMS: HTTP ${answer.status} ${excerpt(answer.text)}`.trim();
  if (answer.status === 429) return { ok: false, failure: 'throttled', reason, retryAfterMs: retryAfterMs(answer.headers.get('retry-after'), now) ?? 60 * 1000 };
  if (answer.status >= 500 || answer.status === 408) return { ok: false, failure: 'transient', reason };
  return { ok: false, failure: 'permanent', reason: answer.status < 300 ? `${reason} (no Code in the answer)` : reason };
}

function parseAnswer(text: string): { Code?: string; Message?: string; BizId?: string } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    const str = (key: string) => (typeof record[key] === 'string' ? (record[key] as string) : undefined);
    return { Code: str('Code'), Message: str('Message'), BizId: str('BizId') };
  } catch {
    return undefined;
  }
}
