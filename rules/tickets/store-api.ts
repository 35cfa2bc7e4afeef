/**
 * What the ticket store offers (store.ts implements it over kysely): the inputs, outcomes and
 * the `TicketStore` interface every caller uses.
 */
import type { Severity } from '../severity.ts';
import type { OutboxDraft } from '../notify/plan.ts';
import type { LifecyclePolicy } from './policy.ts';
import type { TicketChange } from './changes.ts';
import type { NoticeSummary, OutboxOutcome, OutboxRow, OutboxStats, SentRow } from './outbox.ts';
import type { SweepChange } from './sweep.ts';
import type { Silence, SilenceMatcher } from './silence.ts';
import type { Observation, Ticket, TicketEvent, TicketEventType, TicketState, TicketSubject, Tier } from './ticket.ts';

export type OpenOrUpdateInput = TicketSubject &
  Observation & {
    readonly actor?: string;
    /** When the ticket is raised on the sweep's clock (wall clock live); default `at`. Starts the escalation wait. */
    readonly raisedAt?: number;
    /** A line for the opened / reopened event (a group ticket's cause and members). */
    readonly note?: string;
    /** The tier a new ticket starts at; default village for sites with a village, else township (a network group: county). */
    readonly tier?: Tier;
  };
export interface OpenOrUpdateResult {
  readonly ticket: Ticket;
  /** "opened": new or reopened ticket; "escalated": severity went up; "updated": anything else. */
  readonly change: 'opened' | 'updated' | 'escalated';
  /** The audit events this write recorded, in order (e.g. reopened, flapping, suppressed). */
  readonly events: readonly TicketEventType[];
}

/** Who changed something, and from where (client address of an API call). */
export interface Actor {
  readonly at: number;
  readonly actor: string;
  readonly origin?: string | undefined;
  readonly note?: string | undefined;
}

export interface ResolveInput {
  readonly fingerprint: string;
  readonly at: number;
  /** The reading that cleared the condition, if any. */
  readonly value?: number;
  readonly actor: string;
  readonly note?: string;
}

/** Who acknowledges from a link, and from where. */
export type TransitionInputBase = Actor;

/** What the sender and the API do with the outbox. */
export interface OutboxAccess {
  claim(claim: { now: number; limit: number; leaseMs: number; owner: string }): Promise<OutboxRow[]>;
  complete(row: OutboxRow, owner: string, outcome: OutboxOutcome): Promise<void>;
  deliveries(ticketId: number): Promise<OutboxRow[]>;
  /** The latest delivered row of `channel` per ticket still active (re-sent to peers that forget). */
  latestSentForActive(channel: string): Promise<OutboxRow[]>;
  resend(id: number, now: number): Promise<boolean>;
  /** Rows on `channels` sent at or after `sinceMs` by any instance (the rate windows' view). */
  sentSince(channels: readonly string[], sinceMs: number): Promise<SentRow[]>;
  stats(now: number): Promise<OutboxStats>;
  /** Where each ticket's notices stand; tickets with none are absent. */
  summaries(ticketIds: readonly number[]): Promise<Map<number, NoticeSummary>>;
  /** Called after this store recorded a delivery outcome, with its ticket (other instances' outcomes are not heard). */
  onOutcome(listener: (ticketId: number) => void): () => void;
}

export interface TransitionInput extends Actor {
  readonly id: number;
  readonly to: 'acknowledged' | 'resolved' | 'closed';
}

export type TicketEdit = { readonly type: 'assign'; readonly assignee: string | null } | { readonly type: 'comment' };

export type TransitionOutcome = { ok: true; ticket: Ticket } | { ok: false; reason: 'not_found' | 'not_allowed'; detail: string };

export interface ListQuery {
  /** "open": active tickets (open, acknowledged, suppressed); "all": every ticket; or one state. */
  readonly state: 'open' | 'all' | TicketState;
  readonly village?: string;
  readonly site?: string;
  readonly ruleId?: string;
  readonly severity?: Severity;
  /** Only tickets opened at or after this time, epoch ms. */
  readonly since?: number;
  /** Newest first; absent = no limit. */
  readonly limit?: number;
  /** Skip this many of the newest first (the next page of a long list). */
  readonly offset?: number;
}

