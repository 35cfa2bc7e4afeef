/**
 * Ticket tables and their migrations. The DDL is written once for SQLite and PostgreSQL: the
 * only dialect-specific piece is how the integer id is generated. Timestamps are epoch ms in
 * `bigint` (SQLite stores them as INTEGER; postgres.ts has pg parse int8 as a number),
 * values are `double precision` (REAL in SQLite, float8 in PostgreSQL).
 *
 * Column names are snake_case in the database; queries see them camelCase through kysely's
 * CamelCasePlugin, so rows are `Ticket`s without a mapping layer.
 */
import { Migrator, sql, type ColumnDefinitionBuilder, type Generated, type Kysely, type Migration } from 'kysely';
import type { Silence } from './silence.ts';
import type { TicketEvent, Ticket } from './ticket.ts';

export type TicketDialect = 'sqlite' | 'postgres';

type Table<Row extends { id: number }> = { [K in keyof Row]: K extends 'id' ? Generated<number> : Row[K] };

/** The database as queries see it (camelCase). */
export interface TicketDatabase {
  tickets: Table<Ticket>;
  ticketEvents: Table<TicketEvent>;
  silences: Table<Silence>;
  ticketChangeCursors: TicketChangeCursor;
  notificationOutbox: Table<OutboxRow>;
  ackTokensUsed: AckTokenUse;
}

/** One notice to send: a (ticket change, recipient, channel) and its delivery state (outbox.ts). */
export interface OutboxRow {
  readonly id: number;
  readonly eventId: number;
  readonly ticketId: number;
  readonly recipient: string;
  readonly channel: string;
  readonly kind: string;
  /** 1: gathered into the recipient's digest for the channel. */
  readonly digest: number;
  readonly state: 'pending' | 'sent' | 'failed' | 'fallen_back';
  readonly notBefore: number;
  readonly nextAttemptAt: number;
  readonly attempts: number;
  /** A sender's lease: nobody else sends it before this (epoch ms). */
  readonly claimedUntil: number | null;
  readonly claimedBy: string | null;
  /** The peer's last answer or the failure's reason. */
  readonly detail: string | null;
  readonly sentAt: number | null;
  readonly createdAt: number;
}

/** A phone acknowledgement link that was used (its id), so it cannot be used again. */
export interface AckTokenUse {
  readonly jti: string;
  readonly ticketId: number;
  readonly recipient: string;
  readonly usedAt: number;
  readonly origin: string | null;
}

/** How far a durable consumer of the change stream has got (changes.ts). */
export interface TicketChangeCursor {
  /** The consumer's name, e.g. "annotations". */
  readonly consumer: string;
  /** The last event id it has handled. */
  readonly eventId: number;
  readonly updatedAt: number;
}

