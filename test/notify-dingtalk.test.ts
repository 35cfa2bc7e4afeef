/**
 * Notifications end to end, against a DingTalk peer that checks signatures as DingTalk does: a
 * critical yellow-water-like ticket at a Tongmen tap reaches the village administrator's group,
 * signed, @-mentioning them, saying where, what against which limit, since when and what to do,
 * with a link to acknowledge; unacknowledged, it goes up to the township, whose official is told;
 * the ticket's API answer shows who was told, by which channel, when and with what result.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';
import { connectDevice, eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';
import { tapTurbidityPack } from '../rules/pack.fixtures.ts';

const TOKEN = 'dispatcher-token-0123456789';
const PACK = tapTurbidityPack({ title: 'Tap turbidity high (possible yellow water)', titleZh: '龙头水浑浊度超标(疑似黄水)' });

const robots = {
  'tongmen-group': { token: 'tongmen-token', secret: `SEC${randomBytes(16).toString('hex')}` },
  'county-dispatch': { token: 'county-token', secret: `SEC${randomBytes(16).toString('hex')}` },
};

let folder: string;
let peer: DingtalkPeer;
let pipeline: TestPipeline;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'clearwater-notify-'));
  await writeFile(join(folder, 'pack.yaml'), PACK);
  peer = await startDingtalkPeer({ robots });
  pipeline = await startTestPipeline(inject('influxUrl'), 'notify_dingtalk', {
    rulePacks: [join(folder, 'pack.yaml')],
    rulesTickMs: 100,
    lifecycle: { escalation: { critical: '2s' } },
    api: { tokens: [{ token: TOKEN, name: 'li.dispatcher', role: 'dispatcher' }] },
    notify: {
      channels: {
        dingtalk: { robots: Object.fromEntries(Object.entries(robots).map(([id, robot]) => [id, { webhook: peer.webhook(id), secret: robot.secret }])) },
        log: { enabled: false },
      },
      sender: { pollMs: 100 },
    },
  });
});

afterAll(async () => {
  await pipeline?.close();
  await peer?.close();
  await rm(folder, { recursive: true, force: true });
});

const messagesTo = (robot: string) => peer.accepted.filter((m) => m.robot === robot);

describe('notifications through DingTalk', () => {
  it('tells the village administrator, then the township when nobody acknowledges, and shows it on the ticket', async () => {
    const device = await connectDevice(pipeline.mqttUrl, 'tongmen-tap-wq');
    await device.publishAsync('water/tongmen-tap/tongmen-tap-wq/telemetry', JSON.stringify({ ts: Date.now() - 1000, readings: { turbidity: 5.2 } }), { qos: 1 });
    await device.endAsync();

    const [opened] = await eventually(() => (messagesTo('tongmen-group').length >= 1 ? messagesTo('tongmen-group') : undefined), 10_000, 'the village administrator\'s message');
    const text = opened!.body.markdown?.text ?? '';
    expect(opened!.body.markdown?.title).toMatch(/^【严重】/);
    expect(text).toContain('浊度 5.2 NTU');
    expect(text).toContain('GB 5749-2022 Table 1, turbidity ≤ 1 NTU');
    expect(text).toContain('暂停饮用自来水'); // what to do
    expect(text).toMatch(/\[在手机上确认收到\]\(http:\/\/127\.0\.0\.1:\d+\/ack\/[\w-]+\.[\w-]+\)/);
    expect(text).toContain('@13800010100'); // the administrator, @-mentioned in the text as DingTalk needs
    expect(opened!.body.at?.atMobiles).toEqual(['13800010100']);

    // Nobody acknowledges within 2 s: the township official is told, in the same township group.
    const escalated = await eventually(() => messagesTo('tongmen-group').find((m) => m.body.markdown?.title?.startsWith('【上报乡镇】')), 10_000, 'the township official\'s message');
    expect(escalated.body.at?.atMobiles).toEqual(['13800010200']);

    const { tickets } = (await (await fetch(`${pipeline.http}/api/tickets?state=all`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { tickets: { id: number }[] };
    const answer = (await (await fetch(`${pipeline.http}/api/tickets/${tickets[0]!.id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { deliveries: { recipient: string; channel: string; kind: string; state: string; sentAt: number | null }[] };
    const told = answer.deliveries.filter((d) => d.state === 'sent').map((d) => [d.recipient, d.channel, d.kind]);
    expect(told.slice(0, 2)).toEqual([
      ['tongmen-admin', 'dingtalk', 'opened'],
      ['tongmen-official', 'dingtalk', 'escalated'],
    ]);
    expect(answer.deliveries.every((d) => d.state !== 'sent' || typeof d.sentAt === 'number')).toBe(true);
    expect(await metric(pipeline.http, 'clearwater_notify_sent{channel="dingtalk"}', TOKEN)).toBeGreaterThanOrEqual(2);
  });
});
