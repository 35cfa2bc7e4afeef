/**
 * A local stand-in for an SMS gateway on 127.0.0.1 (an ephemeral port), for the SMS channel's
 * tests. It parses each preset's request as the vendor documents it, verifies the signature with
 * the configured secret (its own implementation of ACS3-HMAC-SHA256 and TC3-HMAC-SHA256, not the
 * channel's), keeps what it received, and answers with the vendor's bodies: success by default,
 * or the scripted answers of `answerNext`, in order. A request whose signature does not verify
 * gets the vendor's signature error whatever was scripted.
 *
 *   const peer = await startSmsPeer({ preset: 'aliyun', secret: 'test-secret' });
 *   createSmsChannel({ gateway: 'aliyun', endpoint: peer.url, accessKeySecret: 'test-secret', … }, deps);
 *   peer.answerNext(aliyunAnswer('isv.BUSINESS_LIMIT_CONTROL', '触发天级流控Permits:50'));
 *   peer.received[0].params // { site: '通门村', … }
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export type SmsPreset = 'aliyun' | 'tencent' | 'generic';

export interface ReceivedSms {
  readonly preset: SmsPreset;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** aliyun: PhoneNumbers; tencent: PhoneNumberSet[0]. */
  readonly phone?: string;
  readonly signName?: string;
  /** aliyun: TemplateCode; tencent: TemplateId. */
  readonly template?: string;
  /** aliyun: TemplateParam parsed; tencent: TemplateParamSet. */
  readonly params?: Readonly<Record<string, string>> | readonly string[];
  /** The JSON body (tencent, generic). */
  readonly json?: unknown;
  /** Whether the signature verified with the peer's secret (aliyun, tencent). */
  readonly signatureValid?: boolean;
  /** What did not match the vendor's request shape; empty when it did. */
  readonly shapeProblems: readonly string[];
}

export interface PeerAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SmsPeer {
  /** Base URL, for the channel's `endpoint` (or `url` for generic). */
  readonly url: string;
  readonly received: ReceivedSms[];
  answerNext(...answers: PeerAnswer[]): void;
  close(): Promise<void>;
}

/** Alibaba's answer with `code` (OK by default), as SendSms documents it. */
export function aliyunAnswer(code = 'OK', message = code === 'OK' ? 'OK' : code, status = 200): PeerAnswer {
  return { status, body: { Code: code, Message: message, RequestId: 'F655A8D5-B967-440B-8683-DAD6FF8DE990', ...(code === 'OK' ? { BizId: '900619746936498440^0' } : {}) } };
}

/** Tencent's answer: one SendStatus with `code` (Ok by default), or with `error` the call's Error. */
export function tencentAnswer(code = 'Ok', options: { fee?: number; error?: boolean; message?: string } = {}): PeerAnswer {
  const message = options.message ?? (code === 'Ok' ? 'send success' : code);
  const response = options.error
    ? { Error: { Code: code, Message: message }, RequestId: 'a0aabda6-cf91-4f3e-a81f-9198114a2279' }
    : {
        SendStatusSet: [{ SerialNo: '5000:1045710669157053657849499619', PhoneNumber: '+8613800000001', Fee: options.fee ?? 1, SessionContext: '', Code: code, Message: message, IsoCode: 'CN' }],
        RequestId: 'a0aabda6-cf91-4f3e-a81f-9198114a2279',
      };
  return { status: 200, body: { Response: response } };
}

