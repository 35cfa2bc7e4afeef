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
import { createRulesService, type RulesService } from '../rules/service.ts';
import { DEFERRED_DETAIL } from '../rules/tickets/outbox.ts';
import { defaultLifecyclePolicy } from '../rules/tickets/policy.ts';
import { subject } from '../rules/tickets/store.suite.ts';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';

/** Noon in Shanghai: no quiet hours. */
let clock = Date.UTC(2026, 11, 1, 4, 0);
const now = () => clock;
const ROBOT = 'tongmen-group';
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

/** A rules service on the test's folder and clock; a robot takes 2 messages a minute. */
async function started(): Promise<RulesService> {
  const config = notifySchema.parse({
    channels: { dingtalk: { perMinute: 2, robots: { [ROBOT]: { webhook: peer.webhook(ROBOT), secret: robots[ROBOT].secret } } }, log: { enabled: false } },
    sender: { pollMs: 10 },
  });
  const next = createRulesService({
    rulePacks: [],
    dataDir: dir,
    tickets: { store: 'sqlite', path: 'tickets.db', busyTimeoutMs: 5000 },
    lifecycle: defaultLifecyclePolicy,
    devices: [],
    tickMs: 1000,
    log: { info: () => {}, warn: () => {}, error: (fields, message) => console.error(message, fields) },
    writeLines: async () => {},
    now,
    notify: { config, catalog, links: { key: randomBytes(32), baseUrl: 'http://127.0.0.1:8080' }, owner: `rate-restart-${randomBytes(3).toString('hex')}` },
  });
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
