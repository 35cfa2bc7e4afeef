/**
 * Moves lines from the spool to InfluxDB, oldest first, one batch in flight, and removes them
 * from the spool only after InfluxDB acknowledged them.
 *
 * - A batch goes out when `batchLines` lines wait or the oldest has waited `flushIntervalMs`.
 * - Transient failures (InfluxDB down, 5xx, 429) are retried with backoff and jitter, honouring
 *   Retry-After; nothing is dropped, the spool grows on disk meanwhile.
 * - Lines InfluxDB will never take (400 field type conflict, 413, 422) are found by splitting the
 *   batch in halves and dead-lettered one by one; the rest of the batch is written.
 * - A backlog (oldest line older than `backlogAfterMs`) is replayed at most at
 *   `catchUpLinesPerSecond`, which leaves InfluxDB room for live traffic and dashboards.
 */
import { z } from 'zod';
import { bisect } from './bisect.ts';
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
  onWriteError?(failure: WriteFailure, lines: number, retryInMs: number): void;
  now?(): number;
  random?(): number;
}

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
  private wake: (() => void) | undefined;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly config: ReplayerConfig, private readonly deps: ReplayerDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Tells the replayer that lines were appended. */
  notify(): void {
    this.wake?.();
  }

  /** Stops after the batch in flight; what is not written stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Writes everything spooled now (for an orderly shutdown); gives up on transient failures after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    while (this.deps.spool.depth().rows > 0 && this.now() < deadline) await this.sleep(20);
    return this.deps.spool.depth().rows === 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const wait = this.readyInMs();
      if (wait > 0) {
        await this.sleep(wait);
        continue;
      }
      const batch = this.deps.spool.take(this.config.batchLines);
      if (!batch) continue;
      const started = this.now();
      if (!(await this.writeAll(batch.lines, 1))) return; // stopped while retrying: rows stay spooled
      this.deps.spool.remove(batch);
      await this.pace(batch, started);
    }
  }

  /** 0 when a batch should go now; else how long to wait (a notify may cut it short). */
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
    if (budgetMs > elapsed) await this.sleep(budgetMs - elapsed);
  }

  /** Writes lines until they are acknowledged or dead-lettered; false when stopped first. */
  private async writeAll(lines: readonly string[], attempt: number): Promise<boolean> {
    for (;;) {
      try {
        this.stats.writeRequests += 1;
        await this.deps.write(lines);
        this.stats.linesWritten += lines.length;
        return true;
      } catch (error) {
        const failure = writeFailureOf(error);
        this.stats.writeErrors += 1;
        const verdict = classifyWriteFailure(failure, attempt, this.config, this.random());
        if (verdict.kind === 'reject') return this.bisect(lines, failure);
        this.deps.onWriteError?.(failure, lines.length, verdict.afterMs);
        await this.sleep(verdict.afterMs);
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

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
