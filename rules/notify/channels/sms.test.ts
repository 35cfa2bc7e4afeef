/**
 * The SMS channel against a local gateway peer (test/support/sms-peer.ts) on 127.0.0.1: each
 * preset's request as the vendor documents it, its signature verified by the peer with the
 * configured secret, the vendor's answers classified, the daily cap and the length rules on an
 * injected clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MASK, redact } from '../../../app/redact.ts';
import { noticeOf, villageAdmin } from '../../../test/support/channel-notices.ts';
import { aliyunAnswer, startSmsPeer, tencentAnswer, type SmsPeer } from '../../../test/support/sms-peer.ts';
import { freePort } from '../../../app/free-port.ts';
import { createSmsChannel, maskPhone, smsChannelSchema } from './sms.ts';

const SECRET = 'test-secret-0123456789';
const HOUR = 3_600_000;

let peer: SmsPeer | undefined;
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});

/** An injected clock: 09:00 in Shanghai on 1 December 2026. */
function clockAt(iso = '2026-12-01T01:00:00Z') {
  const clock = { now: Date.parse(iso) };
  return { clock, deps: { now: () => clock.now } };
}

function aliyun(url: string, extra: Record<string, unknown> = {}) {
  return { gateway: 'aliyun' as const, endpoint: url, accessKeyId: 'LTAI5tTestKeyId', accessKeySecret: SECRET, signName: '清水供水', templateCode: 'SMS_465370123', ...extra };
}

function tencent(url: string, extra: Record<string, unknown> = {}) {
  return {
    gateway: 'tencent' as const,
    endpoint: url,
    secretId: 'AKIDtestSecretId',
    secretKey: SECRET,
    smsSdkAppId: '1400006666',
    signName: '清水供水',
    templateId: '1110',
    templateParams: ['site', 'value', 'unit', 'advice', 'ack'],
    ...extra,
  };
}

describe('aliyun', () => {
  it('sends SendSms with the template params, signed: the peer verifies the signature', async () => {
    peer = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
    const { deps } = clockAt();
    const result = await createSmsChannel(aliyun(peer.url), deps).send(noticeOf());
    expect(result).toEqual({ ok: true, detail: 'BizId 900619746936498440^0, 2 segment(s)' });
    const [sms] = peer.received;
    expect(sms?.shapeProblems).toEqual([]);
    expect(sms?.signatureValid).toBe(true);
    expect(sms).toMatchObject({ phone: '13800000001', signName: '清水供水', template: 'SMS_465370123' });
    expect(sms?.params).toEqual({ site: '通门村东侧水龙头', value: '4.2', unit: 'NTU', advice: '请先放冷水数分钟，水清前勿饮用', ack: 'https://cw.example.cn/a/42?s=Zx9' });
    expect(sms?.headers['x-acs-date']).toBe('2026-12-01T01:00:00Z');
  });

  it('a wrong secret: the gateway refuses the signature, permanent', async () => {
    peer = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
    const result = await createSmsChannel(aliyun(peer.url, { accessKeySecret: 'not-the-secret' }), clockAt().deps).send(noticeOf());
    expect(peer.received[0]?.signatureValid).toBe(false);
    expect(result).toEqual({ ok: false, failure: 'permanent', reason: 'Alibaba Cloud SMS SignatureDoesNotMatch: Specified signature is not matched with our calculation.' });
  });

  it('classifies the gateway\'s answers: system error transient, bad number permanent, minute limit throttled', async () => {
    peer = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
    peer.answerNext(aliyunAnswer('isp.SYSTEM_ERROR'), aliyunAnswer('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号'), aliyunAnswer('isv.BUSINESS_LIMIT_CONTROL', '触发分钟级流控Permits:1'));
    const channel = createSmsChannel(aliyun(peer.url), clockAt().deps);
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'transient' });
    expect(await channel.send(noticeOf())).toEqual({ ok: false, failure: 'permanent', reason: 'Alibaba Cloud SMS isv.MOBILE_NUMBER_ILLEGAL: 非法手机号' });
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'throttled', retryAfterMs: 60_000 });
  });

  it('the gateway\'s day limit blocks the number for 24 h (Alibaba\'s window) without asking again', async () => {
    peer = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
    peer.answerNext(aliyunAnswer('isv.BUSINESS_LIMIT_CONTROL', '触发天级流控Permits:50'));
    const { clock, deps } = clockAt();
    const channel = createSmsChannel(aliyun(peer.url), deps);
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'throttled', retryAfterMs: 24 * HOUR });
    clock.now += HOUR;
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'throttled', retryAfterMs: 23 * HOUR });
    expect(peer.received).toHaveLength(1);
    clock.now += 23 * HOUR;
    expect(await channel.send(noticeOf())).toMatchObject({ ok: true });
  });

  it('the daily cap counts 24 h from each message by default (rolling-24h)', async () => {
    peer = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
    const { clock, deps } = clockAt();
    const channel = createSmsChannel(aliyun(peer.url, { dailyCapPerNumber: 2 }), deps);
    expect(await channel.send(noticeOf())).toMatchObject({ ok: true });
    clock.now += 2 * HOUR;
    expect(await channel.send(noticeOf())).toMatchObject({ ok: true });
    clock.now += 20 * HOUR;
    expect(await channel.send(noticeOf())).toEqual({ ok: false, failure: 'throttled', reason: 'daily cap of 2 SMS reached for +86138****0001', retryAfterMs: 2 * HOUR });
    expect(peer.received).toHaveLength(2);
  });
});

