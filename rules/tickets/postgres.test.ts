/**
 * The PostgreSQL store against a real server: CLEARWATER_TEST_PG, default the test machines'
 * postgres://postgres@127.0.0.1:5432/test (trust auth). Each run of this file works in a schema
 * of its own, `clearwater_test_<random>`, created by the store and dropped after every test, so
 * parallel runs and other files never see each other's tickets.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { int8AsNumber, openPostgresTicketStore } from './postgres.ts';
import { describeChangeStream } from './changes.suite.ts';
import { describeTicketLifecycle } from './lifecycle.suite.ts';
import { activeTicketInsert, describeTicketStore, reading, type TicketStoreHarness } from './store.suite.ts';

const connectionString = process.env.CLEARWATER_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';
const schema = `clearwater_test_${randomBytes(6).toString('hex')}`;

describe('PostgreSQL ticket store', () => {
  let admin: Pool;

  beforeAll(() => {
    admin = new Pool({ connectionString, max: 2 });
  });

  afterAll(async () => {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  const dropSchema = async () => {
    await admin.query(`drop schema if exists ${schema} cascade`);
  };

  const harness: TicketStoreHarness = {
    setUp: dropSchema,
    tearDown: dropSchema,
    open: (policy) => openPostgresTicketStore({ connectionString, schema, policy }),
    insertActiveTicket: async (fingerprint) => {
      await admin.query(activeTicketInsert(`${schema}.tickets`, '$1'), [fingerprint]);
    },
  };

  describeTicketStore(harness);
  describeTicketLifecycle(harness);
  describeChangeStream(harness);

  describe('shared by several instances', () => {
    beforeEach(harness.setUp);
    afterEach(harness.tearDown);

    it('opens exactly one ticket when two instances race openOrUpdate on one fingerprint', async () => {
      // Opening both at once also races the migrations.
      const [east, west] = await Promise.all([harness.open(), harness.open()]);
      try {
        const fingerprints = Array.from({ length: 5 }, (_, i) => `tap-turbidity/race-${i}`);
        for (const fingerprint of fingerprints) {
          const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? east : west).openOrUpdate(reading(i, 2 + i / 10, 'warning', fingerprint))));
          expect(results.filter((result) => result.change === 'opened')).toHaveLength(1);
        }
        const open = await west.list({ state: 'all' });
        expect(open.map((ticket) => [ticket.fingerprint, ticket.state, ticket.count, ticket.peakValue]).sort()).toEqual(fingerprints.map((f) => [f, 'open', 20, 3.9]));
        for (const ticket of open) expect((await east.get(ticket.id))?.events.map((event) => event.type)).toEqual(['opened']);
      } finally {
        await Promise.all([east.close(), west.close()]);
      }
    });

    it('does not lose an acknowledgement to a reading landing at the same moment', async () => {
      const [east, west] = await Promise.all([harness.open(), harness.open()]);
      try {
        const { ticket } = await east.openOrUpdate(reading(0, 3));
        await Promise.all([
          ...Array.from({ length: 10 }, (_, i) => east.openOrUpdate(reading(i + 1, 3))),
          west.transition({ id: ticket.id, to: 'acknowledged', at: reading(5, 0).at, actor: 'li.dispatcher' }),
        ]);
        expect(await west.get(ticket.id)).toMatchObject({ ticket: { state: 'acknowledged', count: 11 } });
      } finally {
        await Promise.all([east.close(), west.close()]);
      }
    });

    it('hands a durable consumer\'s batch to one instance at a time; the other moves on', async () => {
      const [east, west] = await Promise.all([harness.open(), harness.open()]);
      try {
        await east.openCursor('annotations', 'beginning');
        await east.openOrUpdate(reading(0, 3));
        let release: () => void = () => {};
        const holding = new Promise<void>((resolve) => (release = resolve));
        let claimed: () => void = () => {};
        const started = new Promise<void>((resolve) => (claimed = resolve));
        const eastTurn = east.consumeChanges('annotations', 10, async () => {
          claimed();
          await holding;
        });
        await started;
        expect(await west.consumeChanges('annotations', 10, async () => expect.unreachable('east holds the cursor'))).toBe(0);
        release();
        expect(await eastTurn).toBe(1);
        expect(await west.consumeChanges('annotations', 10, async () => expect.unreachable('nothing new'))).toBe(0);
      } finally {
        await Promise.all([east.close(), west.close()]);
      }
    });

    it('never lets a reader see an event before the events with lower ids, whichever instance commits first', async () => {
      const [east, west] = await Promise.all([harness.open(), harness.open()]);
      try {
        const seen: number[] = [];
        let writing = true;
        const reader = (async () => {
          let cursor = 0;
          while (writing || (await west.latestEventId()) > cursor) {
            for (const change of await west.changes(cursor, 1000)) {
              seen.push(change.event.id);
              cursor = change.event.id;
            }
          }
        })();
        // 100 fingerprints × 5 steps, written by both instances at once, 20 transactions in flight.
        await Promise.all(
          Array.from({ length: 100 }, async (_, i) => {
            const store = i % 2 === 0 ? east : west;
            const fingerprint = `tap-turbidity/order-${i}`;
            for (let step = 0; step < 5; step++) {
              if (step % 2 === 0) await store.openOrUpdate(reading(step, 3, step === 2 ? 'critical' : 'warning', fingerprint));
              else await store.resolve({ fingerprint, at: reading(step, 0).at, actor: 'system' });
            }
          }),
        );
        writing = false;
        await reader;
        const all = (await east.changes(0, 10_000)).map((c) => c.event.id);
        expect(all).toHaveLength(600); // per fingerprint: opened, resolved, reopened, resolved, reopened + flapping
        // A cursor that skipped an id committed late would miss it: every id was seen, once, in order.
        expect(seen).toEqual(all);
      } finally {
        await Promise.all([east.close(), west.close()]);
      }
    });

    it('keeps every table and index in its schema, with bigint times', async () => {
      const store = await harness.open();
      await store.close();
      const tables = await admin.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1 order by 1', [schema]);
      expect(tables.rows.map((row) => row.table_name)).toEqual(['ack_tokens_used', 'notification_outbox', 'silences', 'ticket_change_cursors', 'ticket_events', 'ticket_migrations', 'ticket_migrations_lock', 'tickets']);
      const index = await admin.query<{ indexdef: string }>(`select indexdef from pg_indexes where schemaname = $1 and indexname = 'tickets_active_fingerprint'`, [schema]);
      expect(index.rows[0]?.indexdef).toMatch(/UNIQUE INDEX .* \(fingerprint\) WHERE \(state = ANY \(ARRAY\['open'::text, 'acknowledged'::text, 'suppressed'::text\]\)\)/);
      const columns = await admin.query<{ column_name: string; data_type: string }>(
        `select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = 'tickets' and column_name in ('id', 'opened_at', 'peak_value') order by 1`,
        [schema],
      );
      expect(columns.rows).toEqual([
        { column_name: 'id', data_type: 'integer' },
        { column_name: 'opened_at', data_type: 'bigint' },
        { column_name: 'peak_value', data_type: 'double precision' },
      ]);
    });
  });

  describe('when the server drops connections', () => {
    beforeEach(harness.setUp);
    afterEach(harness.tearDown);

    it('reports the dropped idle connections and reconnects on the next write', async () => {
      const separator = connectionString.includes('?') ? '&' : '?';
      const errors: Error[] = [];
      const store = await openPostgresTicketStore({ connectionString: `${connectionString}${separator}application_name=${schema}`, schema, onIdleError: (error) => errors.push(error) });
      try {
        await Promise.all([store.openOrUpdate(reading(0, 3)), store.list({ state: 'all' })]);
        const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [schema]);
        expect(killed.rowCount).toBeGreaterThan(0);
        await expect.poll(() => errors.length).toBe(killed.rowCount);
        expect(errors[0]?.message).toMatch(/terminating connection/);
        expect(await store.openOrUpdate(reading(1, 4))).toMatchObject({ change: 'updated', ticket: { count: 2 } });
      } finally {
        await store.close();
      }
    });

    it('fails to open, without hanging, when nothing listens', async () => {
      await expect(openPostgresTicketStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 2000 })).rejects.toThrow(/ticket migrations failed: .*ECONNREFUSED/);
    });
  });

  it('refuses a schema name that is not a plain identifier, before connecting', async () => {
    await expect(openPostgresTicketStore({ connectionString: 'postgres://nowhere.invalid/x', schema: 'Tickets; drop' })).rejects.toThrow(/not a lowercase SQL identifier/);
  });
});

describe('int8AsNumber', () => {
  it.each([
    ['0', 0],
    ['1795831200000', 1_795_831_200_000],
    ['-42', -42],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('%s → %d', (text, expected) => {
    expect(int8AsNumber(text)).toBe(expected);
  });

  it('refuses values a double cannot hold exactly', () => {
    expect(() => int8AsNumber('9007199254740993')).toThrow(RangeError);
  });
});
