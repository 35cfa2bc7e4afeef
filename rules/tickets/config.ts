/**
 * Which ticket store a process uses, as one config block (`tickets:` in the app's YAML):
 *
 *   tickets: { store: sqlite }                                   # default: <dataDir>/tickets.db
 *   tickets: { store: postgres, url: postgres://clearwater@db.example:5432/clearwater }
 *
 * SQLite is the embedded default for one process; PostgreSQL when several instances share
 * tickets (README.md, "Configuration"; rules/README.md, "PostgreSQL"). Parsing touches nothing;
 * `openTicketStore` connects and migrates.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { LifecyclePolicy } from './policy.ts';
import type { NoticePlanner } from './store.ts';
import { openPostgresTicketStore, TICKET_SCHEMA_PATTERN } from './postgres.ts';
import { openSqliteTicketStore } from './sqlite.ts';
import type { TicketStore } from './store.ts';

export const sqliteTicketStoreSchema = z.object({
  store: z.literal('sqlite').describe('A SQLite file on this machine: the embedded default, for one process'),
  path: z.string().min(1).default('tickets.db').describe('Database file; a relative path is inside dataDir'),
  busyTimeoutMs: z.number().int().nonnegative().default(5000).describe('How long a writer waits for a lock held by another process, ms'),
});

export const postgresTicketStoreSchema = z.object({
  store: z.literal('postgres').describe('PostgreSQL, shared by every instance of a multi-instance deployment'),
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .describe('postgres://user:password@host:5432/database (libpq parameters such as ?sslmode=require pass through); missing parts come from PGHOST, PGUSER, PGPASSWORD, …'),
  schema: z.string().regex(TICKET_SCHEMA_PATTERN, 'expected a lowercase SQL identifier').default('public').describe('Schema holding the ticket tables; created when missing'),
  poolSize: z.number().int().positive().default(10).describe('Most connections this process opens'),
  connectTimeoutMs: z.number().int().positive().default(10_000).describe('How long a query waits for a connection (connect, or a free pool slot), ms'),
});

export const ticketStoreSchema = z
  .discriminatedUnion('store', [sqliteTicketStoreSchema, postgresTicketStoreSchema])
  .prefault({ store: 'sqlite' })
  .describe('Where tickets and their audit trail are kept');
export type TicketStoreConfig = z.infer<typeof ticketStoreSchema>;

export interface TicketStoreContext {
  /** The process's data folder; a relative SQLite path lands inside it. */
  readonly dataDir: string;
  /** PostgreSQL: an idle pooled connection failed (the pool reconnects on demand). */
  readonly onConnectionError?: (error: Error) => void;
  /** Reopen, flapping and escalation (the app's `lifecycle:` block). */
  readonly policy?: LifecyclePolicy;
  /** Plans each change's notifications into the outbox, in the change's transaction; absent: none. */
  readonly notify?: NoticePlanner | undefined;
}

/** The file of a SQLite store: a relative path is inside `dataDir`. */
export function sqliteTicketFile(config: z.infer<typeof sqliteTicketStoreSchema>, dataDir: string): string {
  return resolve(dataDir, config.path);
}

/** Opens (and migrates) the configured store. */
export function openTicketStore(config: TicketStoreConfig, context: TicketStoreContext): Promise<TicketStore> {
  switch (config.store) {
    case 'sqlite':
      return openSqliteTicketStore({ path: sqliteTicketFile(config, context.dataDir), busyTimeoutMs: config.busyTimeoutMs, policy: context.policy, notify: context.notify });
    case 'postgres':
      return openPostgresTicketStore({
        connectionString: config.url,
        schema: config.schema,
        poolSize: config.poolSize,
        connectTimeoutMs: config.connectTimeoutMs,
        onIdleError: context.onConnectionError,
        policy: context.policy,
        notify: context.notify,
      });
  }
}
