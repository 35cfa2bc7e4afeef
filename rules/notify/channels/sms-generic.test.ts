import { describe, expect, it } from 'vitest';
import type { HttpExchange } from './http-exchange.ts';
import { classifyGeneric, genericRequest, unknownPlaceholders } from './sms-generic.ts';

const options = {
  url: 'http://127.0.0.1:8080/send',
  method: 'POST' as const,
  headers: { Authorization: 'Bearer {{token}}' },
  token: 't0k',
  body: { to: '{{phone}}', content: '【{{signName}}】{{text}}', vars: { site: '{{param.site}}' }, ref: '{{deliveryKey}}', priority: 1 },
  phoneFormat: 'national' as const,
  timeoutMs: 1000,
};
const message = { phone: '+8613800000001', signName: '清水供水', text: '通门村 "黄水" 请勿饮用', params: { site: '通门村' }, deliveryKey: '42:7:sms' };

describe('genericRequest', () => {
  it('fills the placeholders inside the JSON strings, quotes escaped, other values kept', () => {
    const request = genericRequest(options, message);
    if ('refused' in request) throw new Error(request.refused);
    expect(JSON.parse(request.body ?? '')).toEqual({ to: '13800000001', content: '【清水供水】通门村 "黄水" 请勿饮用', vars: { site: '通门村' }, ref: '42:7:sms', priority: 1 });
    expect(request.headers).toMatchObject({ Authorization: 'Bearer t0k', 'content-type': 'application/json; charset=utf-8' });
  });

  it('refuses a notice without a param the template names', () => {
    expect(genericRequest({ ...options, body: { v: '{{param.value}}' } }, message)).toEqual({ refused: "the notice has no param.value for the generic SMS gateway's template" });
  });
});

describe('unknownPlaceholders', () => {
  it.each([
    ['all known', { headers: { A: '{{token}}' }, body: { a: '{{phone}} {{ text }} {{param.x}}' }, token: 't' }, []],
    ['a typo', { headers: {}, body: ['{{phnoe}}'] }, ['phnoe']],
    ['{{token}} without a token', { headers: { A: 'Bearer {{token}}' }, body: {} }, ['token']],
  ])('%s', (_, config, unknown) => {
    expect(unknownPlaceholders(config)).toEqual(unknown);
  });
});

const answer = (status: number, text: string, headers: Record<string, string> = {}): HttpExchange => ({ kind: 'answer', status, headers: new Headers(headers), text });

describe('classifyGeneric', () => {
  it.each([
    ['2xx', answer(202, ''), undefined, { ok: true }],
    ['2xx with the ok field', answer(200, '{"result":{"code":0}}'), { field: 'result.code', equals: '0' }, { ok: true, detail: 'result.code 0' }],
    ['2xx with another code', answer(200, '{"result":{"code":1003,"msg":"余额不足"}}'), { field: 'result.code', equals: 0 }, { failure: 'permanent' }],
    ['429 with Retry-After', answer(429, 'slow down', { 'retry-after': '30' }), undefined, { failure: 'throttled', retryAfterMs: 30_000 }],
    ['503', answer(503, ''), undefined, { failure: 'transient' }],
    ['408', answer(408, ''), undefined, { failure: 'transient' }],
    ['401', answer(401, 'bad token'), undefined, { failure: 'permanent', reason: 'SMS gateway: HTTP 401 bad token' }],
    ['no answer', { kind: 'network', reason: 'fetch failed: connect ECONNREFUSED' } as HttpExchange, undefined, { failure: 'transient' }],
  ])('%s', (_, given, okWhen, expected) => {
    expect(classifyGeneric(given, 0, okWhen)).toMatchObject(expected);
  });
});
