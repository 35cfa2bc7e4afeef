/**
 * The DingTalk channel against a peer that checks what DingTalk checks (test/support/dingtalk-peer.ts):
 * signature and timestamp on its own clock, keyword, body size, rate limit, tokens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../app/free-port.ts';
import { startDingtalkPeer, type DingtalkPeer, type PeerRobot } from '../../../test/support/dingtalk-peer.ts';
import type { Channel, Notice } from '../channel.ts';
import { notice, villageAdmin } from '../notice.fixtures.ts';
import { classifyDingtalkAnswer, createDingtalkChannel, dingtalkChannelSchema } from './dingtalk.ts';
import { utf8Bytes } from './dingtalk-message.ts';

const THROTTLE_MS = 600_000;

describe('classifyDingtalkAnswer', () => {
  const dingtalk = (errcode: number, errmsg = '') => ({ kind: 'answer' as const, status: 200, text: JSON.stringify({ errcode, errmsg }) });
  it.each([
    ['errcode 0', dingtalk(0, 'ok'), { ok: true, detail: 'ok' }],
    ['130101 send too fast', dingtalk(130101, 'send too fast, exceed 20 times per minute'), { ok: false, failure: 'throttled', retryAfterMs: THROTTLE_MS }],
    ['310000 security settings', dingtalk(310000, 'sign not match'), { ok: false, failure: 'permanent' }],
    ['300001 unknown token', dingtalk(300001, 'token is not exist'), { ok: false, failure: 'permanent' }],
    ['400402 no markdown title', dingtalk(400402), { ok: false, failure: 'permanent' }],
    ['460101 body too large', dingtalk(460101), { ok: false, failure: 'permanent' }],
    ['-1 system busy', dingtalk(-1, '系统繁忙'), { ok: false, failure: 'transient' }],
    ['another errcode', dingtalk(400013, 'group dissolved'), { ok: false, failure: 'permanent', reason: 'errcode 400013: group dissolved' }],
    ['HTTP 503 with Retry-After', { kind: 'answer' as const, status: 503, retryAfterMs: 30_000, text: '' }, { ok: false, failure: 'transient', retryAfterMs: 30_000 }],
    ['HTTP 502', { kind: 'answer' as const, status: 502, text: '' }, { ok: false, failure: 'transient' }],
    ['HTTP 429', { kind: 'answer' as const, status: 429, text: '' }, { ok: false, failure: 'transient' }],
    ['HTTP 408', { kind: 'answer' as const, status: 408, text: '' }, { ok: false, failure: 'transient' }],
    ['HTTP 404', { kind: 'answer' as const, status: 404, text: '' }, { ok: false, failure: 'permanent' }],
    ['HTTP 302', { kind: 'answer' as const, status: 302, text: '' }, { ok: false, failure: 'permanent' }],
    ['HTTP 200, not JSON', { kind: 'answer' as const, status: 200, text: '<html>portal</html>' }, { ok: false, failure: 'transient' }],
    ['no answer', { kind: 'unreachable' as const, reason: 'connection failed: ECONNREFUSED' }, { ok: false, failure: 'transient', reason: 'connection failed: ECONNREFUSED' }],
  ])('%s', (_, answer, result) => {
    expect(classifyDingtalkAnswer(answer, THROTTLE_MS)).toMatchObject(result);
  });

  it('gives the reason DingTalk gave, and what the code means', () => {
    const result = classifyDingtalkAnswer(dingtalk(310000, 'keywords not in content'), THROTTLE_MS);
    expect(result).toMatchObject({ ok: false, failure: 'permanent' });
    expect(!result.ok && result.reason).toMatch(/^errcode 310000: keywords not in content \(refused by the robot's security settings/);
  });
});

describe('dingtalkChannelSchema', () => {
  const robot = { webhook: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SECabc' };
  it('fills the defaults', () => {
    expect(dingtalkChannelSchema.parse({ robots: { tongmen: robot } })).toEqual({ robots: { tongmen: robot }, perMinute: 20, throttleMs: 600_000, maxBodyBytes: 20_000, timeoutMs: 10_000 });
  });
  it.each([
    ['plain http to another host', { ...robot, webhook: 'http://oapi.dingtalk.com/robot/send?access_token=abc' }],
    ['no access_token', { ...robot, webhook: 'https://oapi.dingtalk.com/robot/send' }],
    ['a secret that is not a 加签 secret', { ...robot, secret: 'hunter2' }],
    ['an unknown field', { ...robot, token: 'abc' }],
  ])('refuses %s', (_, bad) => {
    expect(dingtalkChannelSchema.safeParse({ robots: { tongmen: bad } }).success).toBe(false);
  });
  it('refuses a body limit above DingTalk\'s', () => {
    expect(dingtalkChannelSchema.safeParse({ robots: {}, maxBodyBytes: 20_001 }).success).toBe(false);
  });
});

describe('the DingTalk channel against a DingTalk peer', () => {
  const secret = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  let peer: DingtalkPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  /** One clock for both sides unless a test sets them apart. */
  async function setUp(robots: Record<string, PeerRobot>, channelSecrets: Record<string, string> = {}, keywords: Record<string, string> = {}) {
    const clock = { peer: Date.UTC(2025, 5, 1, 8, 0, 0), channel: Date.UTC(2025, 5, 1, 8, 0, 0) };
    const started = await startDingtalkPeer({ robots, now: () => clock.peer });
    peer = started;
    const config = dingtalkChannelSchema.parse({
      robots: Object.fromEntries(
        Object.entries(robots).map(([id, robot]) => [id, { webhook: started.webhook(id), secret: channelSecrets[id] ?? robot.secret ?? secret, ...(keywords[id] ? { keyword: keywords[id] } : {}) }]),
      ),
    });
    const channel = createDingtalkChannel(config, { now: () => clock.channel });
    return { peer: started, channel, clock };
  }

  const send = (channel: Channel, change: Partial<Notice> = {}) => channel.send(notice(change));

  it('a signed message arrives and is accepted', async () => {
    const { peer, channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret } });
    expect(await send(channel)).toEqual({ ok: true, detail: 'ok' });
    expect(peer.accepted).toHaveLength(1);
    const [message] = peer.accepted;
    expect(message?.robot).toBe('tongmen');
    expect(message?.body).toMatchObject({ msgtype: 'markdown', markdown: { title: '【严重】桐门村3号龙头 黄水' }, msgUuid: '1042:tongmen-admin:dingtalk' });
  });

  it('an @-mention carries @<mobile> in the text, without +86', async () => {
    const { peer, channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret } });
    await send(channel);
    const body = peer.accepted[0]?.body;
    expect(body?.at).toEqual({ atMobiles: ['13800000001'], isAtAll: false });
    expect(body?.markdown?.text).toContain('@13800000001');
  });

  it('a wrong secret is refused: permanent 310000', async () => {
    const { peer, channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret } }, { tongmen: 'SECwrongwrongwrong' });
    const result = await send(channel);
    expect(result).toMatchObject({ ok: false, failure: 'permanent' });
    expect(!result.ok && result.reason).toMatch(/^errcode 310000/);
    expect(!result.ok && result.reason).not.toContain('SECwrong');
    expect(peer.accepted).toHaveLength(0);
  });

  it('a clock more than an hour off is refused: permanent 310000', async () => {
    const { peer, channel, clock } = await setUp({ tongmen: { token: 'tok-tongmen', secret } });
    clock.channel = clock.peer - 3_600_001;
    expect(await send(channel)).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/^errcode 310000: invalid timestamp/) });
    clock.channel = clock.peer - 3_599_000;
    expect(await send(channel)).toMatchObject({ ok: true });
    expect(peer.accepted).toHaveLength(1);
  });

  it('over 20 a minute: throttled for 10 minutes', async () => {
    const { peer, channel, clock } = await setUp({ tongmen: { token: 'tok-tongmen', secret } });
    expect(channel.perMinute).toBe(20);
    expect(channel.destination(villageAdmin)).toBe('tongmen');
    for (let i = 0; i < 20; i++) {
      clock.peer += 1000;
      clock.channel = clock.peer;
      expect(await send(channel, { deliveryKey: `storm-${i}` })).toMatchObject({ ok: true });
    }
    expect(await send(channel, { deliveryKey: 'storm-20' })).toEqual({
      ok: false,
      failure: 'throttled',
      reason: 'errcode 130101: send too fast, exceed 20 times per minute',
      retryAfterMs: THROTTLE_MS,
    });
    // Still refused once the minute is over, until the 10 minutes are.
    clock.peer += 120_000;
    clock.channel = clock.peer;
    expect(await send(channel, { deliveryKey: 'storm-21' })).toMatchObject({ ok: false, failure: 'throttled' });
    clock.peer += THROTTLE_MS;
    clock.channel = clock.peer;
    expect(await send(channel, { deliveryKey: 'storm-22' })).toMatchObject({ ok: true });
    expect(peer.accepted).toHaveLength(21);
  });

  it('a huge digest is cut under 20,000 bytes and accepted', async () => {
    const { peer, channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret, keyword: '水务告警' } }, {}, { tongmen: '水务告警' });
    const lines = Array.from({ length: 3000 }, (_, i) => `- 桐门村${i}号龙头 浊度 ${(1 + i / 1000).toFixed(2)} NTU：先放冷水，不要饮用`);
    const digest = notice({ kind: 'digest', rendered: { ...notice().rendered, markdown: { title: '【汇总】桐门村 3000 条', text: lines.join('\n') } } });
    expect(utf8Bytes(digest.rendered.markdown.text)).toBeGreaterThan(100_000);
    expect(await channel.send(digest)).toMatchObject({ ok: true });
    const [message] = peer.accepted;
    expect(message?.bytes).toBeLessThanOrEqual(20_000);
    expect(message?.body.markdown?.text).toMatch(/…\(另有 \d+ 行，详见控制台\)\n\n@13800000001\n\n水务告警$/);
  });

  it('a keyword the robot requires but the config lacks: permanent 310000', async () => {
    const { channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret, keyword: '水务告警' } });
    expect(await send(channel)).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/^errcode 310000: keywords not in content/) });
  });

  it('an unknown token: permanent 300001', async () => {
    const { peer, channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret } });
    const stale = createDingtalkChannel(dingtalkChannelSchema.parse({ robots: { tongmen: { webhook: `${peer.url}/robot/send?access_token=tok-reset`, secret } } }), { now: () => Date.UTC(2025, 5, 1, 8) });
    const result = await stale.send(notice());
    expect(result).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/^errcode 300001/) });
    expect(!result.ok && result.reason).not.toContain('tok-reset');
    expect(await send(channel)).toMatchObject({ ok: true });
  });

  it('HTTP 503 with Retry-After: transient after that delay', async () => {
    const { peer, channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret } });
    peer.failNext({ status: 503, headers: { 'retry-after': '45' } });
    expect(await send(channel)).toEqual({ ok: false, failure: 'transient', reason: 'HTTP 503', retryAfterMs: 45_000 });
    expect(await send(channel)).toMatchObject({ ok: true });
  });

  it('a peer that is down: transient', async () => {
    const port = await freePort();
    const channel = createDingtalkChannel(
      dingtalkChannelSchema.parse({ robots: { tongmen: { webhook: `http://127.0.0.1:${port}/robot/send?access_token=tok`, secret } }, timeoutMs: 2000 }),
      { now: () => Date.UTC(2025, 5, 1, 8) },
    );
    expect(await channel.send(notice())).toMatchObject({ ok: false, failure: 'transient', reason: expect.stringMatching(/^connection failed/) });
  });

  it('reaches only recipients with a configured robot', async () => {
    const { channel } = await setUp({ tongmen: { token: 'tok-tongmen', secret } });
    expect(channel.reaches(villageAdmin)).toBe(true);
    expect(channel.reaches({ ...villageAdmin, dingtalkRobot: 'dongqiao' })).toBe(false);
    expect(channel.reaches({ ...villageAdmin, dingtalkRobot: 'constructor' })).toBe(false);
    expect(channel.reaches({ ...villageAdmin, dingtalkRobot: undefined })).toBe(false);
    expect(await send(channel, { recipient: { ...villageAdmin, dingtalkRobot: 'dongqiao' } })).toMatchObject({ ok: false, failure: 'permanent' });
  });
});
