/**
 * The dispatcher console in a real headless browser (Debian's chromium, playwright-core) against
 * a whole Clearwater: the simulated county network over MQTT, InfluxDB 1.6.7, the rules, the
 * ticket store, the HTTP API and the page it serves. A yellow-water incident at Tongmen starts
 * after the page is open; everything the test sees, it sees as a dispatcher would, on the page.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Ticket } from '../rules/tickets/ticket.ts';
import { createNetworkSimulator, type NetworkSimulator } from '../simulators/network-simulator.ts';
import { launchBrowser, SCREENSHOTS } from './support/browser.ts';
import { cuttableProxy } from './support/cuttable-proxy.ts';
import { formatCountyTime } from '../console/county-time.ts';
import { eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const DISPATCHER = 'dispatcher-token-0123456789';
const TONGMEN = 'tongmen-admin-token-012345';
const XIWAN = 'xiwan-admin-token-0123456789';
const VIEWER = 'viewer-token-0123456789ab';
const SHOTS = join(SCREENSHOTS, 'console');

let pipeline: TestPipeline;
let simulator: NetworkSimulator;
let browser: Browser;
/** The dispatcher's page, open from before the incident to the end. */
let dispatcher: { context: BrowserContext; page: Page };
/** Content-Security-Policy violations and page errors seen on any page. */
const pageProblems: string[] = [];

beforeAll(async () => {
  pipeline = await startTestPipeline(inject('influxUrl'), 'console_e2e', {
    api: {
      tokens: [
        { token: DISPATCHER, name: 'li.dispatcher', role: 'dispatcher' },
        { token: TONGMEN, name: 'wang.tongmen', role: 'village_admin', villages: ['tongmen'] },
        { token: XIWAN, name: 'zhao.xiwan', role: 'village_admin', villages: ['xiwan'] },
        { token: VIEWER, name: 'chen.viewer', role: 'viewer' },
      ],
    },
  });
  // One simulated hour of history at 900×, then real time. The incident starts half an hour in
  // and lasts six hours with a six-hour half-life: still turbid while the test runs.
  simulator = createNetworkSimulator(
    {
      brokerUrl: pipeline.mqttUrl,
      seed: 11,
      speed: 900,
      backfillMs: 3_600_000,
      scenarios: [{ kind: 'yellow-water', village: 'tongmen', startsAfter: 30 * 60_000, peakNtu: 6, durationMs: 6 * 3_600_000, halfLifeMs: 6 * 3_600_000 }],
    },
    { catalog: pipeline.catalog },
  );
  browser = await launchBrowser();
  await mkdir(SHOTS, { recursive: true });
  dispatcher = await signedIn(DISPATCHER);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await simulator?.stop();
  await pipeline?.close();
});

/** A fresh browser session (its own sessionStorage) signed in with `token`. */
async function signedIn(token: string, viewport = { width: 1366, height: 768 }, base = pipeline.http): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) pageProblems.push(message.text());
  });
  page.on('pageerror', (error) => pageProblems.push(error.message));
  await page.goto(base);
  await page.fill('input[name=token]', token);
  await page.click('.sign-in button.submit');
  await page.waitForSelector('header.top');
  return { context, page };
}

const row = (page: Page, site: string, rule?: string) => page.locator(`tr.ticket[data-site="${site}"]${rule ? `[data-rule="${rule}"]` : ''}`);