describe('tencent', () => {
  it('sends SendSms with TemplateParamSet in template order, signed: the peer verifies TC3', async () => {
    peer = await startSmsPeer({ preset: 'tencent', secret: SECRET });
    const result = await createSmsChannel(tencent(peer.url), clockAt().deps).send(noticeOf());
    expect(result).toEqual({ ok: true, detail: 'SerialNo 5000:1045710669157053657849499619, 2 segment(s)' });
    const [sms] = peer.received;
    expect(sms?.shapeProblems).toEqual([]);
    expect(sms?.signatureValid).toBe(true);
    expect(sms).toMatchObject({ phone: '+8613800000001', signName: '清水供水', template: '1110' });
    expect(sms?.params).toEqual(['通门村东侧水龙头', '4.2', 'NTU', '请先放冷水数分钟，水清前勿饮用', 'https://cw.example.cn/a/42?s=Zx9']);
    expect(sms?.json).toMatchObject({ SmsSdkAppId: '1400006666', SessionContext: '7:tongmen-admin:sms' });
  });

  it('a wrong secret: AuthFailure.SignatureFailure, permanent', async () => {
    peer = await startSmsPeer({ preset: 'tencent', secret: SECRET });
    const result = await createSmsChannel(tencent(peer.url, { secretKey: 'wrong' }), clockAt().deps).send(noticeOf());
    expect(result).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/^Tencent Cloud SMS AuthFailure\.SignatureFailure/) });
  });

  it('the daily cap ends at midnight in Shanghai (calendar-day): throttled until then, sent again after', async () => {
    peer = await startSmsPeer({ preset: 'tencent', secret: SECRET });
    const { clock, deps } = clockAt('2026-12-01T14:00:00Z'); // 22:00 in Shanghai
    const channel = createSmsChannel(tencent(peer.url, { dailyCapPerNumber: 2 }), deps);
    expect(await channel.send(noticeOf())).toMatchObject({ ok: true });
    expect(await channel.send(noticeOf())).toMatchObject({ ok: true });
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'throttled', retryAfterMs: 2 * HOUR });
    clock.now = Date.parse('2026-12-01T16:00:00Z'); // 00:00 in Shanghai
    expect(await channel.send(noticeOf())).toMatchObject({ ok: true });
    expect(peer.received).toHaveLength(3);
  });

  it('a failed send gives its slot back', async () => {
    peer = await startSmsPeer({ preset: 'tencent', secret: SECRET });
    peer.answerNext(tencentAnswer('InternalError.Timeout'));
    const channel = createSmsChannel(tencent(peer.url, { dailyCapPerNumber: 1 }), clockAt().deps);
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'transient' });
    expect(await channel.send(noticeOf())).toMatchObject({ ok: true });
  });

  it('the number\'s daily limit at Tencent: throttled until local midnight', async () => {
    peer = await startSmsPeer({ preset: 'tencent', secret: SECRET });
    peer.answerNext(tencentAnswer('LimitExceeded.PhoneNumberDailyLimit', { message: '单个手机号日下发短信条数超过设定的上限' }));
    const { deps } = clockAt('2026-12-01T10:00:00Z'); // 18:00 in Shanghai
    expect(await createSmsChannel(tencent(peer.url), deps).send(noticeOf())).toMatchObject({ ok: false, failure: 'throttled', retryAfterMs: 6 * HOUR });
  });
});

