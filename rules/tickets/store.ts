/**
 * The ticket store: tickets, their audit trail and silences through kysely, so SQLite (embedded
 * default, see sqlite.ts) and PostgreSQL run the same queries. Lifecycle decisions come from
 * ticket.ts, policy.ts and silence.ts; the store reads, applies them and writes in one
 * transaction.
 *
 * One active ticket per fingerprint: the query looks for it first, and the partial unique index
 * `tickets_active_fingerprint` refuses a second one if two writers race (the loser re-reads and
 * updates the winner's ticket). Read-modify-write cycles lock the row they read on PostgreSQL
 * (`FOR UPDATE`), so concurrent writers (and several instances sweeping at once) queue instead of
 * overwriting each other. SQLite has no row locks and needs none here: kysely's SQLite driver
 * runs one transaction at a time on its single connection.
 */
import { CamelCasePlugin, Kysely, type Dialect, type Transaction } from 'kysely';
import { defaultLifecyclePolicy, flapsAt, reopens, type LifecyclePolicy } from './policy.ts';
import { changesAfter, consumeChanges, latestEventId, openCursor, recordEvents, type EventDraft, type TicketChange } from './changes.ts';
import { claimDue, completeClaim, deliveriesOf, insertDrafts, latestSentForActive, noticeSummaries, outboxStats, resend, sentSince, toldAbout } from './outbox.ts';
import { sweepDecision, type SweepChange } from './sweep.ts';
import { migrateTickets, type TicketDatabase, type TicketDialect } from './schema.ts';
import { silenceActive, silenceMatches, type Silence } from './silence.ts';

export type { SweepChange } from './sweep.ts';
export type { TicketChange } from './changes.ts';
export type * from './store-api.ts';
import type { Actor, NoticePlanner, OpenOrUpdateInput, OpenOrUpdateResult, OutboxAccess, ResolveInput, TicketEdit, TicketStore, TicketStoreOptions, TransitionInput, TransitionOutcome, ListQuery, NewSilence } from './store-api.ts';
import { activeStates, observe, openTicket, reopen, SYSTEM_ACTOR, resolve as resolveTicket, transition as transitionTicket, type Ticket, type TicketEvent } from './ticket.ts';

type Db = Kysely<TicketDatabase> | Transaction<TicketDatabase>;
/** Records events of a write: all of them go in after the rest of the transaction (changes.ts). */
type Record = (ticket: Ticket, ...events: EventDraft[]) => void;

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
  return new KyselyTicketStore(db, flavour === 'postgres' ? (options.schema ?? 'public') : undefined, options.policy ?? defaultLifecyclePolicy, options.notify);
}

class KyselyTicketStore implements TicketStore {
  private readonly listeners = new Set<() => void>();
  private readonly outcomeListeners = new Set<(ticketId: number) => void>();
  /** Lock rows read for update (PostgreSQL); see the file comment. */
  private readonly lockRows: boolean;

  constructor(
    private readonly db: Kysely<TicketDatabase>,
    /** PostgreSQL: the schema (it keys the advisory lock that orders event ids); undefined on SQLite. */
    private readonly postgresSchema: string | undefined,
    private readonly policy: LifecyclePolicy,
    /** Plans the outbox rows of each change (notify/plan.ts); absent: no notifications. */
    private readonly notify: NoticePlanner | undefined,
  ) {
    this.lockRows = postgresSchema !== undefined;
  }

  /**
   * One write transaction. Its events are recorded last (changes.ts), then the outbox rows they
   * ask for (outbox.ts), in the same transaction; listeners hear of them after the commit.
   */
  private async write<T>(work: (trx: Transaction<TicketDatabase>, record: Record) => Promise<T>): Promise<T> {
    let recorded = 0;
    const result = await this.db.transaction().execute(async (trx) => {
      const writes: { ticket: Ticket; events: EventDraft[] }[] = [];
      const value = await work(trx, (ticket, ...events) => void writes.push({ ticket, events }));
      const changes = await recordEvents(trx, this.postgresSchema, writes);
      if (this.notify && changes.length > 0) await this.planNotices(trx, changes);
      recorded = changes.length;
      return value;
    });
    if (recorded > 0) for (const listener of this.listeners) listener();
    return result;
  }

