/**
 * One channel's failure never re-sends on another that delivered, and DingTalk falls back to SMS:
 * a critical ticket is planned for the village administrator by DingTalk and by SMS (Alibaba
 * Cloud's SendSms at a local peer that checks the request signature). The robot refuses for good
 * (a wrong signing secret: 310000): its row falls back to SMS, which already delivered this very
 * change, so the administrator gets one SMS, not two; a warning (DingTalk only) falls back and
 * arrives by SMS.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';
import { connectDevice, eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';
import { aliyunAnswer, startSmsPeer, type SmsPeer } from './support/sms-peer.ts';
import { tapTurbidityPack } from '../rules/pack.fixtures.ts';

const TOKEN = 'dispatcher-token-0123456789';
const PACK = tapTurbidityPack();
const SECRET = 'aliyun-test-secret';

let folder: string;
let dingtalk: DingtalkPeer;
let sms: SmsPeer;
let pipeline: TestPipeline;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'clearwater-fallback-'));
  await writeFile(join(folder, 'pack.yaml'), PACK);
  dingtalk = await startDingtalkPeer({ robots: { 'tongmen-group': { token: 'tongmen-token', secret: `SEC${randomBytes(16).toString('hex')}` } } });
  sms = await startSmsPeer({ preset: 'aliyun', secret: SECRET });
  pipeline = await startTestPipeline(inject('influxUrl'), 'notify_fallback', {
    rulePacks: [join(folder, 'pack.yaml')],
    api: { tokens: [{ token: TOKEN, name: 'li.dispatcher', role: 'dispatcher' }] },
    notify: {
      channels: {
        // The robot's secret is wrong: DingTalk refuses every message for good (310000).
        dingtalk: { robots: { 'tongmen-group': { webhook: dingtalk.webhook('tongmen-group'), secret: `SEC${'0'.repeat(32)}` } } },
        sms: { gateway: 'aliyun', endpoint: sms.url, accessKeyId: 'LTAI-test', accessKeySecret: SECRET, signName: '清溪供水', templateCode: 'SMS_465370123' },
        log: { enabled: false },
      },
      sender: { pollMs: 50 },
    },
  });
});

afterAll(async () => {
  await pipeline?.close();
  await dingtalk?.close();
  await sms?.close();
  await rm(folder, { recursive: true, force: true });
});

async function publish(site: string, device: string, turbidity: number): Promise<void> {
  const client = await connectDevice(pipeline.mqttUrl, device);
  await client.publishAsync(`water/${site}/${device}/telemetry`, JSON.stringify({ ts: Date.now() - 500, readings: { turbidity } }), { qos: 1 });
  await client.endAsync();
}

type Delivery = { id: number; recipient: string; channel: string; kind: string; state: string; detail: string | null };
async function deliveriesAt(site: string): Promise<Delivery[]> {
  const get = async <T>(path: string) => (await (await fetch(`${pipeline.http}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as T;
  const { tickets } = await get<{ tickets: { id: number }[] }>(`/api/tickets?state=all&site=${site}`);
  return tickets.length === 0 ? [] : (await get<{ deliveries: Delivery[] }>(`/api/tickets/${tickets[0]!.id}`)).deliveries;
}

it('never sends a change twice on SMS when DingTalk falls back to it', async () => {
  await publish('tongmen-tap', 'tongmen-tap-wq', 5.8); // critical: DingTalk and SMS
  const rows = await eventually(async () => {
    const found = await deliveriesAt('tongmen-tap');
    return found.some((d) => d.channel === 'dingtalk' && d.state === 'fallen_back') && found.some((d) => d.channel === 'sms' && d.state === 'sent') ? found : undefined;
  }, 10_000, 'the DingTalk row fallen back and the SMS sent');
  expect(rows.map((d) => [d.channel, d.state])).toEqual([
    ['dingtalk', 'fallen_back'],
    ['sms', 'sent'],
  ]);
  expect(rows[0]!.detail).toMatch(/310000/);
  expect(sms.received.filter((m) => (m.phone ?? '').endsWith('13800010100'))).toHaveLength(1);
  expect(sms.received[0]!.signatureValid).toBe(true);
});

it('sends a DingTalk-only notice by SMS when DingTalk refuses it for good', async () => {
  const before = sms.received.length;
  await publish('dongqiao-tap', 'dongqiao-tap-wq', 2.1); // warning: DingTalk only
  const rows = await eventually(async () => {
    const found = await deliveriesAt('dongqiao-tap');
    return found.some((d) => d.channel === 'sms' && d.state === 'sent') ? found : undefined;
  }, 10_000, 'the fallback SMS');
  expect(rows.map((d) => [d.recipient, d.channel, d.state])).toEqual([
    ['dongqiao-admin', 'dingtalk', 'fallen_back'],
    ['dongqiao-admin', 'sms', 'sent'],
  ]);
  expect(sms.received.length - before).toBe(1);
});

it('keeps a notice refused for good with its reason, and sends it again when a dispatcher asks', async () => {
  sms.answerNext(aliyunAnswer('isv.MOBILE_NUMBER_ILLEGAL', 'invalid mobile number'));
  await publish('xiwan-tap', 'xiwan-tap-wq', 2.2);
  const failed = await eventually(async () => (await deliveriesAt('xiwan-tap')).find((d) => d.channel === 'sms' && d.state === 'failed'), 10_000, 'the SMS refused for good');
  expect(failed.detail).toMatch(/MOBILE_NUMBER_ILLEGAL/);
  // /metrics: the notice given up on SMS, the DingTalk ones delivered or fallen back, nothing left waiting.
  const gauge = (name: string) => metric(pipeline.http, name, TOKEN);
  await eventually(async () => ((await gauge('clearwater_notify_failed{channel="sms"}')) === 1 ? true : undefined), 10_000, 'the SMS given up, in /metrics');
  expect(await gauge('clearwater_notify_sent{channel="sms"}')).toBeGreaterThanOrEqual(2);
  await eventually(async () => ((await gauge('clearwater_notify_outbox_due')) + (await gauge('clearwater_notify_outbox_in_flight')) === 0 ? true : undefined), 10_000, 'an empty outbox');
  expect(await gauge('clearwater_notify_outbox_oldest_due_seconds')).toBe(0);
  const { tickets } = (await (await fetch(`${pipeline.http}/api/tickets?state=all&site=xiwan-tap`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { tickets: { id: number }[] };
  const resend = (id: number) => fetch(`${pipeline.http}/api/tickets/${tickets[0]!.id}/deliveries/${id}/resend`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  const before = sms.received.length;
  expect((await resend(failed.id)).status).toBe(200);
  await eventually(async () => ((await deliveriesAt('xiwan-tap')).find((d) => d.id === failed.id)?.state === 'sent' ? true : undefined), 10_000, 'the SMS sent again');
  expect(sms.received.length - before).toBe(1);
  // One scrape reads the outbox once and keeps it for a second.
  await eventually(async () => ((await gauge('clearwater_notify_failed{channel="sms"}')) === 0 ? true : undefined), 10_000, 'nothing given up any more');
  expect((await resend(failed.id)).status).toBe(409); // sent now: nothing to send again
});
