/**
 * The console map over a configured XYZ tile layer (as utilities in China use a domestic tile
 * server): a tile server on the loopback that records what it is asked for, a whole Clearwater
 * configured with its URL, and a real browser. The page's policy lets images come from that
 * server and nothing else.
 */
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from './support/browser.ts';
import { startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const TOKEN = 'dispatcher-token-0123456789';
/** A 1×1 PNG: Leaflet draws it at 256×256. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let tileServer: Server;
const asked: string[] = [];
let pipeline: TestPipeline;
let browser: Browser;

beforeAll(async () => {
  tileServer = createServer((request, response) => {
    asked.push(request.url ?? '');
    if (!/^\/\d+\/\d+\/\d+\.png$/.test(request.url ?? '')) return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  await new Promise<void>((resolve) => tileServer.listen(0, '127.0.0.1', resolve));
  const port = (tileServer.address() as { port: number }).port;
  pipeline = await startTestPipeline(inject('influxUrl'), 'console_tiles', {
    api: { tokens: [{ token: TOKEN, name: 'li.dispatcher', role: 'dispatcher' }] },
    notify: { enabled: false },
    console: { tiles: { url: `http://127.0.0.1:${port}/{z}/{x}/{y}.png`, attribution: '© 县测绘院 County survey', maxZoom: 16 } },
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pipeline?.close();
  await new Promise((resolve) => tileServer?.close(resolve));
});

describe('the console map over a tile layer', () => {
  it('draws the sites and mains over tiles from the configured server, allowed by the page\'s policy', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const refused: string[] = [];
    page.on('console', (message) => message.type() === 'error' && refused.push(message.text()));
    await page.goto(`${pipeline.http}/#/map`);
    await page.fill('input[name=token]', TOKEN);
    await page.click('.sign-in button.submit');
    await page.waitForSelector('.tile-map .leaflet-tile-loaded');
    expect(await page.locator('.tile-map path.site-marker').count()).toBe(pipeline.catalog.file.sites.length);
    expect(await page.locator('.tile-map .leaflet-overlay-pane path:not(.site-marker)').count()).toBe(pipeline.catalog.file.mains.length);
    expect(await page.locator('.leaflet-control-attribution').textContent()).toContain('© 县测绘院 County survey');
    const tiles = asked.map((url) => /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(url)).filter((m) => m !== null);
    expect(tiles.length).toBeGreaterThan(0);
    for (const [, z] of tiles) expect(Number(z)).toBeLessThanOrEqual(16);
    // The tiles asked for at the zoom shown cover every site (Web Mercator tile of a coordinate).
    const zoom = Math.max(...tiles.map((m) => Number(m[1])));
    const have = new Set(tiles.filter((m) => Number(m[1]) === zoom).map((m) => `${m[2]}/${m[3]}`));
    for (const site of pipeline.catalog.file.sites) {
      const { lat, lon } = site.location;
      const x = Math.floor(((lon + 180) / 360) * 2 ** zoom);
      const rad = (lat * Math.PI) / 180;
      const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * 2 ** zoom);
      expect(have.has(`${x}/${y}`), site.id).toBe(true);
    }
    expect(refused, refused.join('\n')).toEqual([]);
    await page.click('.tile-map path.site-tongmen-tap');
    await page.waitForSelector('.site-view');
    await page.close();
  });
});
