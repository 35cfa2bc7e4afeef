/**
 * The shared ticket store: PostgreSQL through node-postgres (pg 8) and kysely's PostgresDialect,
 * so several Clearwater instances can work on one set of tickets. Same queries and migrations as
 * the SQLite store (store.ts, schema.ts); the partial unique index keeps one active ticket per
 * fingerprint across instances, and row locks (SELECT … FOR UPDATE) keep their read-modify-write
 * cycles from losing each other's updates.
 *
 * Timestamps are `bigint` (int8), which pg returns as strings by default. This pool parses them
 * as numbers (epoch ms fit exactly) with its own type table; the global `pg.types` of the
 * process is left alone.
 */
import { PostgresDialect } from 'kysely';
import { Pool, TypeOverrides } from 'pg';
import type { LifecyclePolicy } from './policy.ts';
import { createTicketStore, type NoticePlanner, type TicketStore } from './store.ts';

export interface PostgresTicketStoreOptions {
  /** `postgres://user:password@host:5432/database`; libpq parameters such as `?sslmode=require` pass through. Missing parts come from `PGHOST`, `PGUSER`, `PGPASSWORD`, … */
  readonly connectionString: string;
  /** Schema that holds the ticket tables; created when missing. Lowercase SQL identifier. Default `public`. */
  readonly schema?: string;
  /** Most connections this store opens. Default 10. */
  readonly poolSize?: number;
  /** How long a query waits for a connection (connect and authenticate, or a free pool slot), ms. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** An idle pooled connection failed (server restart, network); the pool drops it and reconnects on the next query. Default: ignored. */
  readonly onIdleError?: (error: Error) => void;
  /** Reopen, flapping and escalation; default `defaultLifecyclePolicy`. */
  readonly policy?: LifecyclePolicy | undefined;
  /** Plans each change's notifications into the outbox. */
  readonly notify?: NoticePlanner | undefined;
}

/** A schema name: unquoted PostgreSQL identifier, at most 63 bytes (NAMEDATALEN - 1). */
export const TICKET_SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** PostgreSQL type oid of int8 (bigint; also what COUNT(*) returns). */
const INT8_OID = 20;

/** int8 text → number, refusing values a double cannot hold exactly (beyond ±2^53 - 1). */
export function int8AsNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} does not fit a JavaScript number exactly`);
  return value;
}

/** Opens a pool, creates the schema if needed and migrates it. The store owns the pool. */
export async function openPostgresTicketStore(options: PostgresTicketStoreOptions): Promise<TicketStore> {
  const schema = options.schema ?? 'public';
  if (!TICKET_SCHEMA_PATTERN.test(schema)) throw new Error(`ticket schema "${schema}" is not a lowercase SQL identifier (${TICKET_SCHEMA_PATTERN.source})`);
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`ticket poolSize must be a positive integer, got ${poolSize}`);
  const types = new TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', int8AsNumber);
  const pool = new Pool({
    connectionString: options.connectionString,
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'clearwater-tickets', // a name in the connection string wins
    keepAlive: true, // notice a vanished server or NAT drop instead of waiting on a dead socket
    types,
  });
  // Without a listener, an idle connection's error would crash the process (EventEmitter).
  pool.on('error', (error) => options.onIdleError?.(error));
  return createTicketStore(new PostgresDialect({ pool }), 'postgres', { schema, ...(options.policy && { policy: options.policy }), notify: options.notify });
}
