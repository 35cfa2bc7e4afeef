/**
 * A generic HTTP SMS gateway (a county's own SMS platform, a carrier's HTTP interface): a URL, a
 * method, headers and a JSON body template whose strings may hold placeholders. Pure.
 *
 *   {{phone}} {{text}} {{signName}} {{deliveryKey}} {{token}} {{param.<name>}}
 *
 * A placeholder is replaced inside a JSON string, so a value can never break out of it (no
 * injection through a site name). `token` is the one secret, kept in its own field so that
 * `clearwater config check` masks it (app/redact.ts masks keys named like a token); put it in a
 * header as `Authorization: Bearer {{token}}`.
 */
import { z } from 'zod';
import { excerpt, hasUserinfo, NO_USERINFO, retryAfterMs, type HttpExchange, type HttpRequest } from './http-exchange.ts';
import { nationalNumber, type SmsMessage, type SmsVerdict } from './sms-gateway.ts';

const PLACEHOLDER = /\{\{\s*([A-Za-z][\w.-]*)\s*\}\}/g;
const FIXED_NAMES = ['phone', 'text', 'signName', 'deliveryKey', 'token'];

export const genericGatewayFields = {
  gateway: z.literal('generic').describe('Any HTTP gateway: URL, method, headers and a JSON body template'),
  url: z.url().refine((url) => !hasUserinfo(url), NO_USERINFO).describe('Where to send each message'),
  method: z.enum(['POST', 'PUT', 'PATCH']).default('POST').describe('HTTP method'),
  headers: z.record(z.string(), z.string()).default({}).describe('Request headers; values may hold placeholders (Authorization: Bearer {{token}})'),
  token: z.string().optional().describe('The gateway\'s credential, for {{token}} (masked in `clearwater config check`)'),
  body: z
    .json()
    .describe('The JSON body; strings may hold {{phone}}, {{text}}, {{signName}}, {{deliveryKey}}, {{token}} and {{param.<name>}}'),
  phoneFormat: z
    .enum(['e164', 'national'])
    .default('e164')
    .describe('{{phone}} as +8613800000000 (e164) or, for mainland numbers, 13800000000 (national; others lose only the +)'),
  okWhen: z
    .object({
      field: z.string().min(1).describe('Dot path into the JSON answer, e.g. result.code'),
      equals: z.union([z.string(), z.number(), z.boolean()]).describe('The value that means accepted'),
    })
    .optional()
    .describe('For gateways that answer 200 to everything: the field that says accepted; a 2xx without it is permanent'),
};

/** Every placeholder in the headers and body names a known value: checked when the config is parsed. */
export function unknownPlaceholders(config: { headers: Record<string, string>; body: unknown; token?: string | undefined }): string[] {
  const names = new Set<string>();
  for (const value of Object.values(config.headers)) for (const match of value.matchAll(PLACEHOLDER)) names.add(match[1] ?? '');
  walkStrings(config.body, (text) => {
    for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1] ?? '');
    return text;
  });
  return [...names].filter((name) => {
    if (name === 'token') return config.token === undefined;
    return !FIXED_NAMES.includes(name) && !/^param\.[\w-]+$/.test(name);
  });
}

export interface GenericOptions {
  readonly url: string;
  readonly method: 'POST' | 'PUT' | 'PATCH';
  readonly headers: Readonly<Record<string, string>>;
  readonly token?: string | undefined;
  readonly body: unknown;
  readonly phoneFormat: 'e164' | 'national';
  readonly okWhen?: { readonly field: string; readonly equals: string | number | boolean } | undefined;
  readonly timeoutMs: number;
}

/** The request for one message, or why there is none (a {{param.x}} the notice lacks). */
export function genericRequest(options: GenericOptions, message: SmsMessage): HttpRequest | { readonly refused: string } {
  const missing = new Set<string>();
  const values: Record<string, string> = {
    phone: options.phoneFormat === 'national' ? nationalNumber(message.phone) : message.phone,
    text: message.text,
    signName: message.signName,
    deliveryKey: message.deliveryKey,
    token: options.token ?? '',
  };
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (_, name: string) => {
      const value = name.startsWith('param.') ? message.params[name.slice('param.'.length)] : values[name];
      if (value === undefined) missing.add(name);
      return value ?? '';
    });
  const body = JSON.stringify(walkStrings(options.body, fill));
  const headers = Object.fromEntries(Object.entries(options.headers).map(([name, value]) => [name, fill(value)]));
  if (missing.size > 0) return { refused: `the notice has no ${[...missing].join(', ')} for the generic SMS gateway's template` };
  return { url: options.url, method: options.method, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body, timeoutMs: options.timeoutMs };
}

/** 2xx delivered (or, with okWhen, when the field says so); 429 throttled; 408, 5xx and no answer transient; other 4xx permanent. */
export function classifyGeneric(answer: HttpExchange, now: number, okWhen?: GenericOptions['okWhen']): SmsVerdict {
  if (answer.kind === 'network') return { ok: false, failure: 'transient', reason: `SMS gateway: ${answer.reason}` };
  const reason = `SMS gateway: HTTP ${answer.status} ${excerpt(answer.text)}`.trim();
  if (answer.status >= 200 && answer.status < 300) {
    if (okWhen === undefined) return { ok: true, detail: `HTTP ${answer.status}` };
    const value = fieldOf(answer.text, okWhen.field);
    return value !== undefined && String(value) === String(okWhen.equals)
      ? { ok: true, detail: `${okWhen.field} ${String(value)}` }
      : { ok: false, failure: 'permanent', reason: `${reason} (${okWhen.field} is not ${String(okWhen.equals)})` };
  }
  if (answer.status === 429) return { ok: false, failure: 'throttled', reason, retryAfterMs: retryAfterMs(answer.headers.get('retry-after'), now) ?? 60 * 1000 };
  if (answer.status >= 500 || answer.status === 408) return { ok: false, failure: 'transient', reason };
  return { ok: false, failure: 'permanent', reason };
}

function fieldOf(text: string, path: string): unknown {
  try {
    let value: unknown = JSON.parse(text);
    for (const key of path.split('.')) {
      if (typeof value !== 'object' || value === null) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  } catch {
    return undefined;
  }
}

/** A copy of a JSON value with every string passed through `map`. */
function walkStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => walkStrings(item, map));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walkStrings(item, map)]));
  return value;
}
