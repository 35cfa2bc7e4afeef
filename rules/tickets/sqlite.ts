/**
 * The embedded ticket store: a SQLite file (or ':memory:') through better-sqlite3 v12.
 * WAL lets readers (HTTP API, dashboards) run beside the writer; synchronous FULL because the
 * audit trail is evidence that an incident was handled.
 */
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { LifecyclePolicy } from './policy.ts';
import { createTicketStore, type NoticePlanner, type TicketStore } from './store.ts';

export interface SqliteTicketStoreOptions {
  /** Database file, or ':memory:' for tests. */
  readonly path: string;
  /** How long a writer waits for a lock held by another process, ms. Default 5000. */
  readonly busyTimeoutMs?: number;
  /** Reopen, flapping and escalation; default `defaultLifecyclePolicy`. */
  readonly policy?: LifecyclePolicy | undefined;
  /** Plans each change's notifications into the outbox. */
  readonly notify?: NoticePlanner | undefined;
}

export async function openSqliteTicketStore(options: SqliteTicketStoreOptions): Promise<TicketStore> {
  const database = new Database(options.path);
  try {
    database.pragma('journal_mode = WAL'); // ':memory:' stays "memory"; harmless
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  } catch (error) {
    database.close();
    throw error;
  }
  return createTicketStore(new SqliteDialect({ database }), 'sqlite', { ...(options.policy && { policy: options.policy }), notify: options.notify });
}
