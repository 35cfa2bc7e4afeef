/**
 * Works the outbox off: claims due rows with a lease, makes them into messages (batch.ts: one
 * per ticket change and destination, digests past a destination's rate), sends each by its
 * channel, and records every row's outcome (outcome.ts: sent, retried with backoff and
 * Retry-After, fallen back to SMS, or failed with its reason). A channel's failure touches only
 * that channel's rows: what another channel delivered is never sent again.
 *
 * It wakes when this process's store commits a change, and polls every `pollMs` for what is due
 * (retries, quiet hours ending, digests, other instances' rows).
 */
import type { TicketStore } from '../tickets/store.ts';
import { DEFERRED_DETAIL, type OutboxOutcome, type OutboxRow } from '../tickets/outbox.ts';
import { batchRows, type Message } from './batch.ts';
import type { Channel, ChannelKind, SendResult } from './channel.ts';
import { recipientOf, type NoticeComposer } from './compose.ts';
import type { Catalog } from '../../network/catalog.ts';
import { outcomeOf } from './outcome.ts';
import type { NotifyPolicy } from './policy.ts';
import { RateWindow } from './rate-window.ts';
import { Latch, Signal, waitFor } from '../../network/signal.ts';

export interface SenderOptions {
  readonly store: Pick<TicketStore, 'outbox' | 'onChanges'>;
  readonly channels: ReadonlyMap<ChannelKind, Channel>;
  readonly composer: NoticeComposer;
  readonly catalog: Catalog;
  readonly policy: NotifyPolicy;
  /** This process, as the owner of its claims. */
  readonly owner: string;
  readonly now: () => number;
  readonly random?: () => number;
  readonly log: { info(fields: object, message: string): void; warn(fields: object, message: string): void; error(fields: object, message: string): void };
  /** How often due rows are looked for, ms. Default 1000. */
  readonly pollMs?: number;
  /** How long a claim holds before another sender may take the row, ms. Default 60 s. */
  readonly leaseMs?: number;
  /** Rows claimed per round. Default 200. */
  readonly batchSize?: number;
  /** Each message sent, with its result (the app logs who was told). */
  readonly onSent?: (message: Message, result: SendResult, notice: { title: string } | undefined) => void;
}

export class NotificationSender {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly poked = new Signal();
  private stopping = new Latch();
  private pending = false;
  private unlisten: (() => void) | undefined;
  private readonly rate = new RateWindow();
  /** When each channel that asks for it last re-sent its open tickets (`resendEveryMs`). */
  private readonly refreshedAt = new Map<ChannelKind, number>();

  constructor(private readonly options: SenderOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new Latch();
    this.unlisten = this.options.store.onChanges(() => this.poke());
    this.loop = this.run();
  }

  /** Finishes the round in hand; unsent rows stay in the outbox for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.unlisten?.();
    this.stopping.fire();
    await this.loop;
  }

  poke(): void {
    this.pending = true;
    this.poked.fire();
  }

  /** One round: claim what is due, send it, record it. Resolves with the number of rows handled. */
  async round(): Promise<number> {
    const { store, owner } = this.options;
    const now = this.options.now();
    const rows = await store.outbox.claim({ now, limit: this.options.batchSize ?? 200, leaseMs: this.options.leaseMs ?? 60_000, owner });
    if (rows.length === 0) return 0;
    await this.learnSent(now);
    const { messages, deferred } = batchRows(rows, (row) => this.destinationOf(row), (channel, destination) => this.rate.budget(destination, this.options.channels.get(channel)?.perMinute, now));
    for (const { row, until } of deferred) await store.outbox.complete(row, owner, this.deferral(row, until, now));
    await Promise.all(messages.map((message) => this.send(message)));
    return rows.length;
  }

