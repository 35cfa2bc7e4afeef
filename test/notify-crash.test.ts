/**
 * A Clearwater process is killed with SIGKILL while it sends a notice (the ticket change is
 * committed, its outbox row claimed, the DingTalk request in flight and unanswered). After the
 * restart the notice is sent again, once its lease ran out, and the village administrator has it
 * exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { createDatabase } from '../app/local-influxd.ts';
import { startClearwater, type ClearwaterProcess } from './support/clearwater-process.ts';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';
import { connectDevice, eventually } from './support/pipeline.ts';
import { tapTurbidityPack } from '../rules/pack.fixtures.ts';

const PACK = tapTurbidityPack();
const robot = { token: 'tongmen-token', secret: `SEC${randomBytes(16).toString('hex')}` };

let dir: string | undefined;
let peer: DingtalkPeer | undefined;
const processes: ClearwaterProcess[] = [];
afterAll(async () => {
  for (const p of processes) await p.kill('SIGKILL');
  await peer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('sends a notice exactly once when the process dies mid-send', async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-notify-crash-'));
  await writeFile(join(dir, 'pack.yaml'), PACK);
  const influxUrl = inject('influxUrl');
  await createDatabase(influxUrl, 'notify_crash');
  peer = await startDingtalkPeer({ robots: { 'tongmen-group': robot } });
  const config = {
    rulePacks: [join(dir, 'pack.yaml')],
    influx: { url: influxUrl, api: 'v1', database: 'notify_crash' },
    notify: {
      channels: { dingtalk: { robots: { 'tongmen-group': { webhook: peer.webhook('tongmen-group'), secret: robot.secret } } }, log: { enabled: false } },
      sender: { pollMs: 100, leaseMs: 2000 },
    },
  };
  peer.holdNext(1); // the first send is read and never answered
  const first = await startClearwater(dir, config);
  processes.push(first);
  const device = await connectDevice(first.mqttUrl, 'tongmen-tap-wq');
  await device.publishAsync('water/tongmen-tap/tongmen-tap-wq/telemetry', JSON.stringify({ ts: Date.now() - 1000, readings: { turbidity: 5.5 } }), { qos: 1 });
  await device.endAsync();
  await eventually(() => (peer!.holding === 1 ? true : undefined), 10_000, 'the notice in flight');

  await first.kill('SIGKILL');
  await eventually(() => (peer!.dropped === 1 ? true : undefined), 5000, 'the peer to see the sender gone');
  expect(peer.accepted).toEqual([]);

  const second = await startClearwater(dir, config);
  processes.push(second);
  const message = await eventually(() => peer!.accepted.find((m) => m.robot === 'tongmen-group'), 15_000, 'the notice after the restart');
  expect(message.body.markdown?.title).toMatch(/龙头水浑浊度超标/);
  // Delivered and recorded as sent: nothing is left to send it again.
  const delivered = await eventually(async () => {
    const { tickets } = (await (await fetch(`${second.http}/api/tickets?state=all`)).json()) as { tickets: { id: number }[] };
    const { deliveries } = (await (await fetch(`${second.http}/api/tickets/${tickets[0]!.id}`)).json()) as { deliveries: { recipient: string; channel: string; state: string; attempts: number }[] };
    return deliveries.every((d) => d.state === 'sent') ? deliveries : undefined;
  }, 10_000, 'the delivery recorded');
  expect(delivered.map((d) => [d.recipient, d.channel, d.state])).toEqual([['tongmen-admin', 'dingtalk', 'sent']]);
  expect(peer.accepted.filter((m) => m.robot === 'tongmen-group')).toHaveLength(1);
}, 60_000);
