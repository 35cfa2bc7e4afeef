import { describe, expect, it } from 'vitest';
import type { HttpExchange } from './http-exchange.ts';
import { classifyTencent, tc3Authorization, tencentRequest } from './sms-tencent.ts';

describe('tc3Authorization', () => {
  it('matches the worked example of Tencent\'s 签名方法 v3 (CVM DescribeInstances, timestamp 1551113065)', () => {
    const authorization = tc3Authorization(
      { secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE', secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE' },
      {
        host: 'cvm.tencentcloudapi.com',
        contentType: 'application/json; charset=utf-8',
        body: '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
        timestamp: 1551113065,
        service: 'cvm',
      },
    );
    expect(authorization).toBe(
      'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168',
    );
  });

  it('dates the scope in UTC: 00:44 on the 26th in China is still the 25th', () => {
    expect(tc3Authorization({ secretId: 'id', secretKey: 'k' }, { host: 'h', contentType: 'c', body: '', timestamp: 1551113065, service: 'sms' })).toContain('/2019-02-25/sms/tc3_request');
  });
});

const options = {
  endpoint: 'http://127.0.0.1:8080',
  region: 'ap-guangzhou',
  secretId: 'AKID',
  secretKey: 'k',
  smsSdkAppId: '1400006666',
  templateId: '1110',
  templateParams: ['site', 'value'],
  timeoutMs: 1000,
};
const message = { phone: '+8613800000001', signName: '清水供水', text: 't', params: { value: '4.2', site: '通门村', extra: 'x' }, deliveryKey: '42:7:sms' };

describe('tencentRequest', () => {
  it('is a JSON POST with the params in template order and the X-TC-* headers', () => {
    const request = tencentRequest(options, message, 1_764_576_000_000);
    if ('refused' in request) throw new Error(request.refused);
    expect(JSON.parse(request.body ?? '')).toEqual({
      PhoneNumberSet: ['+8613800000001'],
      SmsSdkAppId: '1400006666',
      SignName: '清水供水',
      TemplateId: '1110',
      TemplateParamSet: ['通门村', '4.2'],
      SessionContext: '42:7:sms',
    });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-tc-action': 'SendSms', 'x-tc-version': '2021-01-11', 'x-tc-timestamp': '1764576000', 'x-tc-region': 'ap-guangzhou' });
  });

  it('refuses a notice that lacks a template parameter', () => {
    expect(tencentRequest({ ...options, templateParams: ['site', 'advice'] }, message, 0)).toEqual({ refused: 'the notice has no SMS param advice for Tencent template 1110' });
  });
});

const answer = (status: number, body: unknown): HttpExchange => ({ kind: 'answer', status, headers: new Headers(), text: typeof body === 'string' ? body : JSON.stringify(body) });
const sent = (code: string, message = code) => answer(200, { Response: { SendStatusSet: [{ SerialNo: '2019:1', PhoneNumber: '+8613800000001', Fee: 2, Code: code, Message: message, IsoCode: 'CN' }], RequestId: 'r' } });
const failed = (code: string, message = code) => answer(200, { Response: { Error: { Code: code, Message: message }, RequestId: 'r' } });

describe('classifyTencent', () => {
  it.each([
    ['Ok, with what was billed', sent('Ok', 'send success'), { ok: true, detail: 'SerialNo 2019:1', billed: 2 }],
    ['30 s, same content', sent('LimitExceeded.PhoneNumberThirtySecondLimit'), { failure: 'throttled', retryAfterMs: 30_000 }],
    ['an hour', sent('LimitExceeded.PhoneNumberOneHourLimit'), { failure: 'throttled', retryAfterMs: 3_600_000 }],
    ['the number\'s day', sent('LimitExceeded.PhoneNumberDailyLimit'), { failure: 'throttled', numberAtDailyLimit: true }],
    ['same content, the day', sent('LimitExceeded.PhoneNumberSameContentDailyLimit'), { failure: 'throttled', numberAtDailyLimit: true }],
    ['the application\'s day', sent('LimitExceeded.AppDailyLimit'), { failure: 'throttled', numberAtDailyLimit: true }],
    ['a frequency policy', sent('LimitExceeded.DeliveryFrequencyLimit'), { failure: 'throttled', retryAfterMs: 600_000 }],
    ['API request rate', failed('RequestLimitExceeded'), { failure: 'throttled', retryAfterMs: 1000 }],
    ['too many numbers in one request is ours', sent('LimitExceeded.PhoneNumberCountLimit'), { failure: 'permanent' }],
    ['internal timeout', sent('InternalError.Timeout'), { failure: 'transient' }],
    ['our clock more than 5 min off', failed('AuthFailure.SignatureExpire'), { failure: 'transient' }],
    ['wrong secret', failed('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.'), { failure: 'permanent', reason: 'Tencent Cloud SMS AuthFailure.SignatureFailure: The provided credentials could not be validated.' }],
    ['bad number', sent('InvalidParameterValue.IncorrectPhoneNumber'), { failure: 'permanent' }],
    ['template not approved', sent('FailedOperation.TemplateIncorrectOrUnapproved'), { failure: 'permanent' }],
    ['signature not approved', sent('FailedOperation.SignatureIncorrectOrUnapproved'), { failure: 'permanent' }],
    ['no balance', sent('FailedOperation.InsufficientBalanceInSmsPackage'), { failure: 'permanent' }],
    ['unsubscribed number', sent('FailedOperation.PhoneNumberInBlacklist'), { failure: 'permanent' }],
    ['5xx from a proxy', answer(502, 'Bad Gateway'), { failure: 'transient' }],
    ['a 2xx that is not SendSms\'s', answer(200, '{"ok":true}'), { failure: 'permanent' }],
    ['no answer', { kind: 'network', reason: 'no answer within 1000 ms' } as HttpExchange, { failure: 'transient' }],
  ])('%s', (_, given, expected) => {
    expect(classifyTencent(given, 0)).toMatchObject(expected);
  });
});
