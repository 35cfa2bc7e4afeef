/**
 * Ticket changes as one ordered stream: every change, whoever made it (the engine, the sweep, a
 * person through the API, a silence expiring), is a `ticket_events` row, and the stream is those
 * rows in id order. Readers keep a cursor (the last event id they handled); durable consumers
 * keep it in the database (`ticket_change_cursors`), so a restart, or another instance, goes on
 * where the last one stopped.
 *
 * Ids follow commit order, so a cursor never skips a change that commits late:
 * - SQLite runs one write transaction at a time.
 * - PostgreSQL assigns identity values at insert time, not at commit, so two transactions can
 *   commit out of id order and a reader could see id 11 before id 10 exists. Every transaction
 *   therefore takes one transaction-scoped advisory lock (`pg_advisory_xact_lock`) right before it
 *   inserts its events, and holds it until it commits: ids are drawn, and become visible, one
 *   transaction after the other. Events are recorded last in every transaction, after the rows it
 *   locks, so the advisory lock is never held while waiting for a row lock (no deadlock).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Severity } from '../severity.ts';
import type { TicketDatabase } from './schema.ts';
import type { Ticket, TicketEvent, TicketEventType } from './ticket.ts';

type Db = Kysely<TicketDatabase> | Transaction<TicketDatabase>;

/** One change of the stream: the audit event, and the ticket it belongs to as it is now. */
export interface TicketChange {
  /** The event; `event.id` is the stream cursor. Its `state`, `tier` and `severity` are the ticket's right after this change. */
  readonly event: TicketEvent;
  /** The ticket as it is when the change is read (later changes may have moved it on). */
  readonly ticket: Ticket;
}

/** An event to record; the ticket's state, tier and severity are added from the ticket it changed. */
export interface EventDraft {
  readonly type: TicketEventType;
  readonly at: number;
  readonly actor: string;
  readonly severity?: Severity;
  readonly value?: number | undefined;
  readonly note?: string | undefined;
  readonly origin?: string | undefined;
}

/** Key of the advisory lock that orders event ids (the two-int form: a constant and the schema). */
const EVENT_LOCK_CLASS = 0x636c_7761; // "clwa"

/**
 * Records the events of one transaction, after everything else it wrote (the outbox rows they
 * ask for follow, store.ts), and returns them as changes. `schema` is set on
 * PostgreSQL (the lock is per schema, so separate deployments in one database do not wait on
 * each other) and undefined on SQLite.
 */
export async function recordEvents(trx: Transaction<TicketDatabase>, postgresSchema: string | undefined, writes: readonly { ticket: Ticket; events: readonly EventDraft[] }[]): Promise<TicketChange[]> {
  const rows = writes.flatMap(({ ticket, events }) =>
    events.map(({ type, at, actor, severity, value, note, origin }) => ({
      ticketId: ticket.id,
      type,
      at,
      actor,
      severity: severity ?? ticket.severity,
      value: value ?? null,
      note: note ?? null,
      origin: origin ?? null,
      state: ticket.state,
      tier: ticket.tier,
    })),
  );
  if (rows.length === 0) return [];
  if (postgresSchema !== undefined) await sql`select pg_advisory_xact_lock(${EVENT_LOCK_CLASS}, hashtext(${postgresSchema}))`.execute(trx);
  const events = await trx.insertInto('ticketEvents').values(rows).returningAll().execute();
  const tickets = writes.flatMap(({ ticket, events: drafts }) => drafts.map(() => ticket));
  return events.map((event, i) => ({ event, ticket: tickets[i]! }));
}

/** Up to `limit` changes after event `afterId`, oldest first. */
export async function changesAfter(db: Db, afterId: number, limit: number): Promise<TicketChange[]> {
  const events = await db.selectFrom('ticketEvents').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
  if (events.length === 0) return [];
  const ids = [...new Set(events.map((event) => event.ticketId))];
  const tickets = new Map((await db.selectFrom('tickets').selectAll().where('id', 'in', ids).execute()).map((ticket) => [ticket.id, ticket]));
  // Tickets are never deleted, and an event's ticket is written in the same transaction.
  return events.flatMap((event) => {
    const ticket = tickets.get(event.ticketId);
    return ticket === undefined ? [] : [{ event, ticket }];
  });
}

/** The newest event id, 0 when there is none: where a reader that wants only new changes starts. */
export async function latestEventId(db: Db): Promise<number> {
  const row = await db.selectFrom('ticketEvents').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Creates a durable consumer's cursor unless it exists (any instance may do it first): a new
 * consumer starts after the newest event (`latest`) or at the beginning.
 */
export async function openCursor(db: Kysely<TicketDatabase>, consumer: string, from: 'latest' | 'beginning', now: number): Promise<void> {
  const start = from === 'latest' ? await latestEventId(db) : 0;
  await db
    .insertInto('ticketChangeCursors')
    .values({ consumer, eventId: start, updatedAt: now })
    .onConflict((conflict) => conflict.column('consumer').doNothing())
    .execute();
}

/**
 * A durable consumer's next batch: claims the consumer's cursor (PostgreSQL: `FOR UPDATE SKIP
 * LOCKED`, so one instance at a time and the others move on), reads up to `limit` changes after
 * it, awaits `handle`, and advances the cursor in the same transaction. A `handle` that throws
 * leaves the cursor where it was, so the batch comes again: delivery is at least once, in order.
 * `handle` must not call the store: on SQLite the store's one connection is busy with this
 * transaction. Resolves with the number of changes handled (0: nothing new, no cursor yet, or
 * another instance holds it).
 */
export async function consumeChanges(
  db: Kysely<TicketDatabase>,
  lockRows: boolean,
  consumer: { name: string; now: number },
  limit: number,
  handle: (changes: readonly TicketChange[]) => Promise<void>,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const cursor = await trx
      .selectFrom('ticketChangeCursors')
      .select('eventId')
      .where('consumer', '=', consumer.name)
      .$if(lockRows, (query) => query.forUpdate().skipLocked())
      .executeTakeFirst();
    if (cursor === undefined) return 0;
    const changes = await changesAfter(trx, cursor.eventId, limit);
    const last = changes.at(-1);
    if (last === undefined) return 0;
    await handle(changes);
    await trx.updateTable('ticketChangeCursors').set({ eventId: last.event.id, updatedAt: consumer.now }).where('consumer', '=', consumer.name).execute();
    return changes.length;
  });
}
