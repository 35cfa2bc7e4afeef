/**
 * The notification outbox in the ticket store: one row per (ticket change, recipient, channel),
 * inserted in the transaction that records the change (store.ts), so a change is never without
 * its notices and a notice never without its change, whatever crashes when.
 *
 * Senders claim due rows with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
 * instances never claim the same row), send them outside any transaction, and record the
 * outcome. A sender that dies mid-send loses its lease and the row is sent again: at least once.
 * The unique (event, recipient, channel) key keeps a row from being planned twice.
 */
import type { Kysely, Transaction } from 'kysely';
import type { OutboxDraft } from '../notify/plan.ts';
import type { OutboxRow, TicketDatabase } from './schema.ts';

type Db = Kysely<TicketDatabase> | Transaction<TicketDatabase>;

export type { OutboxRow } from './schema.ts';

/** How a claimed row ended. */
export type OutboxOutcome =
  | { readonly state: 'sent'; readonly at: number; readonly detail?: string | undefined }
  | { readonly state: 'retry'; readonly at: number; readonly nextAttemptAt: number; readonly detail: string }
  /** Not tried: its destination had no room (rate limit); not counted as an attempt. */
  | { readonly state: 'deferred'; readonly at: number; readonly nextAttemptAt: number; readonly detail: string }
  | { readonly state: 'failed'; readonly at: number; readonly detail: string }
  /** Given up on this channel; the same notice goes by `channel` instead. */
  | { readonly state: 'fallen_back'; readonly at: number; readonly detail: string; readonly channel: string };

/** What a deferred row says while it waits for room at its destination (rate limit). */
export const DEFERRED_DETAIL = 'waiting for room at the destination (rate limit)';

/** Where a ticket's notices stand, in rows: the console's "notices" column. */
export interface NoticeSummary {
  readonly sent: number;
  readonly failed: number;
  /** Waiting to be sent or retried. */
  readonly pending: number;
  /** Waiting for room at a rate-limited destination. */
  readonly throttled: number;
  /** Given up on their channel and gone by another (SMS). */
  readonly fellBack: number;
}

export interface OutboxStats {
  /** Rows waiting (due or not), by channel. */
  readonly pending: Readonly<Record<string, number>>;
  /** Pending rows a sender may take now (due, not claimed). */
  readonly due: number;
  /** Pending rows a sender has claimed and is sending now (lease not run out). */
  readonly inFlight: number;
  /** How long the oldest undelivered row has waited since it was due, ms (0 when none is due). */
  readonly oldestDueMs: number;
  readonly sent: Readonly<Record<string, number>>;
  readonly failed: Readonly<Record<string, number>>;
}

export async function insertDrafts(trx: Transaction<TicketDatabase>, drafts: readonly OutboxDraft[], now: number): Promise<void> {
  if (drafts.length === 0) return;
  const rows = drafts.map((d) => ({
    eventId: d.eventId,
    ticketId: d.ticketId,
    recipient: d.recipient,
    channel: d.channel,
    kind: d.kind,
    digest: d.digest ? 1 : 0,
    state: 'pending' as const,
    notBefore: d.notBefore,
    nextAttemptAt: d.notBefore,
    attempts: 0,
    claimedUntil: null,
    claimedBy: null,
    detail: null,
    sentAt: null,
    createdAt: now,
  }));
  await trx.insertInto('notificationOutbox').values(rows).onConflict((c) => c.columns(['eventId', 'recipient', 'channel']).doNothing()).execute();
}

/** Recipients with any notice about each ticket: who was told, or is about to be. */
export async function toldAbout(db: Db, ticketIds: readonly number[]): Promise<Map<number, Set<string>>> {
  const told = new Map<number, Set<string>>();
  if (ticketIds.length === 0) return told;
  const rows = await db.selectFrom('notificationOutbox').select(['ticketId', 'recipient']).where('ticketId', 'in', [...ticketIds]).where('state', '!=', 'failed').execute();
  for (const { ticketId, recipient } of rows) {
    let set = told.get(ticketId);
    if (set === undefined) told.set(ticketId, (set = new Set()));
    set.add(recipient);
  }
  return told;
}

/** Each ticket's notice summary; tickets with no notice are absent. */
export async function noticeSummaries(db: Db, ticketIds: readonly number[]): Promise<Map<number, NoticeSummary>> {
  const summaries = new Map<number, { sent: number; failed: number; pending: number; throttled: number; fellBack: number }>();
  // SQLite allows 32,766 bound parameters; chunks of 500 stay far below any limit.
  for (let i = 0; i < ticketIds.length; i += 500) {
    const rows = await db
      .selectFrom('notificationOutbox')
      .select(['ticketId', 'state', 'detail'])
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('ticketId', 'in', ticketIds.slice(i, i + 500))
      .groupBy(['ticketId', 'state', 'detail'])
      .execute();
    for (const { ticketId, state, detail, count } of rows) {
      let summary = summaries.get(ticketId);
      if (summary === undefined) summaries.set(ticketId, (summary = { sent: 0, failed: 0, pending: 0, throttled: 0, fellBack: 0 }));
      const key = state === 'fallen_back' ? 'fellBack' : state === 'pending' && detail === DEFERRED_DETAIL ? 'throttled' : state;
      summary[key] += Number(count);
    }
  }
  return summaries;
}

