/**
 * The ticket store: tickets and their audit trail through kysely, so SQLite (embedded default,
 * see sqlite.ts) and PostgreSQL run the same queries. Lifecycle decisions come from ticket.ts;
 * the store reads, applies them and writes in one transaction.
 *
 * One active ticket per fingerprint: the query looks for it first, and the partial unique index
 * `tickets_active_fingerprint` refuses a second one if two writers race (the loser re-reads and
 * updates the winner's ticket). Read-modify-write cycles lock the row they read on PostgreSQL
 * (`FOR UPDATE`), so concurrent writers queue instead of overwriting each other's count, peak or
 * state. SQLite has no row locks and needs none here: kysely's SQLite driver runs one
 * transaction at a time on its single connection.
 */
import { CamelCasePlugin, Kysely, type Dialect, type Transaction } from 'kysely';
import type { Severity } from '../severity.ts';
import { migrateTickets, type TicketDatabase, type TicketDialect } from './schema.ts';
import {
  activeStates,
  observe,
  openTicket,
  resolve as resolveTicket,
  transition as transitionTicket,
  type Observation,
  type Ticket,
  type TicketEvent,
  type TicketEventType,
  type TicketSubject,
} from './ticket.ts';

export type OpenOrUpdateInput = TicketSubject & Observation & { readonly actor?: string };
export interface OpenOrUpdateResult {
  readonly ticket: Ticket;
  /** "opened": new ticket; "escalated": severity went up; "updated": last/peak/count only. */
  readonly change: 'opened' | 'updated' | 'escalated';
}

export interface ResolveInput {
  readonly fingerprint: string;
  readonly at: number;
  /** The reading that cleared the condition, if any. */
  readonly value?: number;
  readonly actor: string;
  readonly note?: string;
}

export interface TransitionInput {
  readonly id: number;
  readonly to: 'acknowledged' | 'resolved' | 'closed';
  readonly at: number;
  readonly actor: string;
  readonly note?: string;
}

export type TransitionOutcome = { ok: true; ticket: Ticket } | { ok: false; reason: 'not_found' | 'not_allowed'; detail: string };

export interface ListQuery {
  /** "open": active tickets (open or acknowledged); "all": every ticket. */
  readonly state: 'open' | 'all';
  /** Newest first; absent = no limit. */
  readonly limit?: number;
}

export interface TicketStore {
  /** Opens a ticket for the fingerprint, or records the observation on its active one. */
  openOrUpdate(input: OpenOrUpdateInput): Promise<OpenOrUpdateResult>;
  /** Resolves the fingerprint's active ticket; undefined when there is none. */
  resolve(input: ResolveInput): Promise<Ticket | undefined>;
  /** A person moves a ticket (acknowledge, resolve by hand, close). */
  transition(input: TransitionInput): Promise<TransitionOutcome>;
  list(query: ListQuery): Promise<Ticket[]>;
  get(id: number): Promise<{ ticket: Ticket; events: TicketEvent[] } | undefined>;
  /** Closes the database connection. */
  close(): Promise<void>;
}

type Db = Kysely<TicketDatabase> | Transaction<TicketDatabase>;
type EventDraft = { type: TicketEventType; at: number; actor: string; severity?: Severity; value?: number; note?: string };

export interface TicketStoreOptions {
  /** PostgreSQL only: the schema holding the tables (created by the migration when missing). */
  readonly schema?: string;
}

/**
 * How often openOrUpdate starts over after losing an insert race. One retry always suffices
 * unless the winner's ticket is resolved in between, and then another writer wins again.
 */
const OPEN_ATTEMPTS = 3;