  private async planNotices(trx: Transaction<TicketDatabase>, changes: readonly TicketChange[]): Promise<void> {
    const notify = this.notify!;
    const told = await toldAbout(trx, [...new Set(changes.map((c) => c.ticket.id))]);
    const now = notify.now();
    const drafts = changes.flatMap((change) => {
      const known = told.get(change.ticket.id) ?? new Set<string>();
      const planned = notify.plan(change, known, now);
      told.set(change.ticket.id, new Set([...known, ...planned.map((d) => d.recipient)]));
      return planned;
    });
    await insertDrafts(trx, drafts, now);
  }

  onChanges(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  changes(afterId: number, limit: number): Promise<TicketChange[]> {
    return changesAfter(this.db, afterId, limit);
  }

  latestEventId(): Promise<number> {
    return latestEventId(this.db);
  }

  openCursor(consumer: string, from: 'latest' | 'beginning'): Promise<void> {
    return openCursor(this.db, consumer, from, Date.now());
  }

  consumeChanges(consumer: string, limit: number, handle: (changes: readonly TicketChange[]) => Promise<void>): Promise<number> {
    return consumeChanges(this.db, this.lockRows, { name: consumer, now: Date.now() }, limit, handle);
  }

  async openOrUpdate(input: OpenOrUpdateInput): Promise<OpenOrUpdateResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write((trx, record) => this.openOrUpdateIn(trx, input, record));
      } catch (error) {
        // Another writer opened the ticket between our read and insert: start over, which
        // finds and updates theirs.
        if (!isActiveFingerprintViolation(error) || attempt >= OPEN_ATTEMPTS) throw error;
      }
    }
  }

  private async openOrUpdateIn(trx: Transaction<TicketDatabase>, input: OpenOrUpdateInput, record: Record): Promise<OpenOrUpdateResult> {
    const { actor = SYSTEM_ACTOR, at, value, severity, worst, raisedAt = at, note, tier, ...subject } = input;
    const observation = { at, value, severity, worst };
    const active = await this.findActive(trx, subject.fingerprint);
    if (active !== undefined) {
      const { ticket, severityChange } = observe(active, observation);
      await this.save(trx, ticket);
      if (severityChange === undefined) return { ticket, change: 'updated', events: [] };
      record(ticket, { type: severityChange, at, actor, severity, value });
      return { ticket, change: severityChange === 'escalated' ? 'escalated' : 'updated', events: [severityChange] };
    }
    const latest = await this.findLatest(trx, subject.fingerprint);
    const silence = (await this.silencesAt(trx, at)).find((candidate) => silenceMatches(candidate, subject));
    const events: EventDraft[] = [];
    let ticket: Ticket;
    if (reopens(latest, at, this.policy)) {
      const flapping = latest.flappingSince === null && flapsAt(await this.activations(trx, latest.id), at, this.policy);
      ticket = { ...reopen(latest, observation, raisedAt), ...(flapping && { flappingSince: at }) };
      events.push({ type: 'reopened', at, actor, severity, value, note });
      if (flapping) events.push({ type: 'flapping', at, actor, note: `${this.policy.flapping.activations} openings within ${this.policy.flapping.within / 60_000} min` });
    } else {
      ticket = await trx.insertInto('tickets').values(openTicket(subject, observation, raisedAt, tier)).returningAll().executeTakeFirstOrThrow();
      events.push({ type: 'opened', at, actor, severity, value, note });
    }
    if (silence !== undefined) {
      ticket = { ...ticket, state: 'suppressed', silenceId: silence.id };
      events.push({ type: 'suppressed', at, actor, note: `silence ${silence.id} by ${silence.createdBy}: ${silence.reason}` });
    }
    await this.save(trx, ticket);
    record(ticket, ...events);
    return { ticket, change: 'opened', events: events.map((e) => e.type) };
  }

  async resolve(input: ResolveInput): Promise<Ticket | undefined> {
    return this.write(async (trx, record) => {
      const active = await this.findActive(trx, input.fingerprint);
      if (active === undefined) return undefined;
      if (active.flappingSince !== null && input.actor === SYSTEM_ACTOR) {
        // Flapping: hold the resolve until the condition stays clear (sweep), no notification storm.
        if (active.heldResolveAt === null) await this.save(trx, { ...active, heldResolveAt: input.at, lastValue: input.value ?? active.lastValue });
        return undefined;
      }
      const result = resolveTicket(active, input.at, input.value);
      if (!result.ok) return undefined; // active tickets can always resolve
      await this.save(trx, result.ticket);
      record(result.ticket, { type: 'resolved', at: input.at, actor: input.actor, value: input.value, note: input.note });
      return result.ticket;
    });
  }

  async transition(input: TransitionInput): Promise<TransitionOutcome> {
    return this.change(input.id, (current) => {
      const result = transitionTicket(current, input.to, input.at);
      return result.ok ? { ticket: result.ticket, event: { type: input.to, ...by(input) } } : result.reason;
    });
  }

  async edit(id: number, edit: TicketEdit, actor: Actor): Promise<TransitionOutcome> {
    return this.change(id, (current) => {
      if (current.state === 'closed') return `ticket ${id} is closed`;
      const updatedAt = Math.max(current.updatedAt, actor.at);
      if (edit.type === 'comment') return { ticket: { ...current, updatedAt }, event: { type: 'commented', ...by(actor) } };
      const note = actor.note ?? (edit.assignee === null ? 'unassigned' : `assigned to ${edit.assignee}`);
      return { ticket: { ...current, assignee: edit.assignee, updatedAt }, event: { type: 'assigned', ...by(actor), note } };
    });
  }

  /** One person's change of one ticket: read locked, decide (or refuse with a reason), write. */
  private async change(id: number, decide: (current: Ticket) => { ticket: Ticket; event: EventDraft } | string): Promise<TransitionOutcome> {
    return this.write(async (trx, record): Promise<TransitionOutcome> => {
      const current = await this.lockedById(trx, id);
      if (current === undefined) return { ok: false, reason: 'not_found', detail: `no ticket ${id}` };
      const decision = decide(current);
      if (typeof decision === 'string') return { ok: false, reason: 'not_allowed', detail: decision };
      await this.save(trx, decision.ticket);
      record(decision.ticket, decision.event);
      return { ok: true, ticket: decision.ticket };
    });
  }

  async sweep(now: number): Promise<SweepChange[]> {
    const changes: SweepChange[] = [];
    const candidates = await this.db.selectFrom('tickets').selectAll().where('state', 'in', activeStates).execute();
    const silences = await this.silencesAt(this.db, now);
    for (const candidate of candidates) {
      const planned = sweepDecision(candidate, now, silences, this.policy);
      if (planned === undefined) continue;
      // Re-read under lock: another instance may have swept it, or a reading changed it.
      const done = await this.write(async (trx, record) => {
        const current = await this.lockedById(trx, candidate.id);
        const decision = current && sweepDecision(current, now, silences, this.policy);
        if (decision === undefined) return undefined;
        await this.save(trx, decision.ticket);
        record(decision.ticket, decision.event);
        return { ticket: decision.ticket, change: decision.change };
      });
      if (done !== undefined) changes.push(done);
    }
    return changes;
  }

  async list(query: ListQuery): Promise<Ticket[]> {
    let select = this.db.selectFrom('tickets').selectAll().orderBy('openedAt', 'desc').orderBy('id', 'desc');
    if (query.state === 'open') select = select.where('state', 'in', activeStates);
    else if (query.state !== 'all') select = select.where('state', '=', query.state);
    if (query.village !== undefined) select = select.where('village', '=', query.village);
    if (query.site !== undefined) select = select.where('site', '=', query.site);
    if (query.ruleId !== undefined) select = select.where('ruleId', '=', query.ruleId);
    if (query.severity !== undefined) select = select.where('severity', '=', query.severity);
    if (query.since !== undefined) select = select.where('openedAt', '>=', query.since);
    if (query.limit !== undefined) select = select.limit(query.limit);
    // SQLite takes an offset only after a limit.
    if (query.offset !== undefined && query.offset > 0) select = (query.limit === undefined ? select.limit(Number.MAX_SAFE_INTEGER) : select).offset(query.offset);
    return select.execute();
  }

  async get(id: number): Promise<{ ticket: Ticket; events: TicketEvent[] } | undefined> {
    const ticket = await this.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
    if (ticket === undefined) return undefined;
    const events = await this.db.selectFrom('ticketEvents').selectAll().where('ticketId', '=', id).orderBy('id').execute();
    return { ticket, events };
  }

  async createSilence(silence: NewSilence): Promise<Silence> {
    const { ruleId, site, village, device, startsAt, endsAt, actor, createdAt, reason, origin } = silence;
    const row = { ruleId: ruleId ?? null, site: site ?? null, village: village ?? null, device: device ?? null, startsAt, endsAt, createdBy: actor, createdAt, reason, expiredAt: null, expiredBy: null, origin: origin ?? null };
    return this.db.insertInto('silences').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async listSilences(query: { activeAt?: number }): Promise<Silence[]> {
    if (query.activeAt !== undefined) return this.silencesAt(this.db, query.activeAt);
    return this.db.selectFrom('silences').selectAll().orderBy('id', 'desc').execute();
  }

  getSilence(id: number): Promise<Silence | undefined> {
    return this.db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async expireSilence(id: number, actor: Actor) {
    return this.write(async (trx, record) => {
      const silence = await trx.selectFrom('silences').selectAll().where('id', '=', id).$if(this.lockRows, (q) => q.forUpdate()).executeTakeFirst();
      if (silence === undefined) return { ok: false as const, reason: 'not_found' as const, detail: `no silence ${id}` };
      if (!silenceActive(silence, actor.at) && silence.startsAt <= actor.at) return { ok: false as const, reason: 'not_allowed' as const, detail: `silence ${id} has already ended` };
      const expired = { ...silence, expiredAt: actor.at, expiredBy: actor.actor };
      await trx.updateTable('silences').set({ expiredAt: actor.at, expiredBy: actor.actor }).where('id', '=', id).execute();
      const unsuppressed = await this.unsuppress(trx, record, id, actor);
      return { ok: true as const, silence: expired, unsuppressed };
    });
  }

  /** The tickets an expired silence suppressed open now, unless another silence still covers them (the rest the sweep would do later). */
  private async unsuppress(trx: Transaction<TicketDatabase>, record: Record, silenceId: number, actor: Actor): Promise<Ticket[]> {
    // Every row first, under lock; events last (changes.ts): the order that keeps the event lock out of row-lock waits.
    const held = await trx.selectFrom('tickets').selectAll().where('state', '=', 'suppressed').where('silenceId', '=', silenceId).orderBy('id').$if(this.lockRows, (q) => q.forUpdate()).execute();
    const others = await this.silencesAt(trx, actor.at);
    const opened: Ticket[] = [];
    for (const ticket of held) {
      if (others.some((silence) => silence.id !== silenceId && silenceMatches(silence, ticket))) continue;
      const result = transitionTicket(ticket, 'open', actor.at);
      if (!result.ok) continue;
      await this.save(trx, result.ticket);
      opened.push(result.ticket);
    }
    for (const ticket of opened) record(ticket, { type: 'unsuppressed', ...by({ ...actor, note: actor.note ?? `silence ${silenceId} expired by ${actor.actor}` }) });
    return opened;
  }

  readonly outbox: OutboxAccess = {
    claim: (claim) => claimDue(this.db, this.lockRows, claim),
    complete: async (row, owner, outcome) => {
      await completeClaim(this.db, row, owner, outcome);
      for (const listener of this.outcomeListeners) listener(row.ticketId);
    },
    deliveries: (ticketId) => deliveriesOf(this.db, ticketId),
    latestSentForActive: (channel) => latestSentForActive(this.db, channel),
    resend: (id, now) => resend(this.db, id, now),
    sentSince: (channels, sinceMs) => sentSince(this.db, channels, sinceMs),
    stats: (now) => outboxStats(this.db, now),
    summaries: (ticketIds) => noticeSummaries(this.db, ticketIds),
    onOutcome: (listener) => {
      this.outcomeListeners.add(listener);
      return () => this.outcomeListeners.delete(listener);
    },
  };

  linkUse(jti: string): Promise<{ usedAt: number; origin: string | null } | undefined> {
    return this.db.selectFrom('ackTokensUsed').select(['usedAt', 'origin']).where('jti', '=', jti).executeTakeFirst();
  }

  async acknowledgeByLink(input: Actor & { readonly jti: string; readonly ticketId: number; readonly recipient: string }) {
    return this.write(async (trx, record): Promise<TransitionOutcome | { ok: false; reason: 'replayed'; detail: string }> => {
      const used = await trx.selectFrom('ackTokensUsed').select(['usedAt', 'origin']).where('jti', '=', input.jti).executeTakeFirst();
      if (used !== undefined) return { ok: false, reason: 'replayed', detail: `this link was used at ${new Date(used.usedAt).toISOString()}` };
      const current = await this.lockedById(trx, input.ticketId);
      if (current === undefined) return { ok: false, reason: 'not_found', detail: `no ticket ${input.ticketId}` };
      const result = transitionTicket(current, 'acknowledged', input.at);
      if (!result.ok) return { ok: false, reason: 'not_allowed', detail: result.reason };
      await this.save(trx, result.ticket);
      await trx.insertInto('ackTokensUsed').values({ jti: input.jti, ticketId: input.ticketId, recipient: input.recipient, usedAt: input.at, origin: input.origin ?? null }).execute();
      record(result.ticket, { type: 'acknowledged', ...by({ ...input, note: input.note ?? 'acknowledged from the link in a message' }) });
      return { ok: true, ticket: result.ticket };
    });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** Silences in force at `at`: started, not ended, not expired. */
  private async silencesAt(db: Db, at: number): Promise<Silence[]> {
    const rows = await db.selectFrom('silences').selectAll().where('startsAt', '<=', at).where('endsAt', '>', at).orderBy('id').execute();
    return rows.filter((silence) => silenceActive(silence, at));
  }

  /** Times of a ticket's openings (opened and reopened events), for flapping. */
  private async activations(trx: Db, ticketId: number): Promise<number[]> {
    const rows = await trx.selectFrom('ticketEvents').select('at').where('ticketId', '=', ticketId).where('type', 'in', ['opened', 'reopened']).execute();
    return rows.map((row) => row.at);
  }

  private async save(trx: Db, ticket: Ticket): Promise<void> {
    await trx.updateTable('tickets').set(mutable(ticket)).where('id', '=', ticket.id).execute();
  }

  private lockedById(trx: Transaction<TicketDatabase>, id: number): Promise<Ticket | undefined> {
    return trx.selectFrom('tickets').selectAll().where('id', '=', id).$if(this.lockRows, (q) => q.forUpdate()).executeTakeFirst();
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

  /** The fingerprint's most recent ticket (a reopen candidate), locked where rows lock. */
  private findLatest(trx: Transaction<TicketDatabase>, fingerprint: string): Promise<Ticket | undefined> {
    return trx
      .selectFrom('tickets')
      .selectAll()
      .where('fingerprint', '=', fingerprint)
      .orderBy('id', 'desc')
      .limit(1)
      .$if(this.lockRows, (query) => query.forUpdate())
      .executeTakeFirst();
  }
}

/** The columns a change may touch (the subject and id never change). */
function mutable(ticket: Ticket) {
  const { severity, state, updatedAt, resolvedAt, lastValue, peakValue, count, assignee, tier, tierAt, reopened, flappingSince, heldResolveAt, silenceId } = ticket;
  return { severity, state, updatedAt, resolvedAt, lastValue, peakValue, count, assignee, tier, tierAt, reopened, flappingSince, heldResolveAt, silenceId };
}

function by(actor: Actor): Omit<EventDraft, 'type'> {
  return { at: actor.at, actor: actor.actor, note: actor.note, origin: actor.origin };
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
