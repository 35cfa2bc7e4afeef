import { describe, expect, it } from 'vitest';
import type { HttpExchange } from './http-exchange.ts';
import { acs3Authorization, aliyunRequest, canonicalQuery, classifyAliyun } from './sms-aliyun.ts';
import { smsChannelSchema } from './sms.ts';

describe('acs3Authorization', () => {
  it('matches the known answer of Alibaba\'s own SDK (aliyun/darabonba-openapi-util, ts/test/client.spec.ts, "getAuthorization should ok")', () => {
    // Its request: GET, no path, query {test: ok, empty: ""}, x-acs-test sent twice (http, https: one line, values sorted).
    const authorization = acs3Authorization(
      { accessKeyId: 'acesskey', accessKeySecret: 'secret' },
      { method: 'GET', canonicalUri: '', query: { test: 'ok', empty: '' }, headers: { 'x-acs-test': 'http,https' }, hashedPayload: '55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23' },
    );
    expect(authorization).toBe('ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=da772425f29289d3460d5fc961455d40c5e8c6afd0888b78a910c991e6a14846');
  });

  it('signs host, content-type and x-acs-* only, lowercase and sorted', () => {
    const authorization = acs3Authorization(
      { accessKeyId: 'id', accessKeySecret: 's' },
      { method: 'POST', canonicalUri: '/', query: {}, headers: { 'X-Acs-Version': 'v', Host: 'h', 'User-Agent': 'x', 'x-acs-action': 'a' }, hashedPayload: '' },
    );
    expect(authorization).toMatch(/SignedHeaders=host;x-acs-action;x-acs-version,/);
  });
});

describe('canonicalQuery', () => {
  it.each([
    ['sorted by name', { b: '2', a: '1' }, 'a=1&b=2'],
    ['RFC 3986: space as %20, *!\'() encoded, ~ kept', { k: 'a b*!\'()~' }, 'k=a%20b%2A%21%27%28%29~'],
    ['UTF-8 Chinese and JSON', { TemplateParam: '{"site":"通门"}' }, 'TemplateParam=%7B%22site%22%3A%22%E9%80%9A%E9%97%A8%22%7D'],
  ])('%s', (_, query, expected) => {
    expect(canonicalQuery(query)).toBe(expected);
  });
});