const idColumn =
  (dialect: TicketDialect) =>
  (column: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'postgres' ? column.primaryKey().generatedByDefaultAsIdentity() : column.primaryKey().autoIncrement();

function initial(dialect: TicketDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tickets')
        .addColumn('id', 'integer', idColumn(dialect))
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('rule_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('title_zh', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('site', 'text', (c) => c.notNull())
        .addColumn('site_kind', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('village', 'text')
        .addColumn('township', 'text', (c) => c.notNull())
        .addColumn('zone', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('resolved_at', 'bigint')
        .addColumn('first_value', 'double precision', (c) => c.notNull())
        .addColumn('last_value', 'double precision', (c) => c.notNull())
        .addColumn('peak_value', 'double precision', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .execute();
      // At most one active ticket per fingerprint, enforced by the database itself (partial
      // unique index: SQLite ≥ 3.8 and PostgreSQL both have them).
      await db.schema
        .createIndex('tickets_active_fingerprint')
        .on('tickets')
        .column('fingerprint')
        .unique()
        .where(sql.ref('state'), 'in', sql`('open', 'acknowledged')`)
        .execute();
      await db.schema.createIndex('tickets_opened_at').on('tickets').columns(['opened_at', 'id']).execute();
      await db.schema.createIndex('tickets_state').on('tickets').column('state').execute();
      await db.schema
        .createTable('ticket_events')
        .addColumn('id', 'integer', idColumn(dialect))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('severity', 'text')
        .addColumn('value', 'double precision')
        .addColumn('note', 'text')
        .execute();
      await db.schema.createIndex('ticket_events_ticket').on('ticket_events').columns(['ticket_id', 'id']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('ticket_events').execute();
      await db.schema.dropTable('tickets').execute();
    },
  };
}

/**
 * The working lifecycle: assignee, tiers (timed escalation), reopen count, flapping, silences,
 * and the origin of every event. `suppressed` joins the active states, so the partial unique
 * index is rebuilt to cover it.
 */
function lifecycle(dialect: TicketDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const columns: [string, 'text' | 'bigint' | 'integer', ((c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder)?][] = [
        ['assignee', 'text'],
        ['tier', 'text', (c) => c.notNull().defaultTo('village')],
        ['tier_at', 'bigint', (c) => c.notNull().defaultTo(0)],
        ['reopened', 'integer', (c) => c.notNull().defaultTo(0)],
        ['flapping_since', 'bigint'],
        ['held_resolve_at', 'bigint'],
        ['silence_id', 'integer'],
      ];
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      for (const [name, type, build] of columns) await db.schema.alterTable('tickets').addColumn(name, type, build).execute();
      await db
        .updateTable('tickets' as never)
        .set({ tier: sql`case when village is null then 'township' else 'village' end`, tier_at: sql.ref('opened_at') } as never)
        .execute();
      await db.schema.alterTable('ticket_events').addColumn('origin', 'text').execute();
      await db.schema.dropIndex('tickets_active_fingerprint').execute();
      await db.schema
        .createIndex('tickets_active_fingerprint')
        .on('tickets')
        .column('fingerprint')
        .unique()
        .where(sql.ref('state'), 'in', sql`('open', 'acknowledged', 'suppressed')`)
        .execute();
      await db.schema
        .createTable('silences')
        .addColumn('id', 'integer', idColumn(dialect))
        .addColumn('rule_id', 'text')
        .addColumn('site', 'text')
        .addColumn('village', 'text')
        .addColumn('device', 'text')
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('ends_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('expired_at', 'bigint')
        .addColumn('expired_by', 'text')
        .addColumn('origin', 'text')
        .execute();
      await db.schema.createIndex('silences_ends_at').on('silences').column('ends_at').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('silences').execute();
    },
  };
}

/**
 * The change stream: every event records the ticket's state and tier as the change left them
 * (its severity too, which older rows have only where the event set it), and durable consumers
 * keep their cursor in the database, so any instance can pick up where another stopped.
 */
const changeStream: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('ticket_events').addColumn('state', 'text').execute();
    await db.schema.alterTable('ticket_events').addColumn('tier', 'text').execute();
    await db.schema
      .createTable('ticket_change_cursors')
      .addColumn('consumer', 'text', (c) => c.primaryKey())
      .addColumn('event_id', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('ticket_change_cursors').execute();
  },
};

/**
 * Notifications: the outbox, one row per (ticket change, recipient, channel), written in the
 * transaction of the change; and the acknowledgement links already used.
 */
function notifications(dialect: TicketDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notification_outbox')
        .addColumn('id', 'integer', idColumn(dialect))
        .addColumn('event_id', 'integer', (c) => c.notNull().references('ticket_events.id').onDelete('cascade'))
        .addColumn('ticket_id', 'integer', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('digest', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('not_before', 'bigint', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('claimed_until', 'bigint')
        .addColumn('claimed_by', 'text')
        .addColumn('detail', 'text')
        .addColumn('sent_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('notification_outbox_delivery', ['event_id', 'recipient', 'channel'])
        .execute();
      await db.schema.createIndex('notification_outbox_due').on('notification_outbox').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('notification_outbox_ticket').on('notification_outbox').columns(['ticket_id', 'id']).execute();
      await db.schema
        .createTable('ack_tokens_used')
        .addColumn('jti', 'text', (c) => c.primaryKey())
        .addColumn('ticket_id', 'integer', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('used_at', 'bigint', (c) => c.notNull())
        .addColumn('origin', 'text')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('ack_tokens_used').execute();
      await db.schema.dropTable('notification_outbox').execute();
    },
  };
}

/** Sent rows by channel and time: the rate windows of every instance read the last minute's (outbox.ts `sentSince`). */
const outboxSent: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('notification_outbox_sent').on('notification_outbox').columns(['channel', 'sent_at']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('notification_outbox_sent').execute();
  },
};

/** Migrations by name; names sort in the order they apply. Never edit one that shipped. */
export function ticketMigrations(dialect: TicketDialect): Record<string, Migration> {
  return {
    '2026-01-01-0001-tickets': initial(dialect),
    '2026-11-29-0002-lifecycle': lifecycle(dialect),
    '2026-12-01-0003-change-stream': changeStream,
    '2026-12-01-0004-notifications': notifications(dialect),
    '2026-12-03-0005-outbox-sent': outboxSent,
  };
}

/**
 * Brings the tables to the latest version. Idempotent; safe to run at every start, also from
 * several instances at once (PostgreSQL: kysely serialises migrations with an advisory lock).
 * With `schema` (PostgreSQL), everything lives in that schema, created when missing: migrations
 * and the migration tables alike, whatever the connection's search_path.
 */
export async function migrateTickets(db: Kysely<TicketDatabase>, dialect: TicketDialect, schema?: string): Promise<void> {
  const bare = db.withoutPlugins(); // migrations name columns in snake_case
  const migrator = new Migrator({
    db: schema === undefined ? bare : bare.withSchema(schema),
    provider: { getMigrations: async () => ticketMigrations(dialect) },
    migrationTableName: 'ticket_migrations',
    migrationLockTableName: 'ticket_migrations_lock',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    const cause = error instanceof Error ? error.message : String(error ?? 'unknown error');
    const what = failed === undefined ? 'ticket migrations' : `ticket migration ${failed.migrationName}`;
    throw new Error(`${what} failed: ${cause}`, { cause: error });
  }
}