describe('generic', () => {
  it('fills the body template and the token header; okWhen reads the answer', async () => {
    peer = await startSmsPeer({ preset: 'generic' });
    const channel = createSmsChannel(
      {
        gateway: 'generic',
        url: `${peer.url}/api/sms`,
        headers: { authorization: 'Bearer {{token}}' },
        token: 'gw-token',
        body: { mobile: '{{phone}}', content: '【{{signName}}】{{text}}', site: '{{param.site}}', ref: '{{deliveryKey}}' },
        phoneFormat: 'national',
        signName: '清水供水',
        okWhen: { field: 'code', equals: 0 },
      },
      clockAt().deps,
    );
    expect(await channel.send(noticeOf())).toEqual({ ok: true, detail: 'code 0, 2 segment(s)' });
    const [sms] = peer.received;
    expect(sms?.path).toBe('/api/sms');
    expect(sms?.headers.authorization).toBe('Bearer gw-token');
    expect(sms?.json).toEqual({
      mobile: '13800000001',
      content: '【清水供水】通门村东侧水龙头浊度4.2NTU，请先放冷水数分钟，水清前勿饮用。确认：https://cw.example.cn/a/42?s=Zx9',
      site: '通门村东侧水龙头',
      ref: '7:tongmen-admin:sms',
    });
  });

  it('an unknown placeholder is a config error', () => {
    const parsed = smsChannelSchema.safeParse({ gateway: 'generic', url: 'http://gw.example', body: { to: '{{mobile}}' }, signName: '' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('unknown placeholder {{mobile}}');
  });
});

describe('length', () => {
  it('a message over maxSegments goes with its advice cut, not with a third segment', async () => {
    peer = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
    const advice = `请先放冷水数分钟，水清前勿饮用；${'如有异味请联系村管水员并等待县供水站检测结果。'.repeat(3)}`;
    const params = { site: '通门村东侧水龙头', value: '4.2', unit: 'NTU', advice, ack: 'https://cw.example.cn/a/42?s=Zx9' };
    const notice = noticeOf({ sms: { text: `${params.site}浊度${params.value}${params.unit}，${advice}。确认：${params.ack}`, params } });
    expect(await createSmsChannel(aliyun(peer.url), clockAt().deps).send(notice)).toMatchObject({ ok: true, detail: expect.stringMatching(/2 segment\(s\)$/) });
    const sent = peer.received[0]?.params as Record<string, string>;
    expect(sent.advice?.endsWith('…')).toBe(true);
    expect(sent.ack).toBe(params.ack);
    expect(`【清水供水】${params.site}浊度4.2NTU，${sent.advice}。确认：${params.ack}`.length).toBeLessThanOrEqual(134);
  });

  it('a message that cannot fit is refused before anything is sent, permanent', async () => {
    peer = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
    const ack = `https://cw.example.cn/a/42?s=${'Z'.repeat(140)}`;
    const notice = noticeOf({ sms: { text: `确认：${ack}`, params: { ack } } });
    const result = await createSmsChannel(aliyun(peer.url), clockAt().deps).send(notice);
    expect(result).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/needs 3 segments, more than maxSegments 2/) });
    expect(peer.received).toHaveLength(0);
  });
});

describe('the channel', () => {
  it('reaches a recipient with an E.164 number; its destination is the number', () => {
    const channel = createSmsChannel(aliyun('http://127.0.0.1:9'), clockAt().deps);
    expect(channel.kind).toBe('sms');
    expect(channel.reaches(villageAdmin)).toBe(true);
    expect(channel.reaches({ ...villageAdmin, phone: '13800000001' })).toBe(false);
    expect(channel.reaches({ ...villageAdmin, phone: undefined })).toBe(false);
    expect(channel.destination(villageAdmin)).toBe('+8613800000001');
  });

  it('no gateway listening: transient', async () => {
    const port = await freePort();
    const result = await createSmsChannel(aliyun(`http://127.0.0.1:${port}`), clockAt().deps).send(noticeOf());
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('a recipient without a number: permanent', async () => {
    const result = await createSmsChannel(aliyun('http://127.0.0.1:9'), clockAt().deps).send(noticeOf({ recipient: { ...villageAdmin, phone: undefined } }));
    expect(result).toEqual({ ok: false, failure: 'permanent', reason: 'tongmen-admin has no mobile number in E.164' });
  });

  it('config check masks every credential', () => {
    const shown = (config: unknown) => JSON.stringify(redact(smsChannelSchema.parse(config)));
    expect(shown(aliyun('https://dysmsapi.aliyuncs.com'))).toContain(`"accessKeySecret":"${MASK}"`);
    expect(shown(aliyun('https://dysmsapi.aliyuncs.com'))).toContain('"accessKeyId":"LTAI5tTestKeyId"');
    expect(shown(tencent('https://sms.tencentcloudapi.com'))).toContain(`"secretKey":"${MASK}"`);
    expect(shown({ gateway: 'generic', url: 'https://gw.example', token: 'gw-token', body: {}, signName: '' })).toContain(`"token":"${MASK}"`);
    for (const config of [aliyun('https://a.example'), tencent('https://t.example')]) expect(shown(config)).not.toContain(SECRET);
  });

  it('masks the middle of a number', () => {
    expect(maskPhone('+8613800000001')).toBe('+86138****0001');
  });
});
