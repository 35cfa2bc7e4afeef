/**
 * Moves lines from the spool to InfluxDB, oldest first, one batch in flight, and removes them
 * from the spool only after InfluxDB acknowledged them.
 *
 * - A batch goes out when `batchLines` lines wait or the oldest has waited `flushIntervalMs`.
 * - Transient failures (InfluxDB down, 5xx, 429) are retried with backoff and jitter, honouring
 *   Retry-After; nothing is dropped, the spool grows on disk meanwhile. A retry waits its whole
 *   delay: new lines arriving meanwhile wake an idle replayer, never a backing-off one, so a
 *   struggling InfluxDB is not hammered by a busy network. A failing InfluxDB is reported once
 *   when the failures start and once when writes succeed again, with the count in between.
 * - Lines InfluxDB will never take (400 field type conflict, 413, 422) are found by splitting the
 *   batch in halves and dead-lettered one by one; the rest of the batch is written.
 * - A backlog (oldest line older than `backlogAfterMs`) is replayed at most at
 *   `catchUpLinesPerSecond`, which leaves InfluxDB room for live traffic and dashboards.
 */
import { z } from 'zod';
import { bisect } from './bisect.ts';
import { abortableDelay, Latch, Signal, waitFor, type Delay } from '../network/signal.ts';
import type { Spool, SpoolBatch } from './spool.ts';
import { classifyWriteFailure, writeFailureOf, type WriteFailure } from './write-errors.ts';

export const replayerSchema = z.object({
  batchLines: z.number().int().positive().default(5000).describe('Lines per InfluxDB write'),
  flushIntervalMs: z.number().int().nonnegative().default(200).describe('Longest a line waits for a fuller batch, ms'),
  minRetryDelayMs: z.number().int().positive().default(500).describe('First retry delay after a transient failure, ms'),
  maxRetryDelayMs: z.number().int().positive().default(30_000).describe('Longest retry delay, ms'),
  jitter: z.number().min(0).max(1).default(0.3).describe('Share of a retry delay drawn at random'),
  backlogAfterMs: z.number().int().positive().default(30_000).describe('Lines older than this are a backlog, replayed at a bounded rate'),
  catchUpLinesPerSecond: z.number().int().positive().default(100_000).describe('Replay rate cap while a backlog drains'),
});
export type ReplayerConfig = z.infer<typeof replayerSchema>;

export interface ReplayerDeps {
  spool: Spool;
  /** One write request; rejects with the client's error. */
  write(lines: readonly string[]): Promise<void>;
  /** A line InfluxDB refused for good. */
  deadLetter(line: string, failure: WriteFailure): void;
  /** Writes started failing (once per episode) or succeed again after `failures` failed attempts. */
  onWriteState?(change: WriteStateChange): void;
  now?(): number;
  random?(): number;
  /** Waits; tests inject one to control time. Default: a timer. */
  delay?: Delay;
}

export type WriteStateChange =
  | { readonly state: 'failing'; readonly failure: WriteFailure; readonly lines: number; readonly retryInMs: number }
  | { readonly state: 'recovered'; readonly failures: number; readonly failingForMs: number };

export interface ReplayerStats {
  linesWritten: number;
  writeRequests: number;
  writeErrors: number;
  linesRejected: number;
  /** Lines written per second over the last few batches. */
  rate: number;
}

export class Replayer {
  readonly stats: ReplayerStats = { linesWritten: 0, writeRequests: 0, writeErrors: 0, linesRejected: 0, rate: 0 };
  private running = false;
  private loop: Promise<void> | undefined;
  /** Lines were appended; wakes an idle replayer. */
  private readonly appended = new Signal();
  /** A batch left the spool (written or dead-lettered); wakes `drain` and full-spool waiters. */
  readonly progressed = new Signal();
  private stopping = new Latch();
  /** The current failure episode, if writes are failing. */
  private failing: { since: number; failures: number } | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly delay: Delay;

  constructor(private readonly config: ReplayerConfig, private readonly deps: ReplayerDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.delay = deps.delay ?? abortableDelay;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new Latch();
    this.loop = this.run();
  }

  /** Tells the replayer that lines were appended. */
  notify(): void {
    this.appended.fire();
  }