export type NewSilence = SilenceMatcher & Omit<Actor, 'at'> & { readonly startsAt: number; readonly endsAt: number; readonly createdAt: number; readonly reason: string };

export interface TicketStore {
  /** Opens a ticket for the fingerprint, reopens its latest within the cool-down, or records the observation on its active one. */
  openOrUpdate(input: OpenOrUpdateInput): Promise<OpenOrUpdateResult>;
  /**
   * The rule's condition cleared: resolves the fingerprint's active ticket. Undefined when there
   * is none, or when the ticket is flapping and the resolve is held (see policy.ts).
   */
  resolve(input: ResolveInput): Promise<Ticket | undefined>;
  /** A person moves a ticket (acknowledge, resolve by hand, close). */
  transition(input: TransitionInput): Promise<TransitionOutcome>;
  /** A person assigns (or unassigns) a ticket, or comments on it; any state but closed. */
  edit(id: number, edit: TicketEdit, by: Actor): Promise<TransitionOutcome>;
  /** Applies the timers at `now`: tiers of unacknowledged tickets, ended silences, settled flapping. */
  sweep(now: number): Promise<SweepChange[]>;
  list(query: ListQuery): Promise<Ticket[]>;
  get(id: number): Promise<{ ticket: Ticket; events: TicketEvent[] } | undefined>;
  createSilence(silence: NewSilence): Promise<Silence>;
  /** Silences in force at `activeAt`, or all (newest first) without it. */
  listSilences(query: { activeAt?: number }): Promise<Silence[]>;
  getSilence(id: number): Promise<Silence | undefined>;
  /** Ends a silence now; the tickets it suppressed, and no other silence covers, open at once (event `unsuppressed` by the person). */
  expireSilence(id: number, by: Actor): Promise<{ ok: true; silence: Silence; unsuppressed: Ticket[] } | { ok: false; reason: 'not_found' | 'not_allowed'; detail: string }>;
  /** Up to `limit` changes after event id `afterId`, oldest first (the change stream; changes.ts). */
  changes(afterId: number, limit: number): Promise<TicketChange[]>;
  /** The newest event id (0 when none): where a reader of only new changes starts. */
  latestEventId(): Promise<number>;
  /** Creates a durable consumer's cursor unless it exists: after the newest event, or at the beginning. */
  openCursor(consumer: string, from: 'latest' | 'beginning'): Promise<void>;
  /** Hands a durable consumer its next batch and advances its cursor once `handle` resolved (changes.ts `consumeChanges`). */
  consumeChanges(consumer: string, limit: number, handle: (changes: readonly TicketChange[]) => Promise<void>): Promise<number>;
  /** Called after every commit of this store that recorded events (a hint to read the stream now; other instances' changes need polling). */
  onChanges(listener: () => void): () => void;
  /**
   * A person acknowledges from the link in a message (`jti`: the link's id). The first use
   * acknowledges and records the link as used; a second use changes nothing (`replayed`).
   */
  acknowledgeByLink(input: TransitionInputBase & { readonly jti: string; readonly ticketId: number; readonly recipient: string }): Promise<TransitionOutcome | { ok: false; reason: 'replayed'; detail: string }>;
  /** When an acknowledgement link (by its id) was used, if it was. */
  linkUse(jti: string): Promise<{ usedAt: number; origin: string | null } | undefined>;
  /** The notification outbox (outbox.ts). */
  readonly outbox: OutboxAccess;
  /** Closes the database connection. */
  close(): Promise<void>;
}

export interface TicketStoreOptions {
  /** PostgreSQL only: the schema holding the tables (created by the migration when missing). */
  readonly schema?: string;
  /** Reopen, flapping and escalation; default `defaultLifecyclePolicy`. */
  readonly policy?: LifecyclePolicy;
  /** Plans the notices of each change, written to the outbox in the change's transaction. */
  readonly notify?: NoticePlanner | undefined;
}

/** Who is told about a change (notify/plan.ts), given who was told about its ticket before. */
export interface NoticePlanner {
  plan(change: TicketChange, told: ReadonlySet<string>, now: number): OutboxDraft[];
  /** Wall clock for quiet hours and the rows' creation time. */
  now(): number;
}