async function apiTickets(token: string): Promise<Ticket[]> {
  const response = await fetch(`${pipeline.http}/api/tickets?state=all&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
  return ((await response.json()) as { tickets: Ticket[] }).tickets;
}

const post = (path: string, token: string, body: unknown) =>
  fetch(`${pipeline.http}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the dispatcher console', () => {
  it('refuses a wrong token with a reason, and keeps the right one for the session only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(pipeline.http);
    await page.click('.sign-in button.submit');
    await expect.poll(() => page.locator('.sign-in .field-error').textContent()).toBe('请输入令牌');
    await page.fill('input[name=token]', 'not-a-token-of-this-server');
    await page.click('.sign-in button.submit');
    await expect.poll(() => page.locator('.sign-in .error').textContent()).toBe('令牌无效或已停用');
    // No read-only way in: this server has tokens, so nothing answers without one.
    expect(await page.locator('.sign-in button.anonymous').count()).toBe(0);
    await context.close();

    const { page: mine } = dispatcher;
    expect(await mine.locator('header .who').textContent()).toBe('li.dispatcher');
    expect(mine.url()).not.toContain(DISPATCHER);
    expect(await mine.evaluate('sessionStorage.getItem("clearwater.token")')).toBe(DISPATCHER);
    expect(await mine.evaluate('localStorage.getItem("clearwater.token")')).toBeNull();
  });

  it('creates a maintenance window from the form, after saying what is missing', async () => {
    const { page } = dispatcher;
    await page.click('header nav a[href="#/silences"]');
    await page.selectOption('.new-silence select[name=site]', 'tongmen-tap');
    await page.fill('.new-silence input[name=hours]', '0');
    await page.click('.new-silence button[type=submit]');
    const problems = await page.locator('.new-silence .field-error').allTextContents();
    expect(problems).toEqual(['时长(小时): 1 – 720', '请填写原因']);

    await page.fill('.new-silence input[name=starts]', 'yesterday');
    await page.click('.new-silence button[type=submit]');
    expect(await page.locator('.new-silence .field-error').allTextContents()).toEqual(['请按 YYYY-MM-DD HH:MM 填写', '时长(小时): 1 – 720', '请填写原因']);
    // The works began two hours ago (the simulated incident is half an hour old when it is seen,
    // in event time): the window starts then, typed in the county's time.
    const startsAt = Math.floor((Date.now() - 2 * 3_600_000) / 60_000) * 60_000;
    await page.fill('.new-silence input[name=starts]', formatCountyTime(startsAt, pipeline.catalog.file.county.timeZone));
    await page.fill('.new-silence input[name=hours]', '6');
    await page.fill('.new-silence input[name=reason]', '更换村口水表 replacing the meter');
    await page.click('.new-silence button[type=submit]');
    const listed = page.locator('.silences tr[data-silence]');
    await expect.poll(() => listed.count()).toBe(1);
    expect(await listed.textContent()).toContain('li.dispatcher: 更换村口水表 replacing the meter');
    const silences = (await (await fetch(`${pipeline.http}/api/silences`, { headers: { authorization: `Bearer ${DISPATCHER}` } })).json()) as { silences: { site: string; createdBy: string; endsAt: number; startsAt: number }[] };
    expect(silences.silences).toMatchObject([{ site: 'tongmen-tap', createdBy: 'li.dispatcher', startsAt }]);
    expect(silences.silences[0]!.endsAt - silences.silences[0]!.startsAt).toBe(6 * 3_600_000);
  });

  it('shows a yellow-water ticket in the queue as it opens, without a reload, and sounds the alarm', async () => {
    const { page } = dispatcher;
    await page.click('header nav a[href="#/queue"]');
    expect(await page.locator('tr.ticket').count()).toBe(0);
    await page.evaluate('window.notReloaded = true');

    await simulator.start();
    const ticket = row(page, 'tongmen-end-tap', 'tap-yellow-water');
    await ticket.waitFor({ timeout: 60_000 });
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await ticket.locator('.site').textContent()).toContain('桐门村末端龙头');
    expect(await ticket.locator('.village').textContent()).toContain('桐门村');

    // At the network end the water passes 4 NTU: critical, so the alarm sounds and the title counts it.
    await page.waitForSelector('tr.ticket[data-site="tongmen-end-tap"][data-severity="critical"]', { timeout: 60_000 });
    await page.waitForSelector('body[data-alarm="on"]');
    expect(await page.title()).toMatch(/^\(\d+\) 清水 调度台$/);
    // The village administrator was told (the log channel here): the row says so once it is sent,
    // live, since the ticket came by the stream after the list was read.
    await ticket.locator('.notices [data-notice="sent"]').waitFor({ timeout: 30_000 });
    expect(await ticket.locator('.notices').textContent()).toMatch(/^已发 \d+$/);
    await page.screenshot({ path: join(SHOTS, 'queue.png') });
  });

  it('opens the ticket at the silenced tap suppressed, and says why a refused acknowledgement was refused', async () => {
    const { page } = dispatcher;
    const held = row(page, 'tongmen-tap', 'tap-yellow-water');
    await held.waitFor({ timeout: 60_000 });
    expect(await held.getAttribute('data-state')).toBe('suppressed');
    expect(await held.locator('.state').textContent()).toBe('维护中');

    await held.click();
    await page.click('.ticket-view button.action.acknowledge');
    await page.fill('.action-form textarea[name=note]', '已通知班组');
    // Meanwhile the village administrator acknowledges it from their phone.
    const id = Number(await held.getAttribute('data-ticket'));
    expect((await post(`/api/tickets/${id}/acknowledge`, TONGMEN, { note: '我去看看' })).status).toBe(200);
    await page.waitForSelector(`tr.ticket[data-ticket="${id}"][data-state="acknowledged"]`);
    await page.click('.action-form button.submit');
    const refusal = await page.locator('.action-form .refused').textContent();
    expect(refusal).toMatch(/^操作被拒绝 \(409\): .*acknowledged/);
    // The trail shows who did acknowledge it, and from where.
    expect(await page.locator('.trail li[data-type="acknowledged"]').textContent()).toContain('wang.tongmen');
  });

  it('mutes the alarm, and the dispatcher acknowledges with a note: the trail says who', async () => {
    const { page } = dispatcher;
    await page.click('header nav a[href="#/queue"]');
    await page.waitForSelector('body[data-alarm="on"]');
    await page.click('header button.mute');
    await page.waitForSelector('body[data-alarm="off"]');
    expect(await page.title()).toMatch(/^\(\d+\) /); // muted, still counted

    const ticket = row(page, 'tongmen-end-tap', 'tap-yellow-water');
    await ticket.click();
    await page.click('.ticket-view button.action.acknowledge');
    await page.fill('.action-form textarea[name=note]', '班组已出发冲洗管网 crew flushing the main');
    await page.click('.action-form button.submit');
    const entry = page.locator('.trail li[data-type="acknowledged"]');
    await entry.waitFor();
    expect(await entry.textContent()).toMatch(/确认 li\.dispatcher \(127\.0\.0\.1\): 班组已出发冲洗管网 crew flushing the main$/);
    await page.waitForSelector('tr.ticket[data-site="tongmen-end-tap"][data-rule="tap-yellow-water"][data-state="acknowledged"]');
    const stored = (await apiTickets(DISPATCHER)).find((t) => t.site === 'tongmen-end-tap' && t.ruleId === 'tap-yellow-water');
    expect(stored).toMatchObject({ state: 'acknowledged' });
  });

  it('draws the readings of the ticket\'s site and its neighbours, with the limit', async () => {
    const { page } = dispatcher;
    const readings = page.locator('.ticket-view .readings');
    await expect.poll(async () => Number(await readings.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(10);
    expect(await readings.locator('canvas').count()).toBe(1);
    const legend = await readings.locator('.u-legend').textContent();
    expect(legend).toContain('桐门村末端龙头');
    expect(legend).toContain('limit 1 NTU');
    await page.screenshot({ path: join(SHOTS, 'ticket.png') });
  });

  it('works from the keyboard: j/k move, Enter opens, a on the top row acknowledges until no critical ticket is left unacknowledged', async () => {
    const { page } = dispatcher;
    await page.click('header nav a[href="#/queue"]');
    await page.locator('.keys').click();
    const cursorAt = () => page.locator('tr.ticket').evaluateAll((rows) => rows.findIndex((r) => r.classList.contains('cursor')));
    await page.keyboard.press('j');
    expect(await cursorAt()).toBe(Math.min(1, (await page.locator('tr.ticket').count()) - 1));
    await page.keyboard.press('k');
    expect(await cursorAt()).toBe(0);
    // Typed fast, each key acts on where the one before left the cursor.
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.ticket-view[aria-label="#${await page.locator('tr.ticket').first().getAttribute('data-ticket')}"]`);
    for (let i = 0; i < 10; i++) {
      await page.click('header nav a[href="#/queue"]');
      const top = page.locator('tr.ticket').first();
      if ((await top.getAttribute('data-state')) !== 'open') break;
      await page.locator('.keys').click(); // focus off any field
      await page.keyboard.press('a');
      await page.fill('.action-form textarea[name=note]', `键盘确认 ${i}`);
      await page.click('.action-form button.submit');
      await page.locator('.trail li[data-type="acknowledged"]').waitFor();
    }
    await expect.poll(() => page.title()).toBe('清水 调度台');
    const open = (await apiTickets(DISPATCHER)).filter((t) => t.state === 'open' && t.severity === 'critical');
    expect(open).toEqual([]);
  });

  it('catches up after a lost connection, missing no change made meanwhile', async () => {
    // A dispatcher whose network drops: the page reaches Clearwater through a proxy the test cuts.
    const proxy = await cuttableProxy({ host: '127.0.0.1', port: pipeline.httpPort });
    const { page, context } = await signedIn(DISPATCHER, undefined, proxy.url);
    try {
      const target = (await apiTickets(DISPATCHER)).find((t) => t.site === 'tongmen-end-tap' && t.ruleId === 'tap-yellow-water')!;
      await row(page, 'tongmen-end-tap', 'tap-yellow-water').waitFor();
      proxy.cut();
      await page.waitForSelector('.banner[role=alert]');
      expect(await page.locator('.banner[role=alert]').textContent()).toContain('与服务器的连接已断开');
      expect((await post(`/api/tickets/${target.id}/assign`, DISPATCHER, { assignee: '二班 crew 2' })).status).toBe(200);
      expect((await post(`/api/tickets/${target.id}/comment`, DISPATCHER, { note: '阀门已关' })).status).toBe(200);
      proxy.restore();
      await page.waitForSelector('.banner[role=alert]', { state: 'detached', timeout: 60_000 });
      await expect.poll(() => row(page, 'tongmen-end-tap', 'tap-yellow-water').locator('td').nth(6).textContent(), { timeout: 20_000 }).toBe('二班 crew 2');
      // Both changes made while it was away are in the ticket's trail on the page.
      await row(page, 'tongmen-end-tap', 'tap-yellow-water').click();
      await page.waitForSelector('.trail li[data-type="commented"]');
      expect(await page.locator('.trail li[data-type="assigned"]').last().textContent()).toContain('li.dispatcher');
    } finally {
      await context.close();
      await proxy.close();
    }
  });

  it('shows every site on the map, coloured by its worst open ticket, with the catalog\'s mains', async () => {
    const { page } = dispatcher;
    await page.click('header nav a[href="#/map"]');
    await page.waitForSelector('svg.plain-map');
    expect(await page.locator('svg.plain-map g.site').count()).toBe(pipeline.catalog.file.sites.length);
    expect(await page.locator('svg.plain-map polyline.main-line').count()).toBe(pipeline.catalog.file.mains.length);
    expect(await page.locator('g.site[data-site="tongmen-end-tap"]').getAttribute('class')).toMatch(/\b(critical|warning)\b/);
    expect(await page.locator('g.site[data-site="xiwan-tap"]').getAttribute('class')).toMatch(/\bok\b/);
    await page.screenshot({ path: join(SHOTS, 'map.png') });
    await page.click('g.site[data-site="tongmen-end-tap"]');
    await page.waitForSelector('.site-view');
    expect(page.url()).toContain('#/site/tongmen-end-tap');
  });

  it('shows a site: its devices with their last reading and a sparkline per metric', async () => {
    const { page } = dispatcher;
    await page.goto(`${pipeline.http}/#/site/tongmen-tap`);
    await page.waitForSelector('.site-view .sparkline canvas');
    const devices = await page.locator('.site-view tr[data-device]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device')));
    expect(devices.sort()).toEqual(['tongmen-tap-pt', 'tongmen-tap-wq']);
    const metrics = await page.locator('.site-view .sparkline').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('data-metric')));
    expect(metrics).toContain('turbidity');
    expect(await page.locator('.site-tickets li').count()).toBeGreaterThan(0);
  });

  it('shows a village administrator only their village', async () => {
    const tongmen = await signedIn(TONGMEN);
    await tongmen.page.waitForSelector('tr.ticket');
    const villages = await tongmen.page.locator('tr.ticket').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-village')));
    expect(villages.length).toBeGreaterThan(0);
    expect(new Set(villages)).toEqual(new Set(['tongmen']));
    await tongmen.context.close();

    const xiwan = await signedIn(XIWAN);
    await xiwan.page.waitForSelector('.tickets .empty');
    expect(await xiwan.page.locator('tr.ticket').count()).toBe(0);
    const tongmenTicket = (await apiTickets(DISPATCHER)).find((t) => t.village === 'tongmen')!;
    await xiwan.page.goto(`${pipeline.http}/#/ticket/${tongmenTicket.id}`);
    await expect.poll(() => xiwan.page.locator('.ticket-view .error').textContent()).toBe(`no ticket ${tongmenTicket.id}`);
    await xiwan.page.goto(`${pipeline.http}/#/map`);
    await xiwan.page.waitForSelector('svg.plain-map');
    const sites = await xiwan.page.locator('g.site').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-site')));
    expect(sites).toEqual(pipeline.catalog.file.sites.filter((s) => s.village === 'xiwan').map((s) => s.id));
    await xiwan.context.close();
  });

  it('shows a viewer no action buttons', async () => {
    const { page, context } = await signedIn(VIEWER);
    await page.locator('tr.ticket').first().click();
    await page.waitForSelector('.ticket-view .trail li');
    expect(await page.locator('.ticket-view .actions').count()).toBe(0);
    expect(await page.locator('.ticket-view .viewer').textContent()).toBe('只读账号,不能操作工单');
    await page.locator('.keys').click({ force: true }).catch(() => {});
    await page.keyboard.press('a');
    expect(await page.locator('.action-form').count()).toBe(0);
    await page.click('header nav a[href="#/silences"]');
    await page.waitForSelector('.silences tr[data-silence]');
    expect(await page.locator('.new-silence').count()).toBe(0);
    expect(await page.locator('.silences button').count()).toBe(0);
    await context.close();
  });

  it('reads on a phone, in English on request', async () => {
    const { page, context } = await signedIn(DISPATCHER, { width: 390, height: 844 });
    await page.click('header button.language');
    await page.locator('tr.ticket').first().click();
    await page.waitForSelector('.ticket-view .trail li');
    // One column: the ticket instead of the queue, with a way back.
    expect(await page.locator('.queue').isVisible()).toBe(false);
    expect(await page.locator('.ticket-view button.back').textContent()).toBe('Back to the queue');
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SHOTS, 'ticket-phone.png'), fullPage: true });
    await context.close();
  });

  it('loaded nothing the page\'s Content-Security-Policy refused, and threw no error', () => {
    expect(pageProblems).toEqual([]);
  });
});