/** Claims up to `limit` due rows for `owner` until `now + leaseMs`, oldest first. */
export async function claimDue(db: Kysely<TicketDatabase>, lockRows: boolean, claim: { now: number; limit: number; leaseMs: number; owner: string }): Promise<OutboxRow[]> {
  const { now, limit, leaseMs, owner } = claim;
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('notificationOutbox')
      .selectAll()
      .where('state', '=', 'pending')
      .where('nextAttemptAt', '<=', now)
      .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
      .orderBy('id')
      .limit(limit)
      .$if(lockRows, (query) => query.forUpdate().skipLocked())
      .execute();
    if (rows.length === 0) return [];
    await trx.updateTable('notificationOutbox').set({ claimedUntil: now + leaseMs, claimedBy: owner }).where('id', 'in', rows.map((r) => r.id)).execute();
    return rows.map((row) => ({ ...row, claimedUntil: now + leaseMs, claimedBy: owner }));
  });
}

/** Records how a claimed row ended (only while `owner` still holds it). */
export async function completeClaim(db: Kysely<TicketDatabase>, row: Pick<OutboxRow, 'id' | 'attempts' | 'eventId' | 'ticketId' | 'recipient' | 'kind' | 'digest' | 'createdAt'>, owner: string, outcome: OutboxOutcome): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const common = { attempts: row.attempts + 1, claimedUntil: null, claimedBy: null, detail: outcome.detail ?? null };
    const mine = trx.updateTable('notificationOutbox').where('id', '=', row.id).where('claimedBy', '=', owner);
    switch (outcome.state) {
      case 'sent':
        await mine.set({ ...common, state: 'sent', sentAt: outcome.at }).execute();
        return;
      case 'retry':
        await mine.set({ ...common, nextAttemptAt: outcome.nextAttemptAt }).execute();
        return;
      case 'deferred':
        await mine.set({ ...common, attempts: row.attempts, nextAttemptAt: outcome.nextAttemptAt }).execute();
        return;
      case 'failed':
        await mine.set({ ...common, state: 'failed' }).execute();
        return;
      case 'fallen_back':
        await mine.set({ ...common, state: 'fallen_back' }).execute();
        await insertDrafts(trx, [{ eventId: row.eventId, ticketId: row.ticketId, recipient: row.recipient, channel: outcome.channel as OutboxDraft['channel'], kind: row.kind as OutboxDraft['kind'], notBefore: outcome.at, digest: row.digest === 1 }], outcome.at);
    }
  });
}

/** Rows of one ticket, oldest first: who was told, by which channel, when, with what result. */
export function deliveriesOf(db: Db, ticketId: number): Promise<OutboxRow[]> {
  return db.selectFrom('notificationOutbox').selectAll().where('ticketId', '=', ticketId).orderBy('id').execute();
}

/**
 * For a peer that forgets what it was told (Alertmanager ends an alert without endsAt after its
 * resolve_timeout): the latest delivered row of `channel` for each ticket still active.
 */
export async function latestSentForActive(db: Db, channel: string): Promise<OutboxRow[]> {
  const latest = db
    .selectFrom('notificationOutbox')
    .innerJoin('tickets', 'tickets.id', 'notificationOutbox.ticketId')
    .select((eb) => eb.fn.max('notificationOutbox.id').as('id'))
    .where('notificationOutbox.channel', '=', channel)
    .where('notificationOutbox.state', '=', 'sent')
    .where('tickets.state', 'in', ['open', 'acknowledged'])
    .groupBy('notificationOutbox.ticketId');
  return db.selectFrom('notificationOutbox').selectAll().where('id', 'in', latest).orderBy('id').execute();
}

/** A sent row as a destination's rate window counts it: the rows of one message share their `sentAt`. */
export type SentRow = Pick<OutboxRow, 'recipient' | 'channel'> & { readonly sentAt: number };

/** Rows on `channels` sent at or after `sinceMs`, by any instance. */
export async function sentSince(db: Kysely<TicketDatabase>, channels: readonly string[], sinceMs: number): Promise<SentRow[]> {
  if (channels.length === 0) return [];
  const rows = await db.selectFrom('notificationOutbox').select(['recipient', 'channel', 'sentAt']).where('channel', 'in', [...channels]).where('sentAt', '>=', sinceMs).where('state', '=', 'sent').execute();
  return rows.flatMap((row) => (row.sentAt === null ? [] : [{ recipient: row.recipient, channel: row.channel, sentAt: Number(row.sentAt) }]));
}

/** Sends a failed row again: it becomes pending and due now. */
export async function resend(db: Kysely<TicketDatabase>, id: number, now: number): Promise<boolean> {
  const result = await db.updateTable('notificationOutbox').set({ state: 'pending', nextAttemptAt: now, claimedUntil: null, claimedBy: null }).where('id', '=', id).where('state', '=', 'failed').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function outboxStats(db: Db, now: number): Promise<OutboxStats> {
  const rows = await db.selectFrom('notificationOutbox').select(['channel', 'state']).select((eb) => eb.fn.countAll<number>().as('count')).groupBy(['channel', 'state']).execute();
  const by = (state: string) => Object.fromEntries(rows.filter((r) => r.state === state).map((r) => [r.channel, Number(r.count)]));
  const oldest = await db
    .selectFrom('notificationOutbox')
    .select((eb) => eb.fn.min('notBefore').as('due'))
    .where('state', '=', 'pending')
    .where('notBefore', '<=', now)
    .executeTakeFirst();
  const due = oldest?.due === null || oldest?.due === undefined ? undefined : Number(oldest.due);
  const ready = await db
    .selectFrom('notificationOutbox')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('state', '=', 'pending')
    .where('nextAttemptAt', '<=', now)
    .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
    .executeTakeFirst();
  const claimed = await db
    .selectFrom('notificationOutbox')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('state', '=', 'pending')
    .where('claimedUntil', '>=', now)
    .executeTakeFirst();
  return { pending: by('pending'), due: Number(ready?.count ?? 0), inFlight: Number(claimed?.count ?? 0), oldestDueMs: due === undefined ? 0 : Math.max(0, now - due), sent: by('sent'), failed: by('failed') };
}
