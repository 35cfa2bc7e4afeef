/**
 * A ticket's notifications as a timeline, on one clock the test moves (the rules service, its
 * sweep, the sender, the DingTalk channel and the DingTalk peer share it):
 *
 *   t=0      a warning at the Tongmen tap          → the village administrator is told
 *   t=29 min nobody acknowledged                   → nobody else is told yet
 *   t=31 min escalation time (30 min) passed       → the township official is told
 *   t=32 min acknowledged through the phone link   → recorded, with who and from where
 *   t=90 min long past the next escalation time    → the county is never told
 *   t=91 min the ticket gets worse (critical)      → both are told again: acknowledging never
 *                                                     silences a later worsening
 *   t=95 min it clears                             → everyone told hears it resolved
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { readingAt, sampleCatalog } from '../rules/engine.fixtures.ts';
import { verifyAckLink } from '../rules/notify/ack-link.ts';
import { notifySchema } from '../rules/notify/config.ts';
import { createRulesService, type RulesService } from '../rules/service.ts';
import { defaultLifecyclePolicy } from '../rules/tickets/policy.ts';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';
import { tapTurbidityPack } from '../rules/pack.fixtures.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 2, 0); // 10:00 in Shanghai
let clock = T0;
const now = () => clock;
const key = randomBytes(32);
const robots = { 'tongmen-group': { token: 'tongmen-token', secret: `SEC${randomBytes(16).toString('hex')}` }, 'county-dispatch': { token: 'county-token', secret: `SEC${randomBytes(16).toString('hex')}` } };
const PACK = tapTurbidityPack();

let dir: string;
let catalog: Catalog;
let peer: DingtalkPeer;
let service: RulesService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-timeline-'));
  await writeFile(join(dir, 'pack.yaml'), PACK);
  catalog = await sampleCatalog();
  peer = await startDingtalkPeer({ robots, now });
  service = createRulesService({
    rulePacks: [join(dir, 'pack.yaml')],
    dataDir: dir,
    tickets: { store: 'sqlite', path: 'tickets.db', busyTimeoutMs: 5000 },
    lifecycle: { ...defaultLifecyclePolicy, escalation: { warning: 30 * MIN, critical: 10 * MIN } },
    devices: [],
    tickMs: 10,
    log: { info: () => {}, warn: () => {}, error: (fields, message) => console.error(message, fields) },
    writeLines: async () => {},
    now,
    notify: {
      config: notifySchema.parse({ channels: { dingtalk: { robots: Object.fromEntries(Object.entries(robots).map(([id, r]) => [id, { webhook: peer.webhook(id), secret: r.secret }])) }, log: { enabled: false } }, sender: { pollMs: 10 } }),
      catalog,
      links: { key, baseUrl: 'http://127.0.0.1:8080' },
      owner: 'timeline',
    },
  });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  await peer?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Moves the clock, lets the service's sweep run on it, and waits for the sender to send what is due. */
async function at(minutes: number): Promise<void> {
  clock = T0 + minutes * MIN;
  const ticks = service.engine.stats().ticks;
  await expect.poll(() => service.engine.stats().ticks, { interval: 5 }).toBeGreaterThan(ticks + 1);
  // The sweep at this clock (escalations) has run, and what it queued has left: not due, not in flight.
  await expect.poll(() => service.sweptAt, { interval: 5 }).toBe(clock);
  await expect.poll(async () => { const s = await service.store.outbox.stats(clock); return s.due + s.inFlight; }, { interval: 5 }).toBe(0);
}

const titles = () => peer.accepted.map((m) => `${m.robot} ${m.body.markdown?.title?.split(' ')[0] ?? ''} @${[...(m.body.at?.atMobiles ?? [])].sort().join(',')}`);

it('tells the village, then the township at the escalation time, stops escalating once acknowledged from the phone, and still tells of a worsening', async () => {
  service.evaluate({ ...readingAt(catalog, 'tongmen-tap-wq', '0m', { turbidity: 2.5 }), ts: clock });
  await at(0);
  expect(titles()).toEqual(['tongmen-group 【警告】桐门村 @13800010100']);

  await at(29);
  expect(titles()).toHaveLength(1); // not yet

  await at(31);
  expect(titles()).toEqual(['tongmen-group 【警告】桐门村 @13800010100', 'tongmen-group 【上报乡镇】桐门村 @13800010200']);

  // The township official opens the link in their message and acknowledges.
  const text = peer.accepted[1]!.body.markdown?.text ?? '';
  const token = /\/ack\/([\w.-]+)\)/.exec(text)?.[1] ?? '';
  const link = verifyAckLink(key, token, clock);
  if (!link.ok) throw new Error(`the link does not verify: ${link.detail}`);
  expect(link.claims.recipient).toBe('tongmen-official');
  clock = T0 + 32 * MIN;
  const acked = await service.store.acknowledgeByLink({ ...link.claims, at: clock, actor: '桐门镇 Tongmen 乡镇供水负责人 township official', origin: '10.20.0.7', note: '已派人冲洗' });
  expect(acked).toMatchObject({ ok: true, ticket: { state: 'acknowledged', tier: 'township' } });

  await at(90);
  expect(peer.accepted.filter((m) => m.robot === 'county-dispatch')).toEqual([]); // no escalation once acknowledged
  expect(titles()).toHaveLength(2);

  service.evaluate({ ...readingAt(catalog, 'tongmen-tap-wq', '0m', { turbidity: 6 }), ts: T0 + 91 * MIN });
  await at(91);
  expect(titles().slice(2)).toEqual(['tongmen-group 【加重·严重】桐门村 @13800010100,13800010200']);

  service.evaluate({ ...readingAt(catalog, 'tongmen-tap-wq', '0m', { turbidity: 0.3 }), ts: T0 + 95 * MIN });
  await at(95);
  expect(titles().slice(3)).toEqual(['tongmen-group 【已恢复】桐门村 @13800010100,13800010200']);
  expect(peer.accepted.filter((m) => m.robot === 'county-dispatch')).toEqual([]);
});