  /** Stops after the batch in flight; what is not written stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.fire();
    await this.loop;
  }

  /** Writes everything spooled now (for an orderly shutdown); gives up on transient failures after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    while (this.deps.spool.depth().rows > 0 && this.now() < deadline) await waitFor(deadline - this.now(), [this.progressed.next(), this.stopping.fired], this.delay);
    return this.deps.spool.depth().rows === 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const wait = this.readyInMs();
      if (wait > 0) {
        await waitFor(wait, [this.appended.next(), this.stopping.fired], this.delay); // idle: new lines wake it
        continue;
      }
      const batch = this.deps.spool.take(this.config.batchLines);
      if (!batch) continue;
      const started = this.now();
      if (!(await this.writeAll(batch.lines, 1))) return; // stopped while retrying: rows stay spooled
      this.deps.spool.remove(batch);
      this.progressed.fire();
      await this.pace(batch, started);
    }
  }

  /** 0 when a batch should go now; else how long to wait (new lines may cut it short). */
  private readyInMs(): number {
    const depth = this.deps.spool.depth();
    if (depth.rows === 0 || depth.oldestAt === undefined) return 1000;
    if (depth.lines >= this.config.batchLines) return 0;
    return Math.max(0, depth.oldestAt + this.config.flushIntervalMs - this.now());
  }

  /** Bounds the replay rate of a backlog; live batches go at once. */
  private async pace(batch: SpoolBatch, started: number): Promise<void> {
    const elapsed = Math.max(1, this.now() - started);
    this.stats.rate = Math.round(0.7 * this.stats.rate + 0.3 * ((batch.lines.length * 1000) / elapsed));
    if (this.now() - batch.oldestAt < this.config.backlogAfterMs) return;
    const budgetMs = (batch.lines.length * 1000) / this.config.catchUpLinesPerSecond;
    if (budgetMs > elapsed) await waitFor(budgetMs - elapsed, [this.stopping.fired], this.delay);
  }

  /** Writes lines until they are acknowledged or dead-lettered; false when stopped first. */
  private async writeAll(lines: readonly string[], attempt: number): Promise<boolean> {
    for (;;) {
      try {
        this.stats.writeRequests += 1;
        await this.deps.write(lines);
        this.stats.linesWritten += lines.length;
        this.succeeded();
        return true;
      } catch (error) {
        const failure = writeFailureOf(error);
        this.stats.writeErrors += 1;
        const verdict = classifyWriteFailure(failure, attempt, this.config, this.random());
        if (verdict.kind === 'reject') return this.bisect(lines, failure);
        this.failed(failure, lines.length, verdict.afterMs);
        // Backing off: only stop ends the wait early, new lines do not.
        await waitFor(verdict.afterMs, [this.stopping.fired], this.delay);
        if (!this.running) return false;
        attempt += 1;
      }
    }
  }

  /** InfluxDB refused `lines` for good: dead-letter the lines it refuses (bisect.ts), write the rest. */
  private async bisect(lines: readonly string[], failure: WriteFailure): Promise<boolean> {
    const result = await bisect(lines, (part) => this.deps.write(part), { refusedWith: failure });
    this.stats.writeRequests += result.requests;
    this.stats.writeErrors += result.failedRequests;
    this.stats.linesWritten += result.written;
    for (const refused of result.refused) {
      this.stats.linesRejected += 1;
      this.deps.deadLetter(refused.line, refused.failure);
    }
    // A transient failure stopped the halving: what is not settled yet goes the way of any batch.
    return result.unsettled.length === 0 || this.writeAll(result.unsettled, 1);
  }

  /** A transient failure: the first of an episode is reported, the rest only counted. */
  private failed(failure: WriteFailure, lines: number, retryInMs: number): void {
    if (this.failing) {
      this.failing.failures += 1;
      return;
    }
    this.failing = { since: this.now(), failures: 1 };
    this.deps.onWriteState?.({ state: 'failing', failure, lines, retryInMs });
  }

  private succeeded(): void {
    const episode = this.failing;
    if (episode === undefined) return;
    this.failing = undefined;
    this.deps.onWriteState?.({ state: 'recovered', failures: episode.failures, failingForMs: this.now() - episode.since });
  }
}