describe('aliyunRequest', () => {
  const options = { endpoint: 'http://127.0.0.1:8080', accessKeyId: 'LTAI', accessKeySecret: 's', templateCode: 'SMS_1', timeoutMs: 1000 };
  const message = { phone: '+8613800000001', signName: '清水供水', text: 't', params: { site: '通门村', value: '4.2' }, deliveryKey: 'k' };

  it('with templateParams, sends only the template\'s variables, and refuses a notice that lacks one', () => {
    const request = aliyunRequest({ ...options, templateParams: ['site'] }, message, 0, 'n');
    if ('refused' in request) throw new Error(request.refused);
    expect(new URL(request.url).searchParams.get('TemplateParam')).toBe('{"site":"通门村"}');
    expect(aliyunRequest({ ...options, templateParams: ['site', 'advice'] }, message, 0, 'n')).toEqual({ refused: 'the notice has no SMS param advice for Alibaba template SMS_1' });
  });

  it('refuses an endpoint with credentials in it', () => {
    const parsed = smsChannelSchema.safeParse({ gateway: 'aliyun', endpoint: 'https://id:secret@dysmsapi.aliyuncs.com', accessKeyId: 'a', accessKeySecret: 'b', signName: 's', templateCode: 'SMS_1' });
    expect(parsed.error?.issues[0]?.message).toBe('put credentials in their own field, not in the URL');
  });

  it('is a POST with the SendSms parameters in the query, an empty body and the x-acs-* headers', () => {
    const request = aliyunRequest(
      { endpoint: 'http://127.0.0.1:8080', accessKeyId: 'LTAI', accessKeySecret: 's', templateCode: 'SMS_1', timeoutMs: 1000 },
      { phone: '+8613800000001', signName: '清水供水', text: 't', params: { site: '通门村' }, deliveryKey: 'k' },
      Date.parse('2026-12-01T08:00:00.123Z'),
      'nonce-1',
    );
    if ('refused' in request) throw new Error(request.refused);
    const url = new URL(request.url);
    expect(url.pathname).toBe('/');
    expect(Object.fromEntries(url.searchParams)).toEqual({ PhoneNumbers: '13800000001', SignName: '清水供水', TemplateCode: 'SMS_1', TemplateParam: '{"site":"通门村"}' });
    expect(request.body).toBeUndefined();
    expect(request.headers).toMatchObject({ 'x-acs-action': 'SendSms', 'x-acs-version': '2017-05-25', 'x-acs-date': '2026-12-01T08:00:00Z', 'x-acs-signature-nonce': 'nonce-1' });
    expect(request.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAI,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/);
  });
});

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): HttpExchange => ({
  kind: 'answer',
  status,
  headers: new Headers(headers),
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
const NOW = Date.parse('2026-12-01T08:00:00Z');

describe('classifyAliyun', () => {
  it.each([
    ['OK', answer(200, { Code: 'OK', Message: 'OK', BizId: '9006197469364984^0', RequestId: 'r' }), { ok: true, detail: 'BizId 9006197469364984^0' }],
    ['the day limit: the number is blocked for its window', answer(200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发天级流控Permits:50' }), { failure: 'throttled', numberAtDailyLimit: true }],
    ['the hour limit: an hour', answer(200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发小时级流控Permits:5' }), { failure: 'throttled', retryAfterMs: 3_600_000 }],
    ['the minute limit: a minute', answer(200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发分钟级流控Permits:1' }), { failure: 'throttled', retryAfterMs: 60_000 }],
    ['business limit without a window: ten minutes', answer(200, { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '业务限流' }), { failure: 'throttled', retryAfterMs: 600_000 }],
    ['isv.DAY_LIMIT_CONTROL', answer(200, { Code: 'isv.DAY_LIMIT_CONTROL', Message: '触发日发送限额' }), { failure: 'throttled', numberAtDailyLimit: true }],
    ['API throttling', answer(400, { Code: 'Throttling.User', Message: 'Request was denied due to user flow control.' }), { failure: 'throttled' }],
    ['system error', answer(200, { Code: 'isp.SYSTEM_ERROR', Message: 'isp.SYSTEM_ERROR' }), { failure: 'transient' }],
    ['a nonce used twice', answer(400, { Code: 'SignatureNonceUsed', Message: 'Specified signature nonce was used already.' }), { failure: 'transient' }],
    ['our clock off by more than 15 min', answer(400, { Code: 'InvalidTimeStamp.Expired', Message: 'Specified time stamp or date value is expired.' }), { failure: 'transient' }],
    ['bad number', answer(200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号' }), { failure: 'permanent', reason: 'Alibaba Cloud SMS isv.MOBILE_NUMBER_ILLEGAL: 非法手机号' }],
    ['bad template', answer(200, { Code: 'isv.SMS_TEMPLATE_ILLEGAL', Message: '该账号下找不到对应模板' }), { failure: 'permanent' }],
    ['bad signature name', answer(200, { Code: 'isv.SMS_SIGNATURE_ILLEGAL', Message: '该账号下找不到对应签名' }), { failure: 'permanent' }],
    ['missing template variable', answer(200, { Code: 'isv.TEMPLATE_MISSING_PARAMETERS', Message: '模板变量缺少对应参数值' }), { failure: 'permanent' }],
    ['no balance', answer(200, { Code: 'isv.AMOUNT_NOT_ENOUGH', Message: '账户余额不足' }), { failure: 'permanent' }],
    ['wrong secret', answer(400, { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' }), { failure: 'permanent' }],
    ['an unknown code with a 5xx', answer(503, { Code: 'ServiceUnavailable.Something', Message: 'x' }), { failure: 'transient' }],
    ['5xx without a body', answer(502, '<html>Bad Gateway</html>'), { failure: 'transient' }],
    ['429 honours Retry-After', answer(429, '', { 'retry-after': '7' }), { failure: 'throttled', retryAfterMs: 7000 }],
    ['a 2xx that is not SendSms\'s', answer(200, '<html>portal</html>'), { failure: 'permanent' }],
    ['404 from a wrong endpoint', answer(404, 'not found'), { failure: 'permanent' }],
    ['no answer', { kind: 'network', reason: 'fetch failed: connect ECONNREFUSED 127.0.0.1:9' } as HttpExchange, { failure: 'transient', reason: 'Alibaba Cloud SMS: fetch failed: connect ECONNREFUSED 127.0.0.1:9' }],
  ])('%s', (_, given, expected) => {
    expect(classifyAliyun(given, NOW)).toMatchObject(expected);
  });
});
