/**
 * `npm run bench:console [-- options]`: what the dispatcher console costs, on a whole Clearwater
 * (private InfluxDB, SQLite ticket store, HTTP server) holding `--tickets` tickets, `--active` of
 * them active (open or acknowledged), the rest resolved history.
 *
 * - the bundle: script and styles, raw and gzipped;
 * - the API routes the console calls (the queue's list, a ticket, a site's tickets), sequential
 *   requests with a token, p50 / p99 / max, against `/healthz` in the same run as the baseline
 *   (the HTTP stack without a query);
 * - the page in Debian's chromium over the loopback, a fresh browser context (cold cache) each
 *   time: until the sign-in form shows (the app shell: the baseline), and until the queue shows
 *   its rows with the active tickets loaded.
 *
 * Figures are measurements, never asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { buildConsole } from '../app/console.ts';
import { cliOptions } from '../app/cli-options.ts';
import { parseConfig } from '../app/config.ts';
import { createLogger } from '../app/log.ts';
import { startPipeline } from '../app/pipeline.ts';
import { loadCatalog } from '../network/catalog.ts';
import { openSqliteTicketStore } from '../rules/tickets/sqlite.ts';
import { SYSTEM_ACTOR } from '../rules/tickets/ticket.ts';
import { launchBrowser } from '../test/support/browser.ts';
import { fixed, table, thousands } from './format.ts';

const optionsSchema = z.strictObject({
  tickets: z.coerce.number().int().positive().max(200_000).default(10_000).describe('Tickets in the store'),
  active: z.coerce.number().int().nonnegative().max(1000).default(1000).describe('How many of them are active (the queue shows at most 1000)'),
  requests: z.coerce.number().int().positive().max(10_000).default(100).describe('Requests per API route'),
  loads: z.coerce.number().int().positive().max(200).default(10).describe('Page loads'),
});
type Options = z.infer<typeof optionsSchema>;

const TOKEN = 'bench-dispatcher-token-0123456789';
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return [fixed(quantile(sorted, 0.5), 1), fixed(quantile(sorted, 0.99), 1), fixed(sorted.at(-1) ?? Number.NaN, 1)];
};

/** Fills a SQLite ticket store: `tickets` tickets at the sample catalog's sites, the newest `active` left active. */
async function fillStore(path: string, options: Options): Promise<void> {
  const catalog = await loadCatalog(new URL('../network/sample/county.yaml', import.meta.url).pathname);
  const sites = catalog.file.sites.filter((s) => s.kind === 'tap' || s.kind === 'main');
  const store = await openSqliteTicketStore({ path, busyTimeoutMs: 5000 });
  const start = Date.now() - options.tickets * 60_000;
  try {
    for (let i = 0; i < options.tickets; i++) {
      const site = sites[i % sites.length]!;
      const device = [...catalog.devices.values()].find((d) => d.site.id === site.id)!;
      const at = start + i * 60_000;
      const fingerprint = `bench-turbidity-${i}/${site.id}`;
      const { ticket } = await store.openOrUpdate({
        fingerprint, ruleId: 'tap-turbidity', title: 'Tap turbidity high', titleZh: '龙头水浑浊度超标', source: 'GB 5749-2022 Table 1', metric: 'turbidity',
        site: site.id, siteKind: site.kind, device: device.id, village: site.village ?? null, township: site.township, zone: site.zone,
        at, value: 1.5 + (i % 7) / 2, severity: i % 5 === 0 ? 'critical' : 'warning', worst: 'highest',
      });
      const active = i >= options.tickets - options.active;
      if (!active) await store.resolve({ fingerprint, at: at + 30_000, value: 0.5, actor: SYSTEM_ACTOR });
      else if (i % 3 === 0) await store.transition({ id: ticket.id, to: 'acknowledged', at: at + 10_000, actor: 'bench', note: 'on it' });
    }
  } finally {
    await store.close();
  }
}

async function timeRequests(url: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    samples.push(performance.now() - started);
  }
  return samples;
}

