/**
 * `npm run bench:notify [-- options]`: ticket change → message accepted by the peer, through the
 * whole notification path (the change and its outbox rows in one SQLite or PostgreSQL
 * transaction, the sender's claim, the webhook channel, a receiver on 127.0.0.1), at each
 * `--rates` level of ticket changes a second. Against a baseline in the same run: the same
 * webhook request sent directly, with no store and no outbox, so the figures show what
 * durability costs. Every change must reach the receiver (`landed` vs `changes`); a run that
 * lost one prints it and exits non-zero. Figures are measurements, never asserted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { cliOptions } from '../app/cli-options.ts';
import { sampleCatalog } from '../rules/engine.fixtures.ts';
import type { Notice } from '../rules/notify/channel.ts';
import { createWebhookChannel } from '../rules/notify/channels/webhook.ts';
import { notifySchema } from '../rules/notify/config.ts';
import { createRulesService } from '../rules/service.ts';
import { defaultLifecyclePolicy } from '../rules/tickets/policy.ts';
import { subject } from '../rules/tickets/store.suite.ts';

const optionsSchema = z.strictObject({
  rates: z
    .string()
    .transform((text) => text.split(',').map((s) => Number(s.trim())))
    .pipe(z.array(z.number().positive().max(1000)).min(1))
    .default([1, 100])
    .describe('Ticket changes a second, comma-separated; each level is a run of its own'),
  seconds: z.coerce.number().positive().max(600).default(20).describe('How long each level runs, s'),
  store: z.enum(['sqlite', 'postgres']).default('sqlite').describe('Ticket store (postgres: CLEARWATER_BENCH_PG or the test machines\' postgres://postgres@127.0.0.1:5432/test)'),
});
type Options = z.infer<typeof optionsSchema>;

interface Figures {
  readonly changes: number;
  readonly landed: number;
  readonly latenciesMs: number[];
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(1) : '—');

/** A receiver that records, per ticket id, when its message arrived (performance.now()). */
async function receiver(): Promise<{ url: string; arrived: Map<number, number>; server: Server }> {
  const arrived = new Map<number, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { tickets: { id: number }[] };
      for (const ticket of body.tickets) if (!arrived.has(ticket.id)) arrived.set(ticket.id, at);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, arrived, server };
}

/** Calls `change(i)` `rate` times a second for `seconds`, on schedule (not back to back). */
async function paced(rate: number, seconds: number, change: (i: number) => Promise<void>): Promise<number> {
  const total = Math.max(1, Math.round(rate * seconds));
  const start = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    running.push(change(i));
  }
  await Promise.all(running);
  return total;
}