/** Opens a store over a kysely dialect and migrates it. The store owns the connection. */
export async function createTicketStore(dialect: Dialect, flavour: TicketDialect, options: TicketStoreOptions = {}): Promise<TicketStore> {
  let db = new Kysely<TicketDatabase>({ dialect, plugins: [new CamelCasePlugin()] });
  if (options.schema !== undefined) db = db.withSchema(options.schema);
  try {
    await migrateTickets(db, flavour, options.schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyTicketStore(db, flavour === 'postgres');
}

class KyselyTicketStore implements TicketStore {
  constructor(
    private readonly db: Kysely<TicketDatabase>,
    /** Lock rows read for update (PostgreSQL); see the file comment. */
    private readonly lockRows: boolean,
  ) {}

  async openOrUpdate(input: OpenOrUpdateInput): Promise<OpenOrUpdateResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute((trx) => this.openOrUpdateIn(trx, input));
      } catch (error) {
        // Another writer opened the ticket between our read and insert: start over, which
        // finds and updates theirs.
        if (!isActiveFingerprintViolation(error) || attempt >= OPEN_ATTEMPTS) throw error;
      }
    }
  }

  private async openOrUpdateIn(trx: Transaction<TicketDatabase>, input: OpenOrUpdateInput): Promise<OpenOrUpdateResult> {
    const { actor = 'system', at, value, severity, worst, ...subject } = input;
    const observation = { at, value, severity, worst };
    const active = await this.findActive(trx, subject.fingerprint);
    if (active === undefined) {
      const ticket = await trx.insertInto('tickets').values(openTicket(subject, observation)).returningAll().executeTakeFirstOrThrow();
      await recordEvent(trx, ticket.id, { type: 'opened', at, actor, severity, value });
      return { ticket, change: 'opened' };
    }
    const { ticket, escalated } = observe(active, observation);
    await trx.updateTable('tickets').set(mutable(ticket)).where('id', '=', ticket.id).execute();
    if (escalated) await recordEvent(trx, ticket.id, { type: 'escalated', at, actor, severity, value });
    return { ticket, change: escalated ? 'escalated' : 'updated' };
  }

  async resolve(input: ResolveInput): Promise<Ticket | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const active = await this.findActive(trx, input.fingerprint);
      if (active === undefined) return undefined;
      const result = resolveTicket(active, input.at, input.value);
      if (!result.ok) return undefined; // active tickets can always resolve
      await trx.updateTable('tickets').set(mutable(result.ticket)).where('id', '=', active.id).execute();
      await recordEvent(trx, active.id, { type: 'resolved', ...pick(input) });
      return result.ticket;
    });
  }

  async transition(input: TransitionInput): Promise<TransitionOutcome> {
    return this.db.transaction().execute(async (trx): Promise<TransitionOutcome> => {
      const current = await trx
        .selectFrom('tickets')
        .selectAll()
        .where('id', '=', input.id)
        .$if(this.lockRows, (query) => query.forUpdate())
        .executeTakeFirst();
      if (current === undefined) return { ok: false, reason: 'not_found', detail: `no ticket ${input.id}` };
      const result = transitionTicket(current, input.to, input.at);
      if (!result.ok) return { ok: false, reason: 'not_allowed', detail: result.reason };
      await trx.updateTable('tickets').set(mutable(result.ticket)).where('id', '=', input.id).execute();
      await recordEvent(trx, input.id, { type: input.to, ...pick(input) });
      return result;
    });
  }

  async list(query: ListQuery): Promise<Ticket[]> {
    let select = this.db.selectFrom('tickets').selectAll().orderBy('openedAt', 'desc').orderBy('id', 'desc');
    if (query.state === 'open') select = select.where('state', 'in', activeStates);
    if (query.limit !== undefined) select = select.limit(query.limit);
    return select.execute();
  }

  async get(id: number): Promise<{ ticket: Ticket; events: TicketEvent[] } | undefined> {
    const ticket = await this.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    if (ticket === undefined) return undefined;
    const events = await this.db.selectFrom('ticketEvents').selectAll().where('ticketId', '=', id).orderBy('id').execute();
    return { ticket, events };
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** The fingerprint's active ticket, locked until the transaction ends where rows lock. */
  private findActive(trx: Transaction<TicketDatabase>, fingerprint: string): Promise<Ticket | undefined> {
    return trx
      .selectFrom('tickets')
      .selectAll()
      .where('fingerprint', '=', fingerprint)
      .where('state', 'in', activeStates)
      .$if(this.lockRows, (query) => query.forUpdate())
      .executeTakeFirst();
  }
}

/** The columns a change may touch (the subject and id never change). */
function mutable(ticket: Ticket) {
  const { severity, state, updatedAt, resolvedAt, lastValue, peakValue, count } = ticket;
  return { severity, state, updatedAt, resolvedAt, lastValue, peakValue, count };
}

function pick(input: { at: number; actor: string; value?: number; note?: string }) {
  return { at: input.at, actor: input.actor, value: input.value, note: input.note };
}

async function recordEvent(db: Db, ticketId: number, event: EventDraft): Promise<void> {
  const { type, at, actor, severity, value, note } = event;
  await db
    .insertInto('ticketEvents')
    .values({ ticketId, type, at, actor, severity: severity ?? null, value: value ?? null, note: note ?? null })
    .execute();
}

/**
 * Did `tickets_active_fingerprint` refuse an insert? PostgreSQL (pg) names the index in
 * `constraint` (SQLSTATE 23505 unique_violation); SQLite (better-sqlite3) names the column in the
 * message ("UNIQUE constraint failed: tickets.fingerprint").
 */
function isActiveFingerprintViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint, message } = error as { code?: unknown; constraint?: unknown; message?: unknown };
  if (code === '23505') return constraint === 'tickets_active_fingerprint';
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('tickets.fingerprint');
}
