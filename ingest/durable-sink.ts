/**
 * The durable sink: lines are appended to the spool (committed to disk, group commit) before
 * the caller's promise resolves, then replayed to InfluxDB in order by the replayer. The broker
 * sends a QoS 1 PUBACK only after that promise resolved, so an acknowledged reading survives
 * InfluxDB outages and process crashes. See ingest/README.md, "Durability".
 */
import type { InfluxWriter } from './influx-writer.ts';
import { Replayer, type ReplayerConfig, type WriteStateChange } from './replayer.ts';
import { waitFor } from '../network/signal.ts';
import { Spool, SpoolFullError, type SpoolConfig } from './spool.ts';
import type { WriteFailure } from './write-errors.ts';

export interface DurableSinkDeps {
  writer: Pick<InfluxWriter, 'write'>;
  /** A line InfluxDB refused for good (after bisection). */
  deadLetter(line: string, failure: WriteFailure): void;
  /** Writes to InfluxDB started failing, or work again (reported once per change). */
  onWriteState?(change: WriteStateChange): void;
  now?(): number;
}

export interface DurableSinkStats {
  spoolRows: number;
  spoolLines: number;
  spoolBytes: number;
  /** Age of the oldest spooled line, ms (0 when empty). */
  oldestAgeMs: number;
  commits: number;
  linesWritten: number;
  writeRequests: number;
  writeErrors: number;
  linesRejected: number;
  replayRate: number;
  publishesRefused: number;
}

export class DurableSink {
  private readonly spool: Spool;
  private readonly replayer: Replayer;
  private readonly now: () => number;
  private readonly fullWaitMs: number;
  private readonly maxBytes: number;
  private refused = 0;

  constructor(spoolConfig: SpoolConfig & { fullWaitMs: number }, replay: ReplayerConfig, deps: DurableSinkDeps) {
    this.now = deps.now ?? Date.now;
    this.spool = new Spool(spoolConfig, this.now);
    this.fullWaitMs = spoolConfig.fullWaitMs;
    this.maxBytes = spoolConfig.maxBytes;
    const { writer, ...rest } = deps;
    this.replayer = new Replayer(replay, { ...rest, spool: this.spool, write: (lines) => writer.write(lines) });
  }

  start(): void {
    this.replayer.start();
  }

  /**
   * Resolves once `lines` are on disk. When the spool is full it waits up to `fullWaitMs` for
   * room, then rejects with SpoolFullError: the device gets no PUBACK and keeps its data.
   */
  async append(lines: readonly string[]): Promise<void> {
    if (this.spool.full()) {
      const deadline = this.now() + this.fullWaitMs;
      // Room comes when the replayer writes a batch: wait for that, not a timer.
      while (this.spool.full() && this.now() < deadline) await waitFor(deadline - this.now(), [this.replayer.progressed.next()]);
      if (this.spool.full()) {
        this.refused += 1;
        const depth = this.spool.depth();
        throw new SpoolFullError(depth.bytes, this.maxBytes);
      }
    }
    await this.spool.append(lines);
    this.replayer.notify();
  }

  stats(): DurableSinkStats {
    const depth = this.spool.depth();
    const r = this.replayer.stats;
    return {
      spoolRows: depth.rows,
      spoolLines: depth.lines,
      spoolBytes: depth.bytes,
      oldestAgeMs: depth.oldestAt === undefined ? 0 : Math.max(0, this.now() - depth.oldestAt),
      commits: this.spool.commits,
      linesWritten: r.linesWritten,
      writeRequests: r.writeRequests,
      writeErrors: r.writeErrors,
      linesRejected: r.linesRejected,
      replayRate: r.rate,
      publishesRefused: this.refused,
    };
  }

  /** Writes what is spooled (up to `drainTimeoutMs`), then stops; the rest stays on disk for the next start. */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.spool.commit();
    await this.replayer.drain(drainTimeoutMs);
    await this.replayer.stop();
    this.spool.close();
  }
}