export async function startSmsPeer(options: { preset: SmsPreset; secret?: string }): Promise<SmsPeer> {
  const received: ReceivedSms[] = [];
  const scripted: PeerAnswer[] = [];
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const sms = parse(options.preset, request, body, options.secret ?? '');
      received.push(sms);
      const answer = sms.signatureValid === false ? signatureError(options.preset) : (scripted.shift() ?? success(options.preset));
      response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answerNext: (...answers) => void scripted.push(...answers),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function success(preset: SmsPreset): PeerAnswer {
  if (preset === 'aliyun') return aliyunAnswer();
  if (preset === 'tencent') return tencentAnswer();
  return { status: 200, body: { code: 0, message: 'accepted' } };
}

function signatureError(preset: SmsPreset): PeerAnswer {
  return preset === 'aliyun'
    ? aliyunAnswer('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.', 400)
    : tencentAnswer('AuthFailure.SignatureFailure', { error: true, message: 'The provided credentials could not be validated. Please check your signature is correct.' });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parse(preset: SmsPreset, request: IncomingMessage, body: string, secret: string): ReceivedSms {
  const url = new URL(request.url ?? '/', 'http://peer');
  const base = { preset, method: request.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: request.headers, body };
  if (preset === 'aliyun') return parseAliyun(base, url, secret);
  const json = tryJson(body);
  if (preset === 'generic') return { ...base, json, shapeProblems: json === undefined ? ['body is not JSON'] : [] };
  return parseTencent(base, json, secret);
}

type Base = Pick<ReceivedSms, 'preset' | 'method' | 'path' | 'query' | 'headers' | 'body'>;

/** SendSms 2017-05-25 over V3: parameters in the query, x-acs-* headers, ACS3-HMAC-SHA256. */
function parseAliyun(base: Base, url: URL, secret: string): ReceivedSms {
  const problems: string[] = [];
  const header = (name: string) => String(base.headers[name] ?? '');
  if (base.method !== 'POST') problems.push(`method ${base.method}`);
  if (header('x-acs-action') !== 'SendSms') problems.push('x-acs-action is not SendSms');
  if (header('x-acs-version') !== '2017-05-25') problems.push('x-acs-version is not 2017-05-25');
  for (const name of ['PhoneNumbers', 'SignName', 'TemplateCode']) if (!base.query[name]) problems.push(`no ${name}`);
  const params = tryJson(base.query.TemplateParam ?? '{}');
  if (typeof params !== 'object' || params === null || Object.values(params).some((value) => typeof value !== 'string')) problems.push('TemplateParam is not a JSON object of strings');
  if (header('x-acs-content-sha256') !== sha256(base.body)) problems.push('x-acs-content-sha256 is not the body\'s');
  return {
    ...base,
    phone: base.query.PhoneNumbers,
    signName: base.query.SignName,
    template: base.query.TemplateCode,
    params: params as Record<string, string>,
    signatureValid: verifyAcs3(base, url, secret),
    shapeProblems: problems,
  };
}

function verifyAcs3(base: Base, url: URL, secret: string): boolean {
  const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(String(base.headers.authorization ?? ''));
  if (!match) return false;
  const names = (match[2] ?? '').split(';');
  const headers = names.map((name) => `${name}:${String(base.headers[name] ?? '').trim()}\n`).join('');
  const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...url.searchParams.keys()]
    .sort()
    .map((name) => `${encode(name)}=${encode(url.searchParams.get(name) ?? '')}`)
    .join('&');
  const canonical = `${base.method}\n${url.pathname}\n${query}\n${headers}\n${names.join(';')}\n${String(base.headers['x-acs-content-sha256'] ?? '')}`;
  const expected = createHmac('sha256', secret).update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`).digest('hex');
  return same(expected, match[3] ?? '');
}

/** SendSms 2021-01-11: a JSON body, X-TC-* headers, TC3-HMAC-SHA256 over content-type;host. */
function parseTencent(base: Base, json: unknown, secret: string): ReceivedSms {
  const problems: string[] = [];
  const header = (name: string) => String(base.headers[name] ?? '');
  if (base.method !== 'POST') problems.push(`method ${base.method}`);
  if (header('x-tc-action') !== 'SendSms') problems.push('X-TC-Action is not SendSms');
  if (header('x-tc-version') !== '2021-01-11') problems.push('X-TC-Version is not 2021-01-11');
  if (!header('x-tc-region')) problems.push('no X-TC-Region');
  const request = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const phones = request.PhoneNumberSet;
  const params = request.TemplateParamSet ?? [];
  if (!Array.isArray(phones) || phones.length !== 1) problems.push('PhoneNumberSet is not one number');
  if (!Array.isArray(params) || params.some((value) => typeof value !== 'string')) problems.push('TemplateParamSet is not strings');
  for (const name of ['SmsSdkAppId', 'TemplateId', 'SignName']) if (typeof request[name] !== 'string') problems.push(`no ${name}`);
  return {
    ...base,
    json,
    phone: Array.isArray(phones) ? String(phones[0]) : undefined,
    signName: typeof request.SignName === 'string' ? request.SignName : undefined,
    template: typeof request.TemplateId === 'string' ? request.TemplateId : undefined,
    params: Array.isArray(params) ? (params as string[]) : [],
    signatureValid: verifyTc3(base, secret),
    shapeProblems: problems,
  };
}

function verifyTc3(base: Base, secret: string): boolean {
  const match = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$/.exec(String(base.headers.authorization ?? ''));
  if (!match) return false;
  const [, , date = '', service = '', signed = '', signature = ''] = match;
  const timestamp = Number(base.headers['x-tc-timestamp']);
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) return false;
  const names = signed.split(';');
  const headers = names.map((name) => `${name}:${String(base.headers[name] ?? '').trim().toLowerCase()}\n`).join('');
  const canonical = `POST\n/\n\n${headers}\n${signed}\n${sha256(base.body)}`;
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/${service}/tc3_request\n${sha256(canonical)}`;
  const key = [date, service, 'tc3_request'].reduce<Buffer | string>((k, part) => createHmac('sha256', k).update(part).digest(), `TC3${secret}`);
  return same(createHmac('sha256', key).update(toSign).digest('hex'), signature);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function same(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
