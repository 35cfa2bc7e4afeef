/**
 * A robot's minute survives a restart: DingTalk takes at most `perMinute` messages a minute per
 * robot, and the window is read back from the outbox's sent rows, so a process started within
 * the minute (or another instance) does not send the robot more. The rules service, its store,
 * sender and channel and the DingTalk peer share one clock the test moves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { sampleCatalog } from '../rules/engine.fixtures.ts';
import { notifySchema } from '../rules/notify/config.ts';
import type { RulesService } from '../rules/service.ts';
import { DEFERRED_DETAIL } from '../rules/tickets/outbox.ts';
import { subject } from '../rules/tickets/store.suite.ts';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';
import { notifyingService } from './support/notify-service.ts';
import { startSmsPeer, type SmsPeer } from './support/sms-peer.ts';

/** Noon in Shanghai: no quiet hours. */
let clock = Date.UTC(2026, 11, 1, 4, 0);
const now = () => clock;
const ROBOT = 'tongmen-group';
const SMS_SECRET = 'aliyun-test-secret';
const robots = { [ROBOT]: { token: 'tongmen-token', secret: `SEC${randomBytes(16).toString('hex')}` } };

let dir: string;
let catalog: Catalog;
let peer: DingtalkPeer;
let service: RulesService | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-rate-restart-'));
  catalog = await sampleCatalog();
  peer = await startDingtalkPeer({ robots, now });
});

afterAll(async () => {
  await service?.stop();
  await peer?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A rules service on the test's clock; a robot takes `perMinute` messages a minute. */
async function started(options: { perMinute: number; folder?: string; sms?: SmsPeer; fallbackAfter?: string } = { perMinute: 2 }): Promise<RulesService> {
  const config = notifySchema.parse({
    channels: {
      dingtalk: { perMinute: options.perMinute, robots: { [ROBOT]: { webhook: peer.webhook(ROBOT), secret: robots[ROBOT].secret } } },
      ...(options.sms && { sms: { gateway: 'aliyun', endpoint: options.sms.url, accessKeyId: 'LTAI-test', accessKeySecret: SMS_SECRET, signName: '清溪供水', templateCode: 'SMS_465370123' } }),
      log: { enabled: false },
    },
    ...(options.fallbackAfter && { policy: { fallback: { after: options.fallbackAfter } } }),
    sender: { pollMs: 10 },
  });
  const next = notifyingService({ dataDir: options.folder ?? dir, rulePacks: [], now, config, catalog, owner: `rate-restart-${randomBytes(3).toString('hex')}` });
  await next.start();
  return next;
}

async function settled(on: RulesService): Promise<void> {
  await expect.poll(async () => { const s = await on.store.outbox.stats(clock); return s.due + s.inFlight; }, { timeout: 20_000, interval: 20 }).toBe(0);
}

const open = (on: RulesService, i: number) => on.store.openOrUpdate({ ...subject, fingerprint: `rate-restart/${i}`, at: clock, value: 3, severity: 'warning', worst: 'highest' });
const toRobot = () => peer.accepted.filter((m) => m.robot === ROBOT);

it('keeps a robot within its minute across a restart, and sends the rest once the minute has passed', async () => {
  const first = await started();
  service = first;
  for (const i of [0, 1]) {
    await open(first, i);
    await settled(first);
    clock += 1000;
  }
  expect(toRobot()).toHaveLength(2);
  await first.stop();

  clock += 5000; // a restart well inside the minute
  const second = await started();
  service = second;
  const { ticket } = await open(second, 2);
  await settled(second);
  expect((await second.store.outbox.deliveries(ticket.id)).map((d) => [d.state, d.detail])).toEqual([['pending', DEFERRED_DETAIL]]);
  expect(toRobot()).toHaveLength(2);

  clock += 60_000;
  await settled(second);
  expect((await second.store.outbox.deliveries(ticket.id)).map((d) => d.state)).toEqual(['sent']);
  expect(toRobot()).toHaveLength(3);
});

it('sends a notice by SMS at once when it would wait for its robot past fallback.after, not at its next attempt', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'clearwater-rate-fallback-'));
  const sms = await startSmsPeer({ preset: 'aliyun', secret: SMS_SECRET });
  await service?.stop();
  const before = toRobot().length;
  try {
    // One message a minute, and a notice not delivered within 30 s goes by SMS.
    const on = await started({ perMinute: 1, folder, sms, fallbackAfter: '30s' });
    service = on;
    await open(on, 10);
    await settled(on);
    expect(toRobot().length - before).toBe(1);
    clock += 1000;
    const { ticket } = await open(on, 11); // the robot's minute is spent: room again in 59 s, past 30 s
    await settled(on);
    await expect.poll(async () => (await on.store.outbox.deliveries(ticket.id)).map((d) => [d.channel, d.state]), { timeout: 10_000, interval: 20 }).toEqual([
      ['dingtalk', 'fallen_back'],
      ['sms', 'sent'],
    ]);
    expect(sms.received).toHaveLength(1);
    expect(toRobot().length - before).toBe(1);
  } finally {
    await service?.stop();
    service = undefined;
    await sms.close();
    await rm(folder, { recursive: true, force: true });
  }
});
