import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteTicketStore } from './sqlite.ts';
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
    open: () => openSqliteTicketStore({ path }),
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
