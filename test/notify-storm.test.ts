/**
 * A storm: 210 tickets within one minute across the 14 taps of 13 villages, whose administrators
 * read their township's DingTalk group (4 robots). DingTalk takes at most 20 messages a minute
 * per robot and then refuses the robot for 10 minutes (130101). Every robot must get at most 20
 * messages in any minute, the notices past that merged into digests, and every ticket must appear
 * in some message: nothing lost, no throttling. The rules service, its store, sender and channel
 * and the DingTalk peer share one clock the test moves, so a minute takes no minute.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { readingAt, sampleCatalog } from '../rules/engine.fixtures.ts';
import { notifySchema } from '../rules/notify/config.ts';
import type { RulesService } from '../rules/service.ts';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';
import { notifyingService } from './support/notify-service.ts';

const RULES = 15;
/** Noon in Shanghai: no quiet hours. */
let clock = Date.UTC(2026, 11, 1, 4, 0);
const now = () => clock;
const townships = ['tongmen', 'shangyuan', 'xiaxi', 'baishan'];
const robots = Object.fromEntries(townships.map((t) => [`${t}-group`, { token: `${t}-token`, secret: `SEC${randomBytes(16).toString('hex')}` }]));

let dir: string;
let catalog: Catalog;
let peer: DingtalkPeer;
let service: RulesService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-storm-'));
  const rules = Array.from({ length: RULES }, (_, i) => `  - id: storm-${i + 1}
    kind: threshold
    title: Storm rule ${i + 1}
    titleZh: 风暴规则 ${i + 1}
    source: GB 5749-2022 Table 1, turbidity ≤ 1 NTU
    metric: turbidity
    match: { siteKinds: [tap] }
    direction: above
    warning: 1
`).join('');
  await writeFile(join(dir, 'storm.yaml'), `pack: storm\ndescription: ${RULES} turbidity rules, so each turbid tap opens ${RULES} tickets\nrules:\n${rules}`);
  catalog = await sampleCatalog();
  peer = await startDingtalkPeer({ robots, now });
  const config = notifySchema.parse({
    channels: { dingtalk: { robots: Object.fromEntries(Object.entries(robots).map(([id, robot]) => [id, { webhook: peer.webhook(id), secret: robot.secret }])) }, log: { enabled: false } },
    sender: { pollMs: 10 },
  });
  service = notifyingService({ dataDir: dir, rulePacks: [join(dir, 'storm.yaml')], now, config, catalog, owner: 'storm-test' });
  await service.start();
});

afterAll(async () => {
  await service?.stop();
  await peer?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Waits until the sender has taken everything that is due at the current clock. */
async function settled(): Promise<void> {
  await expect.poll(async () => { const s = await service.store.outbox.stats(clock); return s.due + s.inFlight; }, { timeout: 20_000, interval: 20 }).toBe(0);
}

it('keeps every robot within 20 messages a minute, merges the rest into digests, and loses no ticket', async () => {
  const taps = [...catalog.devices.values()].filter((d) => d.site.kind === 'tap' && d.metrics.has('turbidity'));
  expect(new Set(taps.map((d) => d.site.village)).size).toBe(13);
  const start = clock;
  for (const [i, tap] of taps.entries()) {
    clock = start + i * 4000; // 14 taps within the minute
    service.evaluate({ ...readingAt(catalog, tap.id, '0m', { turbidity: 2.5 }), ts: clock });
    await expect.poll(async () => (await service.store.list({ state: 'open' })).length, { timeout: 10_000, interval: 10 }).toBe((i + 1) * RULES);
    await settled();
  }
  const tickets = await service.store.list({ state: 'open' });
  expect(tickets.length).toBeGreaterThanOrEqual(200);
  // The minute is over; let the deferred notices go out as the robots' windows free up.
  for (let step = 0; step < 40; step++) {
    clock += 15_000;
    await settled();
  }
  const stats = await service.store.outbox.stats(clock);
  expect(stats.pending).toEqual({});

  expect(peer.answers.filter((a) => a.errcode === 130101)).toEqual([]); // never throttled
  for (const robot of Object.keys(robots)) {
    const times = peer.accepted.filter((m) => m.robot === robot).map((m) => m.at);
    const busiest = Math.max(0, ...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
    expect(busiest, robot).toBeLessThanOrEqual(20);
  }
  const digests = peer.accepted.filter((m) => m.body.markdown?.title?.startsWith('【汇总】'));
  expect(digests.length).toBeGreaterThan(0);
  const mentioned = new Set(peer.accepted.flatMap((m) => [...(m.body.markdown?.text ?? '').matchAll(/#(\d+)/g)].map((match) => Number(match[1]))));
  expect(tickets.filter((t) => !mentioned.has(t.id)).map((t) => t.id)).toEqual([]);
  console.log(`storm: ${tickets.length} tickets, ${peer.accepted.length} messages (${digests.length} digests) to ${Object.keys(robots).length} robots, none throttled`);
}, 120_000);
