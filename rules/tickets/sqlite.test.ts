import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Kysely, Migrator, sql, SqliteDialect } from 'kysely';
import { ticketMigrations } from './schema.ts';
import { openSqliteTicketStore } from './sqlite.ts';
import { describeChangeStream } from './changes.suite.ts';
import { describeTicketLifecycle } from './lifecycle.suite.ts';
import { activeTicketInsert, describeTicketStore, reading, type TicketStoreHarness } from './store.suite.ts';

describe('SQLite ticket store', () => {
  let dir: string;
  let path: string;

  const harness: TicketStoreHarness = {
    setUp: async () => {
      dir = await mkdtemp(join(tmpdir(), 'clearwater-tickets-'));
      path = join(dir, 'tickets.db');
    },
    tearDown: () => rm(dir, { recursive: true, force: true }),
    open: (policy) => openSqliteTicketStore({ path, policy }),
    insertActiveTicket: async (fingerprint) => {
      const raw = new Database(path);
      try {
        raw.prepare(activeTicketInsert('tickets', '?')).run(fingerprint);
      } finally {
        raw.close();
      }
    },
  };

  describeTicketStore(harness);
  describeTicketLifecycle(harness);
  describeChangeStream(harness);

  describe('upgrades', () => {
    beforeEach(harness.setUp);
    afterEach(harness.tearDown);

    it('brings a database of the first schema up to date, keeping its tickets', async () => {
      const database = new Database(path);
      const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
      const first = ticketMigrations('sqlite')['2026-01-01-0001-tickets'];
      if (!first) throw new Error('first migration missing');
      const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ '2026-01-01-0001-tickets': first }) }, migrationTableName: 'ticket_migrations', migrationLockTableName: 'ticket_migrations_lock' });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      await sql`insert into tickets (fingerprint, rule_id, title, title_zh, source, severity, state, metric, site, site_kind, device, township, zone, opened_at, updated_at, first_value, last_value, peak_value, count)
        values ('main-pressure-drop/main-1', 'main-pressure-drop', 't', 't', 's', 'warning', 'open', 'pressure', 'main-1', 'main', 'd', 'tongmen', 'north', 1000, 1000, 300, 240, 240, 2)`.execute(db);
      await db.destroy();
      const store = await harness.open();
      try {
        expect(await store.list({ state: 'open' })).toMatchObject([{ fingerprint: 'main-pressure-drop/main-1', tier: 'township', tierAt: 1000, reopened: 0, assignee: null }]);
        expect(await store.listSilences({})).toEqual([]);
      } finally {
        await store.close();
      }
    });
  });

  describe('on disk', () => {
    beforeEach(harness.setUp);
    afterEach(harness.tearDown);

    it('runs in WAL mode and stores times as integers, values as reals', async () => {
      const store = await harness.open();
      await store.openOrUpdate(reading(0, 3));
      await store.close();
      const raw = new Database(path, { readonly: true });
      try {
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(raw.prepare('select typeof(opened_at) as t, typeof(peak_value) as v from tickets').get()).toEqual({ t: 'integer', v: 'real' });
      } finally {
        raw.close();
      }
    });
  });
});
