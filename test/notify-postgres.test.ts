/**
 * Two instances share the tickets on PostgreSQL, and with them the outbox: both senders work it
 * at once, and every notice still goes out once (rows claimed with FOR UPDATE SKIP LOCKED and a
 * lease). The peer is a webhook receiver that keeps each delivery.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { sampleCatalog } from '../rules/engine.fixtures.ts';
import { notifySchema } from '../rules/notify/config.ts';
import { createRulesService, type RulesService } from '../rules/service.ts';
import { defaultLifecyclePolicy } from '../rules/tickets/policy.ts';
import { subject } from '../rules/tickets/store.suite.ts';
import { eventually } from './support/pipeline.ts';

const PG = process.env.CLEARWATER_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `clearwater_notify_${randomBytes(4).toString('hex')}`;
const TICKETS = 60;

let dir: string;
let catalog: Catalog;
let receiver: Server;
let receiverUrl: string;
const deliveries: string[] = [];
const services: RulesService[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-notify-pg-'));
  // One rule that never fires: the test writes the ticket changes itself.
  await writeFile(
    join(dir, 'pack.yaml'),
    'pack: quiet\ndescription: A rule that never fires\nrules:\n  - { id: never, kind: threshold, title: Never, titleZh: 从不, source: none of a standard, metric: turbidity, direction: above, warning: 3999 }\n',
  );
  catalog = await sampleCatalog();
  receiver = createServer((request, response) => {
    deliveries.push(String(request.headers['x-clearwater-delivery']));
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
  const config = notifySchema.parse({
    policy: { routes: [{ match: {}, channels: ['webhook'] }] },
    channels: { webhook: { url: receiverUrl, secret: randomBytes(16).toString('hex') }, log: { enabled: false } },
    sender: { pollMs: 20, batchSize: 7 },
  });
  for (const owner of ['east', 'west']) {
    const service = createRulesService({
      rulePacks: [join(dir, 'pack.yaml')],
      dataDir: join(dir, owner),
      tickets: { store: 'postgres', url: PG, schema, poolSize: 4, connectTimeoutMs: 10_000 },
      lifecycle: defaultLifecyclePolicy,
      devices: [],
      tickMs: 1000,
      log: { info: () => {}, warn: () => {}, error: (fields, message) => console.error(message, fields) },
      writeLines: async () => {},
      notify: { config, catalog, links: { key: randomBytes(32), baseUrl: 'http://127.0.0.1:8080' }, owner },
    });
    await service.start();
    services.push(service);
  }
});

afterAll(async () => {
  for (const service of services) await service.stop();
  receiver?.close();
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  await rm(dir, { recursive: true, force: true });
});

it('sends every notice once while two instances work one outbox', async () => {
  // Tickets opened on both instances at once; each opening tells the Tongmen administrator.
  await Promise.all(
    Array.from({ length: TICKETS }, (_, i) =>
      services[i % 2]!.store.openOrUpdate({ ...subject, fingerprint: `pg-storm/${i}`, ruleId: `pg-storm-${i}`, at: Date.now(), value: 3, severity: 'warning', worst: 'highest' }),
    ),
  );
  const rows = await eventually(async () => {
    const stats = await services[0]!.store.outbox.stats(Date.now());
    return stats.sent.webhook === TICKETS && Object.keys(stats.pending).length === 0 ? stats : undefined;
  }, 20_000, 'every notice sent');
  expect(rows.failed).toEqual({});
  // Each delivery key names the outbox rows it carried: every row exactly once, over both senders.
  const carried = deliveries.flatMap((key) => key.split(':').at(-1)!.split(',').map(Number));
  expect(carried).toHaveLength(TICKETS);
  expect(new Set(carried).size).toBe(TICKETS);
});
