/**
 * The one stream of ticket changes (changes.ts), as a service of the process: it reads the
 * store's events in id order and hands them to
 * - durable consumers (`consume`): a cursor kept in the store, at-least-once, one instance at a
 *   time (PostgreSQL); today the InfluxDB `ticket` points and the log, next the notification
 *   outbox;
 * - live subscribers (`subscribe`): an in-memory cursor from now, or from a given event id (the
 *   console's live view, embedders, tests).
 *
 * It wakes at once after a commit of this process's store, and polls every `pollMs` for changes
 * other instances made. A consumer that fails is retried with backoff; its cursor stays, so
 * nothing is skipped, and the failure is reported once per episode.
 */
import { backoffDelay, type BackoffPolicy } from '../../network/backoff.ts';
import { Latch, Signal, waitFor } from '../../network/signal.ts';
import type { TicketChange, TicketStore } from './store.ts';

export interface ChangeStreamOptions {
  /** How often other instances' changes are looked for, ms. Default 1000. */
  readonly pollMs?: number;
  /** Most changes handed over at once. Default 500. */
  readonly batchSize?: number;
  /** Retry delays of a failing consumer. Default 0.5 s doubling to 30 s. */
  readonly retry?: BackoffPolicy;
  /** A consumer or subscriber started failing: reported once, then retried quietly with backoff. */
  readonly onError?: (name: string, error: unknown) => void;
  /** It works again, after `failures` failed attempts. */
  readonly onRecovered?: (name: string, failures: number) => void;
  /** [0, 1), for the retry jitter. */
  readonly random?: () => number;
}

type Handler = (changes: readonly TicketChange[]) => Promise<void> | void;

interface Reader {
  readonly name: string;
  readonly handle: Handler;
  /** Durable: the cursor is in the store, and where a new one starts; live: the last event id handed over. */
  readonly position: { readonly durable: 'latest' | 'beginning' } | { live: number };
  failures: number;
  retryAt: number;
}

export class TicketChangeStream {
  private readonly durable: Reader[] = [];
  private readonly live = new Set<Reader>();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly poked = new Signal();
  private stopping = new Latch();
  private pending = false;
  private unlisten: (() => void) | undefined;
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly retry: BackoffPolicy;

  constructor(private readonly store: TicketStore, private readonly options: ChangeStreamOptions = {}) {
    this.pollMs = options.pollMs ?? 1000;
    this.batchSize = options.batchSize ?? 500;
    this.retry = options.retry ?? { minMs: 500, maxMs: 30_000, jitter: 0.3 };
  }

  /**
   * A durable consumer, before `start`: its cursor lives in the store under `name`; a consumer
   * seen for the first time starts after the newest change (`from: 'latest'`) or at the beginning.
   * `handle` must not call the ticket store (changes.ts `consumeChanges`).
   */
  consume(name: string, handle: Handler, from: 'latest' | 'beginning' = 'latest'): void {
    if (this.running) throw new Error('register durable consumers before start()');
    this.durable.push({ name, handle, position: { durable: from }, failures: 0, retryAt: 0 });
  }

  /**
   * A live subscriber: changes after event id `after` (default: from now on), in order. Returns
   * the unsubscribe function. A throwing listener is reported and gets the batch again.
   */
  async subscribe(name: string, handle: Handler, after?: number): Promise<() => void> {
    const reader: Reader = { name, handle, position: { live: after ?? (await this.store.latestEventId()) }, failures: 0, retryAt: 0 };
    this.live.add(reader);
    this.poke();
    return () => void this.live.delete(reader);
  }

  /** Opens the durable cursors and starts reading. */
  async start(): Promise<void> {
    for (const reader of this.durable) if ('durable' in reader.position) await this.store.openCursor(reader.name, reader.position.durable);
    this.running = true;
    this.stopping = new Latch();
    this.unlisten = this.store.onChanges(() => this.poke());
    this.loop = this.run();
  }

  /** Hands over what is there now (changes written just before stop included), then stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unlisten?.();
    this.stopping.fire();
    await this.loop;
    await this.pass(Date.now());
  }

  /** Read now: something was committed. */
  poke(): void {
    this.pending = true;
    this.poked.fire();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pending = false;
      const nextRetryInMs = await this.pass(Date.now());
      if (!this.running) break;
      if (!this.pending) await waitFor(Math.min(this.pollMs, nextRetryInMs), [this.poked.next(), this.stopping.fired]);
    }
  }

  /** One round over every reader until each is caught up; resolves with the wait until the next retry. */
  private async pass(now: number): Promise<number> {
    let nextRetry = Number.POSITIVE_INFINITY;
    for (const reader of [...this.durable, ...this.live]) {
      if (reader.retryAt > now) {
        nextRetry = Math.min(nextRetry, reader.retryAt - now);
        continue;
      }
      try {
        while ((await this.drain(reader)) === this.batchSize);
        if (reader.failures > 0) this.options.onRecovered?.(reader.name, reader.failures);
        reader.failures = 0;
      } catch (error) {
        reader.failures += 1;
        if (reader.failures === 1) this.options.onError?.(reader.name, error);
        const delay = backoffDelay(reader.failures, this.retry, (this.options.random ?? Math.random)());
        reader.retryAt = now + delay;
        nextRetry = Math.min(nextRetry, delay);
      }
    }
    return nextRetry;
  }

  /** One batch for one reader; resolves with its size. */
  private async drain(reader: Reader): Promise<number> {
    const { position } = reader;
    if ('durable' in position) return this.store.consumeChanges(reader.name, this.batchSize, async (changes) => reader.handle(changes));
    const changes = await this.store.changes(position.live, this.batchSize);
    const last = changes.at(-1);
    if (last === undefined) return 0;
    await reader.handle(changes);
    position.live = last.event.id;
    return changes.length;
  }

}
