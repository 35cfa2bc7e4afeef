/**
 * Acknowledging from the phone, in a real headless browser (Debian's chromium): the link in the
 * village administrator's DingTalk message opens a Chinese page with the ticket and its latest
 * readings; acknowledging with a note records who, when and from where; the same link again, a
 * changed link and an expired one each get a page that says so, and change nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signAckLink } from '../rules/notify/ack-link.ts';
import { launchBrowser, SCREENSHOTS } from './support/browser.ts';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';
import { connectDevice, eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';
import { tapTurbidityPack } from '../rules/pack.fixtures.ts';

const TOKEN = 'dispatcher-token-0123456789';
const PACK = tapTurbidityPack({ id: 'tap-yellow-water', title: 'Yellow water suspected at tap', titleZh: '龙头疑似黄水' });
const robot = { token: 'tongmen-token', secret: `SEC${randomBytes(16).toString('hex')}` };

let folder: string;
let peer: DingtalkPeer;
let pipeline: TestPipeline;
let browser: Browser;
let link: string;
let ticketId: number;

const api = async <T>(path: string) => (await (await fetch(`${pipeline.http}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as T;
type Trail = { ticket: { state: string }; events: { type: string; actor: string; origin: string | null; note: string | null }[] };

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'clearwater-ack-'));
  await writeFile(join(folder, 'pack.yaml'), PACK);
  peer = await startDingtalkPeer({ robots: { 'tongmen-group': robot } });
  pipeline = await startTestPipeline(inject('influxUrl'), 'notify_ack_page', {
    rulePacks: [join(folder, 'pack.yaml')],
    api: { tokens: [{ token: TOKEN, name: 'li.dispatcher', role: 'dispatcher' }] },
    notify: { channels: { dingtalk: { robots: { 'tongmen-group': { webhook: peer.webhook('tongmen-group'), secret: robot.secret } } }, log: { enabled: false } }, sender: { pollMs: 100 } },
  });
  browser = await launchBrowser();
  const device = await connectDevice(pipeline.mqttUrl, 'tongmen-tap-wq');
  for (const [minutesAgo, turbidity] of [[3, 2.4], [2, 4.9], [1, 6.3]] as const) {
    await device.publishAsync('water/tongmen-tap/tongmen-tap-wq/telemetry', JSON.stringify({ ts: Date.now() - minutesAgo * 60_000, readings: { turbidity } }), { qos: 1 });
  }
  await device.endAsync();
  const message = await eventually(() => peer.accepted.find((m) => m.robot === 'tongmen-group'), 10_000, 'the village administrator\'s message');
  link = /\((http:\/\/127\.0\.0\.1:\d+\/ack\/[\w.-]+)\)/.exec(message.body.markdown?.text ?? '')?.[1] ?? '';
  ticketId = (await api<{ tickets: { id: number }[] }>('/api/tickets?state=all')).tickets[0]!.id;
  // The readings must be in InfluxDB for the page to show them.
  await eventually(async () => ((await pipeline.query('SELECT count(turbidity) FROM telemetry'))[0]?.[1] === 3 ? true : undefined), 10_000, 'the readings in InfluxDB');
});

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
  await peer?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('acknowledging from the phone', () => {
  it('shows the ticket and its latest readings in Chinese, and records who acknowledged, when and from where', async () => {
    expect(link).toMatch(/\/ack\//);
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 }); // a phone
    const refused: string[] = [];
    page.on('console', (entry) => entry.type() === 'error' && refused.push(entry.text()));
    await page.goto(link);
    await expect.poll(() => page.locator('h1').textContent()).toContain('龙头疑似黄水');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('main').textContent()).toContain('暂停饮用自来水');
    expect(await page.locator('#readings tr').count()).toBe(3);
    expect(await page.locator('#readings').textContent()).toContain('6.3 NTU');
    await page.screenshot({ path: join(SCREENSHOTS, 'ack-page.png'), fullPage: true });
    await page.fill('#note', '已通知村民,正在冲洗管道');
    await page.click('#acknowledge');
    await expect.poll(() => page.locator('#result').getAttribute('data-result')).toBe('done');
    await page.screenshot({ path: join(SCREENSHOTS, 'ack-done.png') });
    expect(refused).toEqual([]); // the Content-Security-Policy refused nothing the page needs

    const trail = await api<Trail>(`/api/tickets/${ticketId}`);
    expect(trail.ticket.state).toBe('acknowledged');
    const ack = trail.events.find((e) => e.type === 'acknowledged');
    expect(ack).toMatchObject({ actor: '桐门村 Tongmen 村级管理员 village administrator', origin: expect.stringMatching(/127\.0\.0\.1/) });
    expect(ack?.note).toContain('已通知村民,正在冲洗管道');
    await page.close();
  });

  it('refuses the same link a second time, and changes nothing', async () => {
    const before = (await api<Trail>(`/api/tickets/${ticketId}`)).events.length;
    const page = await browser.newPage();
    await page.goto(link);
    expect(await page.locator('#result').getAttribute('data-result')).toBe('replayed');
    await page.close();
    const again = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'note=again' });
    expect(again.status).toBe(409);
    expect((await api<Trail>(`/api/tickets/${ticketId}`)).events).toHaveLength(before);
  });

  it('refuses a changed link and an expired one with a page that says so', async () => {
    const page = await browser.newPage();
    const [payload, signature] = link.split('/ack/')[1]!.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), t: ticketId + 1 })).toString('base64url');
    const tampered = await page.goto(link.replace(payload!, forged));
    expect(tampered?.status()).toBe(403);
    expect(await page.locator('#result').getAttribute('data-result')).toBe('tampered');
    expect(signature).toBeTruthy();

    const key = Buffer.from((await readFile(join(pipeline.config.dataDir, 'ack-link.key'), 'utf8')).trim(), 'hex');
    const expired = signAckLink(key, { ticketId, recipient: 'tongmen-admin', now: Date.now() - 48 * 3_600_000, ttlMs: 24 * 3_600_000 });
    const answer = await page.goto(`${pipeline.http}/ack/${expired}`);
    expect(answer?.status()).toBe(410);
    expect(await page.locator('#result').textContent()).toContain('链接已过期');
    expect(answer?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
    await page.close();
  });
});
