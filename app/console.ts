/**
 * The dispatcher console (console/), bundled by esbuild when the process starts (about a
 * second, in memory: nothing to build by hand, no build output in the tree) and served under `/`
 * next to the API.
 *
 * The page loads nothing but its own files: a Content-Security-Policy of 'self' with no inline
 * script or style, the assets named by their content hash (cached for good), index.html never
 * cached. With a tile layer configured (`console.tiles`), the tile server is the one other origin
 * the policy lets images come from.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import type { FastifyInstance } from 'fastify';
import { contentSecurityPolicy, type ConsoleConfig } from './console-config.ts';

export interface ConsoleAsset {
  readonly path: string;
  readonly type: string;
  readonly body: Buffer;
  /** The body gzipped, sent to clients that accept it. */
  readonly gzip: Buffer;
}

export interface ConsoleBundle {
  readonly index: string;
  readonly assets: ReadonlyMap<string, ConsoleAsset>;
  /**
   * Bytes of scripts and style sheets, raw and gzipped: all of them, and those the first load
   * fetches (the entry, the chunks it imports, the styles; not the map's Leaflet, loaded only
   * over tiles).
   */
  readonly sizes: { readonly raw: number; readonly gzip: number; readonly firstLoad: { readonly raw: number; readonly gzip: number } };
}

const consoleDir = fileURLToPath(new URL('../console/', import.meta.url));

/** Bundles console/main.tsx (script and styles), minified, in memory. */
export async function buildConsole(): Promise<ConsoleBundle> {
  const result = await esbuild.build({
    entryPoints: { app: `${consoleDir}main.tsx` },
    bundle: true,
    write: false,
    minify: true,
    splitting: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: '/assets',
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.png': 'file', '.svg': 'file' },
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
  });
  const assets = new Map<string, ConsoleAsset>();
  for (const file of result.outputFiles) {
    const path = file.path.slice(file.path.indexOf('/assets/'));
    const body = Buffer.from(file.contents);
    assets.set(path, { path, type: typeOf(path), body, gzip: gzipSync(body, { level: 9 }) });
  }
  const script = [...assets.keys()].find((p) => /^\/assets\/app-[^/]+\.js$/.test(p));
  const styles = [...assets.keys()].filter((p) => p.endsWith('.css'));
  if (!script) throw new Error('the console bundle has no app script');
  const code = [...assets.values()].filter((a) => a.path.endsWith('.js') || a.path.endsWith('.css'));
  const outputs = Object.entries(result.metafile.outputs).map(([path, output]) => [path.slice(path.indexOf('/assets/')), output] as const);
  const entry = outputs.find(([path]) => path === script)?.[1];
  const first = new Set([script, ...styles, ...(entry?.imports ?? []).filter((i) => i.kind === 'import-statement').map((i) => i.path.slice(i.path.indexOf('/assets/')))]);
  const total = (list: readonly ConsoleAsset[]) => ({ raw: list.reduce((n, a) => n + a.body.length, 0), gzip: list.reduce((n, a) => n + a.gzip.length, 0) });
  const sizes = { ...total(code), firstLoad: total(code.filter((a) => first.has(a.path))) };
  return { index: indexHtml(script, styles), assets, sizes };
}

function typeOf(path: string): string {
  if (path.endsWith('.js')) return 'text/javascript; charset=utf-8';
  if (path.endsWith('.css')) return 'text/css; charset=utf-8';
  if (path.endsWith('.png')) return 'image/png';
  if (path.endsWith('.svg')) return 'image/svg+xml';
  return 'application/octet-stream';
}

function indexHtml(script: string, styles: readonly string[]): string {
  return [
    '<!doctype html>',
    '<html lang="zh-CN">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>清水 调度台 · Clearwater</title>',
    '<link rel="icon" href="data:,">',
    ...styles.map((href) => `<link rel="stylesheet" href="${href}">`),
    `<script type="module" src="${script}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"></div>',
    '<noscript>The Clearwater console needs JavaScript.</noscript>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Serves the bundle: index.html at `/`, the assets under /assets/, and what the page needs to
 * know before sign-in (`/console-config.json`: the tile layer, whether reading needs no token).
 */
export function registerConsole(app: FastifyInstance, bundle: ConsoleBundle, config: ConsoleConfig, access: { readonly anonymousRead: boolean }): void {
  const policy = contentSecurityPolicy(config.tiles);
  const etag = `"${createHash('sha256').update(bundle.index).digest('base64url').slice(0, 16)}"`;
  const page = (reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', policy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .header('etag', etag)
      .send(bundle.index);
  app.get('/', async (_request, reply) => page(reply));
  app.get('/index.html', async (_request, reply) => page(reply));
  app.get('/console-config.json', async (_request, reply) => reply.header('cache-control', 'no-cache').send({ tiles: config.tiles ?? null, anonymousRead: access.anonymousRead }));
  app.get('/assets/*', async (request, reply) => {
    const asset = bundle.assets.get(request.url.split('?')[0] ?? '');
    if (!asset) return reply.code(404).send({ error: 'no such asset' });
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    reply.header('content-type', asset.type).header('x-content-type-options', 'nosniff').header('cache-control', 'public, max-age=31536000, immutable').header('vary', 'accept-encoding');
    return gzip ? reply.header('content-encoding', 'gzip').send(asset.gzip) : reply.send(asset.body);
  });
}
