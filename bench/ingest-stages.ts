/**
 * `node --import tsx bench/ingest-stages.ts [messages=200000]`: CPU cost per message of each
 * stage of Clearwater's in-process ingest, without sockets, the broker or InfluxDB, on the same
 * single-reading messages the throughput benchmark sends. Explains the `µs CPU/rdg` column of
 * bench/throughput.ts from the Clearwater side; the naive pipeline's per-message work is timed
 * beside it. Runs through tsx as production does (bin/clearwater.js), so tsx's transform
 * (esbuild keepNames: `__name(...)` around nested functions) is part of what is measured.
 * Figures only; nothing is asserted.
 */
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeTelemetry, type TelemetryPoint } from '../ingest/decode.ts';
import { Ingest } from '../ingest/ingest.ts';
import { telemetryLine } from '../network/line-protocol.ts';
import { parseCatalog } from '../network/catalog.ts';
import { sampleSchema } from '../network/message.ts';
import { parseTopic } from '../network/topic.ts';
import { createRulesEngine } from '../rules/engine.ts';
import { loadRulePack, rulesOf } from '../rules/pack.ts';
import { openSqliteTicketStore } from '../rules/tickets/sqlite.ts';
import { benchCatalogFile } from './bench-catalog.ts';

const count = Number(process.argv[2] ?? 200_000);
const ROUNDS = 5;

/** Best-of-rounds ns per call of `run(i)` over `count` messages (after one warm-up round). */
function time(name: string, run: (i: number) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round <= ROUNDS; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) run(i);
    const ns = Number(process.hrtime.bigint() - start) / count;
    if (round > 0) best = Math.min(best, ns);
  }
  console.log(`${(best / 1000).toFixed(2).padStart(8)} µs  ${name}`);
  return best;
}

async function main(): Promise<void> {
  const built = await benchCatalogFile(100);
  const parsed = parseCatalog(built.file);
  if (!parsed.ok) throw new Error(parsed.problems);
  const { catalog } = parsed;
  const devices = built.devices;
  const now = Date.now();
  const topics = Array.from({ length: count }, (_, i) => {
    const d = devices[i % devices.length];
    return `water/${d?.site}/${d?.id}/telemetry`;
  });
  const payloads = topics.map((_, i) => Buffer.from(`{"ts":${now - count + i},"seq":${i},"readings":{"turbidity":${(10 + (i % 20)) / 100}}}`));
  const documents = payloads.map((p) => JSON.parse(p.toString()) as unknown);
  const points: TelemetryPoint[] = topics.map((topic, i) => decodeTelemetry(catalog, topic, payloads[i] ?? Buffer.alloc(0), now).points[0]!);
  const lines = points.map(telemetryLine);

  // The client's write buffer alone: no flush timer, a batch that never fills.
  const writeApi = new InfluxDB({ url: 'http://127.0.0.1:9' }).getWriteApi('', 'bench', 'ms', { batchSize: count * (ROUNDS + 1) + 1, flushInterval: 0, maxBatchBytes: 1e12 });
  const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-stages-'));
  const store = await openSqliteTicketStore({ path: join(dataDir, 'tickets.db') });
  const pack = await loadRulePack(fileURLToPath(new URL('../rules/packs/tap-water.yaml', import.meta.url)));
  const engine = createRulesEngine({ rules: rulesOf([pack]), store });
  let engineRound = 0;

  console.log(`${count} single-reading messages, ${devices.length} devices; best of ${ROUNDS} rounds, per message\n`);
  console.log('Clearwater ingest, stage by stage (ingest/ingest.ts Ingest.accept calls these):');
  time('parseTopic (network/topic.ts), once per message in Ingest.accept', (i) => parseTopic(topics[i]!));
  time('  JSON.parse of the payload alone (baseline)', (i) => JSON.parse(payloads[i]!.toString('utf8')));
  time('  sampleSchema.safeParse (zod, network/message.ts) on a parsed document', (i) => sampleSchema.safeParse(documents[i]));
  time('decodeTelemetry (ingest/decode.ts), whole', (i) => decodeTelemetry(catalog, topics[i]!, payloads[i]!, now));
  time('telemetryLine (network/line-protocol.ts)', (i) => telemetryLine(points[i]!));
  time('WriteApi.writeRecord (@influxdata/influxdb-client buffer, as the naive pipeline writes)', (i) => writeApi.writeRecord(lines[i]!));
  time('rules engine.evaluate (rules/engine.ts, tap-water pack, all quiet)', (i) => {
    // Event time must increase per fingerprint or the reading is dropped as out of order.
    if (i === 0) engineRound++;
    const point = points[i]!;
    void engine.evaluate({ ...point, ts: point.ts + engineRound * count });
  });
  let sinkLines = 0;
  let acceptRound = 0;
  const ingest = new Ingest({ catalog, sink: { append: async (l) => void (sinkLines += l.length) }, deadLetters: { add: () => undefined }, now: () => now + acceptRound, onPoints: () => undefined });
  time('Ingest.accept whole, sink and rules stubbed', (i) => {
    if (i === 0) acceptRound++;
    ingest.accept({ topic: topics[i]!, payload: payloads[i]!, deviceId: devices[i % devices.length]?.id });
  });

  console.log('\nNaive pipeline, per message (bench/naive-pipeline.ts):');
  const ms = { convertTime: (t: string | number | Date | undefined) => (t === undefined ? undefined : String(t)) };
  time('JSON.parse + Point + toLineProtocol', (i) => {
    const [, site = '', device = ''] = topics[i]!.split('/');
    const document = JSON.parse(payloads[i]!.toString()) as { ts: number; readings: Record<string, number> };
    for (const [metric, value] of Object.entries(document.readings)) {
      new Point('telemetry').tag('site', site).tag('device', device).floatField(metric, value).timestamp(document.ts).toLineProtocol(ms);
    }
  });

  writeApi.dispose();
  await engine.stop();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  if (sinkLines === 0) console.log('(no lines reached the stub sink: check the timestamps)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