async function run(options: Options): Promise<void> {
  const bundle = await buildConsole();
  const { firstLoad } = bundle.sizes;
  console.log(`bundle: first load ${thousands(firstLoad.raw)} bytes, ${thousands(firstLoad.gzip)} gzipped; with the tile map's Leaflet ${thousands(bundle.sizes.raw)} bytes, ${thousands(bundle.sizes.gzip)} gzipped`);

  const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-console-'));
  const filling = performance.now();
  await fillStore(join(dataDir, 'tickets.db'), options);
  console.log(`store: ${thousands(options.tickets)} tickets (${thousands(options.active)} active) written in ${fixed((performance.now() - filling) / 1000, 1)} s`);

  const parsed = parseConfig({
    dataDir,
    broker: { port: 0 },
    http: { port: 0 },
    api: { tokens: [{ token: TOKEN, name: 'bench', role: 'dispatcher' }] },
    notify: { enabled: false },
    log: { level: 'error', pretty: false },
  });
  if (!parsed.ok) throw new Error(parsed.problems);
  const pipeline = await startPipeline(parsed.config, { log: createLogger('error', false) });
  // The startup sweep raises the tiers of the old unacknowledged tickets: let it finish first.
  while ((await pipeline.rules.store.sweep(Date.now())).length > 0);
  const base = `http://127.0.0.1:${pipeline.httpPort}`;
  const browser = await launchBrowser();
  try {
    const some = (await (await fetch(`${base}/api/tickets?state=open&limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { tickets: { id: number; site: string }[] };
    const one = some.tickets[0];
    const routes: [string, string][] = [
      ['GET /healthz (baseline)', '/healthz'],
      ['GET /api/tickets?state=open&limit=1000 (queue)', '/api/tickets?state=open&limit=1000'],
      ...(one ? ([[`GET /api/tickets/:id (ticket)`, `/api/tickets/${one.id}`], [`GET /api/tickets?state=all&site=…&limit=20 (site)`, `/api/tickets?state=all&site=${one.site}&limit=20`]] as [string, string][]) : []),
      ['GET /api/catalog (map)', '/api/catalog'],
    ];
    const rows: string[][] = [];
    for (const [name, path] of routes) {
      await timeRequests(`${base}${path}`, 5); // warm-up
      rows.push([name, ...summary(await timeRequests(`${base}${path}`, options.requests))]);
    }
    console.log(`\nAPI latency, ms, ${options.requests} sequential requests each, ${thousands(options.tickets)} tickets in the store:`);
    console.log(table(['route', 'p50', 'p99', 'max'], rows));

    const shell: number[] = [];
    const queue: number[] = [];
    let rowsShown = 0;
    for (let i = 0; i < options.loads; i++) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      const page = await context.newPage();
      let started = performance.now();
      await page.goto(base);
      await page.waitForSelector('.sign-in input[name=token]');
      shell.push(performance.now() - started);
      await context.close();

      const signed = await browser.newContext({ viewport: { width: 1366, height: 768 } });
      await signed.addInitScript(`sessionStorage.setItem('clearwater.token', ${JSON.stringify(TOKEN)})`);
      const queuePage = await signed.newPage();
      started = performance.now();
      await queuePage.goto(base);
      await queuePage.waitForSelector('tr.ticket');
      queue.push(performance.now() - started);
      rowsShown = await queuePage.locator('tr.ticket').count();
      await signed.close();
    }
    console.log(`\npage load in chromium over the loopback, ms, ${options.loads} loads, cold cache each:`);
    console.log(
      table(
        ['until', 'p50', 'p99', 'max'],
        [
          ['the sign-in form (app shell, baseline)', ...summary(shell)],
          [`the queue with its rows (${rowsShown} shown)`, ...summary(queue)],
        ],
      ),
    );
  } finally {
    await browser.close();
    await pipeline.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const cli = cliOptions(optionsSchema, 'npm run bench:console --');
const parsed = cli.parse(process.argv.slice(2));
if (!parsed.ok) {
  process.stdout.write('help' in parsed ? cli.help() : `${parsed.problems}\n\n${cli.help()}`);
  process.exit('help' in parsed ? 0 : 2);
}
await run(parsed.options);