async function throughOutbox(options: Options, rate: number): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'clearwater-bench-notify-'));
  const peer = await receiver();
  await writeFile(join(dir, 'pack.yaml'), 'pack: quiet\ndescription: A rule that never fires\nrules:\n  - { id: never, kind: threshold, title: Never, titleZh: 从不, source: bench, metric: turbidity, direction: above, warning: 3999 }\n');
  const schema = `clearwater_bench_${randomBytes(4).toString('hex')}`;
  const tickets = options.store === 'sqlite' ? { store: 'sqlite' as const, path: 'tickets.db', busyTimeoutMs: 5000 } : { store: 'postgres' as const, url: process.env.CLEARWATER_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test', schema, poolSize: 10, connectTimeoutMs: 10_000 };
  const service = createRulesService({
    rulePacks: [join(dir, 'pack.yaml')],
    dataDir: dir,
    tickets,
    lifecycle: defaultLifecyclePolicy,
    devices: [],
    tickMs: 10_000,
    log: { info: () => {}, warn: () => {}, error: (fields, message) => process.stderr.write(`${message} ${JSON.stringify(fields)}\n`) },
    writeLines: async () => {},
    notify: {
      config: notifySchema.parse({ policy: { routes: [{ match: {}, channels: ['webhook'] }] }, channels: { webhook: { url: peer.url, secret: randomBytes(16).toString('hex') }, log: { enabled: false } } }),
      catalog: await sampleCatalog(),
      links: { key: randomBytes(32), baseUrl: 'http://127.0.0.1:8080' },
      owner: 'bench',
    },
  });
  await service.start();
  const startedAt = new Map<number, number>();
  try {
    const changes = await paced(rate, options.seconds, async (i) => {
      const at = performance.now();
      const { ticket } = await service.store.openOrUpdate({ ...subject, fingerprint: `bench/${i}`, ruleId: `bench-${i}`, at: Date.now(), value: 3, severity: 'warning', worst: 'highest' });
      startedAt.set(ticket.id, at);
    });
    const deadline = performance.now() + 30_000;
    while (peer.arrived.size < changes && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const latenciesMs = [...startedAt].flatMap(([id, at]) => (peer.arrived.has(id) ? [peer.arrived.get(id)! - at] : [])).sort((a, b) => a - b);
    return { changes, landed: latenciesMs.length, latenciesMs };
  } finally {
    await service.stop();
    peer.server.close();
    if (options.store === 'postgres') {
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: tickets.store === 'postgres' ? tickets.url : '' });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** The baseline: the same webhook request per change, sent at once, with no store and no outbox. */
async function direct(options: Options, rate: number): Promise<Figures> {
  const peer = await receiver();
  const channel = createWebhookChannel({ url: peer.url, secret: randomBytes(16).toString('hex'), headers: {}, timeoutMs: 10_000 }, { now: Date.now });
  const startedAt = new Map<number, number>();
  const recipient = { id: 'tongmen-admin', name: 'bench', role: 'village_admin' as const, language: 'zh-CN' as const };
  const rendered = { markdown: { title: 't', text: 't' }, sms: { text: 't', params: {} }, email: { subject: 't', text: 't', html: 't' } };
  try {
    const changes = await paced(rate, options.seconds, async (i) => {
      startedAt.set(i, performance.now());
      const notice = { kind: 'opened', language: 'zh-CN', recipient, tickets: [{ id: i }], rendered, deliveryKey: `direct:${i}` } as unknown as Notice;
      await channel.send(notice);
    });
    const latenciesMs = [...startedAt].flatMap(([id, at]) => (peer.arrived.has(id) ? [peer.arrived.get(id)! - at] : [])).sort((a, b) => a - b);
    return { changes, landed: latenciesMs.length, latenciesMs };
  } finally {
    peer.server.close();
  }
}

const cli = cliOptions(optionsSchema, 'npm run bench:notify --');
const parsed = cli.parse(process.argv.slice(2));
if (!parsed.ok) {
  process.stdout.write('help' in parsed ? cli.help() : `${parsed.problems}\n\n${cli.help()}`);
  process.exit('help' in parsed ? 0 : 2);
}
const options = parsed.options;
process.stdout.write(`notification latency, ticket change → webhook message accepted by the peer (${options.seconds} s per level, ${options.store} store)\n\n`);
process.stdout.write(`${'path'.padEnd(26)}${'changes/s'.padStart(10)}${'changes'.padStart(9)}${'landed'.padStart(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}\n`);
let lost = 0;
for (const rate of options.rates) {
  for (const [label, run] of [['outbox (durable)', throughOutbox], ['direct send (baseline)', direct]] as const) {
    const figures = await run(options, rate);
    lost += figures.changes - figures.landed;
    const sorted = figures.latenciesMs;
    process.stdout.write(`${label.padEnd(26)}${String(rate).padStart(10)}${String(figures.changes).padStart(9)}${String(figures.landed).padStart(8)}${fmt(quantile(sorted, 0.5)).padStart(9)}${fmt(quantile(sorted, 0.99)).padStart(9)}${fmt(sorted.at(-1) ?? Number.NaN).padStart(9)}\n`);
  }
}
if (lost > 0) {
  process.stdout.write(`\nFAILED: ${lost} ticket changes never reached the peer\n`);
  process.exitCode = 1;
}
