/**
 * The DingTalk peer checks what DingTalk checks, here with hand-made requests (the channel never
 * sends some of them: unencoded signs, oversized bodies, missing titles).
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startDingtalkPeer, type DingtalkPeer } from './dingtalk-peer.ts';

const secret = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const T0 = 1_700_000_000_000;
const base64Sign = (timestamp: number) => createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
const markdown = (text: string, title = '告警') => JSON.stringify({ msgtype: 'markdown', markdown: { title, text } });

describe('dingtalk peer', () => {
  let peer: DingtalkPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  async function post(query: string, body: string): Promise<number> {
    const response = await fetch(`${peer?.url}/robot/send?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return ((await response.json()) as { errcode: number }).errcode;
  }
  const signed = (timestamp: number, sign = encodeURIComponent(base64Sign(timestamp))) => `access_token=tok&timestamp=${timestamp}&sign=${sign}`;

  it.each([
    ['a signed markdown message', signed(T0), markdown('水'), 0],
    ['an unknown token', `access_token=nope&timestamp=${T0}&sign=x`, markdown('水'), 300001],
    ['no sign', `access_token=tok&timestamp=${T0}`, markdown('水'), 310000],
    ['a sign computed for another timestamp', signed(T0, encodeURIComponent(base64Sign(T0 + 1))), markdown('水'), 310000],
    ['a timestamp 61 minutes behind', signed(T0 - 3_660_000), markdown('水'), 310000],
    ['a timestamp 59 minutes ahead', signed(T0 + 3_540_000), markdown('水'), 0],
    ['a body of 20,001 bytes', signed(T0), markdown('x'.repeat(20_001 - Buffer.byteLength(markdown('')))), 460101],
    ['a body of exactly 20,000 bytes', signed(T0), markdown('x'.repeat(20_000 - Buffer.byteLength(markdown('')))), 0],
    ['a markdown message without a title', signed(T0), markdown('水', ''), 400402],
    ['not JSON', signed(T0), 'msgtype=markdown', 40035],
  ])('%s → %d', async (_, query, body, errcode) => {
    peer = await startDingtalkPeer({ robots: { tongmen: { token: 'tok', secret } }, now: () => T0 });
    expect(await post(query, body)).toBe(errcode);
    expect(peer.accepted).toHaveLength(errcode === 0 ? 1 : 0);
  });

  it('refuses a sign whose + was not URL-encoded (it reads as a space)', async () => {
    let timestamp = T0;
    while (!base64Sign(timestamp).includes('+')) timestamp++;
    peer = await startDingtalkPeer({ robots: { tongmen: { token: 'tok', secret } }, now: () => timestamp });
    expect(await post(signed(timestamp, base64Sign(timestamp)), markdown('水'))).toBe(310000);
    expect(await post(signed(timestamp), markdown('水'))).toBe(0);
  });

  it('enforces the keyword in the title or the text', async () => {
    peer = await startDingtalkPeer({ robots: { tongmen: { token: 'tok', secret, keyword: '水务告警' } }, now: () => T0 });
    expect(await post(signed(T0), markdown('桐门村'))).toBe(310000);
    expect(await post(signed(T0), markdown('桐门村 水务告警'))).toBe(0);
    expect(await post(signed(T0), markdown('桐门村', '水务告警'))).toBe(0);
  });

  it('counts per robot: one robot throttled, the other not; answers are recorded', async () => {
    peer = await startDingtalkPeer({ robots: { tongmen: { token: 'tok', secret }, dongqiao: { token: 'tok2', secret } }, now: () => T0 });
    for (let i = 0; i < 20; i++) expect(await post(signed(T0), markdown(`${i}`))).toBe(0);
    expect(await post(signed(T0), markdown('21'))).toBe(130101);
    expect(await post(signed(T0).replace('access_token=tok&', 'access_token=tok2&'), markdown('1'))).toBe(0);
    expect(peer.accepted.map((m) => m.robot).filter((r) => r === 'tongmen')).toHaveLength(20);
    expect(peer.answers.at(-2)).toMatchObject({ robot: 'tongmen', status: 200, errcode: 130101 });
  });

  it('fails the next requests at the HTTP level when told', async () => {
    peer = await startDingtalkPeer({ robots: { tongmen: { token: 'tok', secret } }, now: () => T0 });
    peer.failNext({ status: 503, headers: { 'retry-after': '5' } }, 2);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${peer.url}/robot/send?${signed(T0)}`, { method: 'POST', body: markdown('水') });
      expect([response.status, response.headers.get('retry-after')]).toEqual([503, '5']);
    }
    expect(await post(signed(T0), markdown('水'))).toBe(0);
  });
});
