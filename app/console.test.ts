import Fastify from 'fastify';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, registerConsole, type ConsoleBundle } from './console.ts';
import { consoleSchema, contentSecurityPolicy, tileOrigins } from './console-config.ts';

let bundle: ConsoleBundle;

beforeAll(async () => {
  bundle = await buildConsole();
}, 60_000);

function server(config = consoleSchema.parse({})) {
  const app = Fastify();
  registerConsole(app, bundle, config, { anonymousRead: false });
  return app;
}

describe('the console bundle', () => {
  it('stays under 300 KB gzipped, script and styles together', () => {
    expect(bundle.sizes.gzip).toBeLessThan(300 * 1024);
    expect(bundle.sizes.raw).toBeGreaterThan(bundle.sizes.gzip);
    // The first load leaves Leaflet out: it comes only with a tile layer.
    expect(bundle.sizes.firstLoad.gzip).toBeLessThan(bundle.sizes.gzip);
    expect(bundle.sizes.firstLoad.gzip).toBeGreaterThan(0);
  });

  it('serves the page with a self-only policy, and every asset it names', async () => {
    const app = server();
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(page.headers['cache-control']).toBe('no-cache');
    const scripts = [...page.body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBe(1);
    expect(scripts.every((tag) => /\bsrc="\/assets\//.test(tag))).toBe(true); // no inline script
    const named = [...page.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(named.some((p) => p.endsWith('.js'))).toBe(true);
    expect(named.some((p) => p.endsWith('.css'))).toBe(true);
    for (const path of named) {
      const asset = await app.inject({ url: path, headers: { 'accept-encoding': 'gzip, br' } });
      expect(asset.statusCode, path).toBe(200);
      expect(asset.headers['content-encoding']).toBe('gzip');
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(gunzipSync(asset.rawPayload).equals(bundle.assets.get(path)!.body)).toBe(true);
      const plain = await app.inject({ url: path });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.rawPayload.equals(bundle.assets.get(path)!.body)).toBe(true);
    }
    expect((await app.inject({ url: '/assets/app-NOPE.js' })).statusCode).toBe(404);
  });

  it('tells the page before sign-in whether reading needs a token, and the tile layer', async () => {
    const closed = await server().inject({ url: '/console-config.json' });
    expect(closed.json()).toEqual({ tiles: null, anonymousRead: false });
    const app = Fastify();
    registerConsole(app, bundle, consoleSchema.parse({ tiles: { url: 'https://tiles.example.cn/{z}/{x}/{y}.png' } }), { anonymousRead: true });
    expect((await app.inject({ url: '/console-config.json' })).json()).toEqual({ tiles: { url: 'https://tiles.example.cn/{z}/{x}/{y}.png', subdomains: '', attribution: '', maxZoom: 18 }, anonymousRead: true });
  });

  it('lets images come from a configured tile server, and nothing else', () => {
    const tiles = consoleSchema.parse({ tiles: { url: 'https://t{s}.tiles.example.cn/{z}/{x}/{y}.png', subdomains: '01' } }).tiles;
    expect(tileOrigins(tiles!.url, tiles!.subdomains)).toEqual(['https://t0.tiles.example.cn', 'https://t1.tiles.example.cn']);
    expect(contentSecurityPolicy(tiles)).toContain("img-src 'self' data: https://t0.tiles.example.cn https://t1.tiles.example.cn;");
    expect(contentSecurityPolicy(tiles)).toContain("connect-src 'self';");
  });

  it('refuses a tile URL that is not a template', () => {
    const result = consoleSchema.safeParse({ tiles: { url: 'https://tiles.example.cn/tile.png' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('a tile URL template with {z}, {x} and {y}');
    expect(consoleSchema.safeParse({ tiles: { url: 'javascript:alert(1)/{z}/{x}/{y}' } }).success).toBe(false);
  });
});