  /**
   * Tells a peer that forgets (Alertmanager, `resendEveryMs`) again about every ticket still
   * active it was told about: the latest delivered notice of each, sent as it is now. Nothing is
   * recorded: the outbox holds each change once; this only keeps the peer's view alive.
   */
  async refresh(): Promise<void> {
    const now = this.options.now();
    for (const channel of this.options.channels.values()) {
      if (channel.resendEveryMs === undefined || now - (this.refreshedAt.get(channel.kind) ?? Number.NEGATIVE_INFINITY) < channel.resendEveryMs) continue;
      this.refreshedAt.set(channel.kind, now);
      for (const row of await this.options.store.outbox.latestSentForActive(channel.kind)) {
        const composed = await this.options.composer.compose({ channel: channel.kind, destination: this.destinationOf(row), kind: 'opened', rows: [row] });
        const result = composed.ok ? await channel.send(composed.notice).catch((error: unknown) => ({ ok: false as const, failure: 'transient' as const, reason: String(error) })) : undefined;
        if (result && !result.ok) this.options.log.warn({ channel: channel.kind, ticket: row.ticketId, reason: result.reason }, 'could not re-send an open ticket to a peer that forgets');
      }
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pending = false;
      let handled = 0;
      try {
        await this.refresh();
        handled = await this.round();
      } catch (error) {
        this.options.log.error({ error: String(error) }, 'notification round failed; retrying');
      }
      if (!this.running) break;
      if (handled === (this.options.batchSize ?? 200) || this.pending) continue;
      await waitFor(this.options.pollMs ?? 1000, [this.poked.next(), this.stopping.fired]);
    }
  }

  private async send(message: Message): Promise<void> {
    const { store, owner, policy } = this.options;
    const channel = this.options.channels.get(message.channel);
    const composed = channel === undefined ? { ok: false as const, reason: `channel ${message.channel} is not configured` } : await this.options.composer.compose(message);
    const result: SendResult = composed.ok && channel ? await channel.send(composed.notice).catch((error: unknown) => ({ ok: false as const, failure: 'transient' as const, reason: String(error) })) : { ok: false, failure: 'permanent', reason: composed.ok ? 'no channel' : composed.reason };
    const now = this.options.now();
    if (result.ok) this.rate.record(message.destination, now);
    if (!result.ok && result.failure === 'throttled') this.rate.throttle(message.destination, now + (result.retryAfterMs ?? policy.retry.maxMs));
    this.options.onSent?.(message, result, composed.ok ? { title: composed.notice.rendered.markdown.title } : undefined);
    for (const row of message.rows) {
      const outcome = outcomeOf(result, row, { channel: message.channel, now, policy, random: (this.options.random ?? Math.random)(), fallbackReaches: this.fallbackReaches(row) });
      await store.outbox.complete(row, owner, outcome);
    }
  }

  /**
   * A row that must wait for room at its destination (a robot's minute, or its throttle): deferred
   * until then, unless it would wait past `fallback.after` since it was due, when it goes by the
   * fallback channel now, as a throttled send would.
   */
  private deferral(row: OutboxRow, until: number, now: number): OutboxOutcome {
    const waiting: SendResult = { ok: false, failure: 'throttled', reason: DEFERRED_DETAIL, retryAfterMs: until - now };
    const outcome = outcomeOf(waiting, row, { channel: row.channel as ChannelKind, now, policy: this.options.policy, random: 0, fallbackReaches: this.fallbackReaches(row) });
    return outcome.state === 'fallen_back' ? outcome : { state: 'deferred', at: now, nextAttemptAt: until, detail: DEFERRED_DETAIL };
  }

  private fallbackReaches(row: OutboxRow): boolean {
    const fallback = this.options.channels.get(this.options.policy.fallback.to);
    const entry = this.options.catalog.recipient(row.recipient);
    return fallback !== undefined && entry !== undefined && fallback.reaches(recipientOf(entry));
  }

  /** Messages the outbox holds as sent in the last minute on rate-limited channels, into the window. */
  private async learnSent(now: number): Promise<void> {
    const limited = [...this.options.channels.values()].filter((c) => c.perMinute !== undefined).map((c) => c.kind);
    if (limited.length === 0) return;
    for (const row of await this.options.store.outbox.sentSince(limited, now - 60_000)) this.rate.know(this.destinationOf(row), row.sentAt);
  }

  private destinationOf(row: Pick<OutboxRow, 'recipient' | 'channel'>): string {
    const channel = this.options.channels.get(row.channel as ChannelKind);
    const entry = this.options.catalog.recipient(row.recipient);
    return channel && entry ? channel.destination(recipientOf(entry)) : row.recipient;
  }
}
