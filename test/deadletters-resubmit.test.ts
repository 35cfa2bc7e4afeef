/**
 * `deadletters resubmit` pages through the store: a store of more letters than a page (a page of
 * 3 injected), in a real SQLite file, written to the run's InfluxDB.
 *
 * Each message holds a sample stamped an hour ahead (`future_timestamp`, a letter for the sample)
 * and a free_chlorine reading the catalog did not declare (`undeclared_metric`, a letter for the
 * reading). After free_chlorine is declared, the reading's letter is accepted only when judged
 * together with its sibling, which stands for the refused sample: a page that split the message
 * would keep the reading's letter, blocked by its sibling's rejection.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, influxQL } from '../app/local-influxd.ts';
import { emptySummary, resubmit } from '../app/commands/resubmit.ts';
import { DeadLetterStore, type DeadLetterFilter } from '../ingest/dead-letters.ts';
import { DEFAULT_LIMITS } from '../ingest/decode.ts';
import { Ingest } from '../ingest/ingest.ts';
import { InfluxWriter, influxSchema } from '../ingest/influx-writer.ts';
import { oneTapCatalog } from '../ingest/fixtures.ts';
import type { Catalog } from '../network/catalog.ts';

const influxUrl = inject('influxUrl');
const database = `resubmit_paging_${process.pid}_${Date.now()}`;
const arrival = Date.now() - 10 * 60_000;
const MESSAGES = 5;

const catalogOf = (tapMetrics: string[]): Catalog => oneTapCatalog(tapMetrics);

let dir = '';
let store: DeadLetterStore;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-resubmit-'));
  await createDatabase(influxUrl, database);
  store = new DeadLetterStore({ path: join(dir, 'dead-letters.db'), maxEntries: 1000, maxBytes: 1024 ** 3 });
  const ingest = new Ingest({ catalog: catalogOf(['turbidity']), sink: { append: async () => {} }, deadLetters: store, now: () => arrival });
  for (let i = 0; i < MESSAGES; i++) {
    const samples = [
      { ts: arrival + 3_600_000, readings: { turbidity: 0.3 } },
      { ts: arrival - (i + 1) * 60_000, readings: { free_chlorine: 0.4 + i / 100 } },
    ];
    await ingest.accept({ topic: 'water/tongmen-tap/tap-1/telemetry', payload: Buffer.from(JSON.stringify({ samples })), qos: 1, deviceId: 'tap-1' });
  }
  store.flush();
});

afterAll(async () => {
  store?.close();
  await influxQL(influxUrl, `DROP DATABASE "${database}"`).catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('deadletters resubmit, page by page', () => {
  it('reads at most a page (and one letter to look ahead) at a time, never splits a message, removes what InfluxDB took', async () => {
    expect(store.countByReason()).toEqual({ future_timestamp: MESSAGES, undeclared_metric: MESSAGES });
    const reads: { limit: number | undefined; got: number }[] = [];
    const paged = {
      list: (filter: DeadLetterFilter) => {
        const letters = store.list(filter);
        reads.push({ limit: filter.limit, got: letters.length });
        return letters;
      },
      remove: (ids: readonly number[]) => store.remove(ids),
    };
    const writer = new InfluxWriter(influxSchema.parse({ url: influxUrl, api: 'v1', database }));
    const summary = emptySummary();
    await resubmit({ store: paged, catalog: catalogOf(['turbidity', 'free_chlorine']), limits: DEFAULT_LIMITS, write: (lines) => writer.write(lines), batchLines: 2, pageLetters: 3 }, {}, summary);
    await writer.close();

    expect(reads.length).toBeGreaterThan(2);
    expect(reads.every((read) => read.limit === 4 && read.got <= 4)).toBe(true);
    expect(summary).toMatchObject({ examined: 2 * MESSAGES, resubmitted: MESSAGES, linesWritten: MESSAGES, stillRejected: { future_timestamp: MESSAGES } });
    expect(store.countByReason()).toEqual({ future_timestamp: MESSAGES });

    const result = await influxQL(influxUrl, 'SELECT free_chlorine FROM telemetry', database);
    const rows = result.results?.[0]?.series?.flatMap((s) => s.values) ?? [];
    expect(rows.map(([, value]) => value)).toEqual(Array.from({ length: MESSAGES }, (_, i) => 0.4 + (MESSAGES - 1 - i) / 100));
  });
});
