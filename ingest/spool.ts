/**
 * The spool: where an accepted reading becomes durable before its device gets a PUBACK.
 *
 * Lines (InfluxDB line protocol) are appended to a SQLite file in WAL mode. Appends made in the
 * same event-loop turn share one transaction (group commit): one fsync for many publishes. Each
 * append resolves only after its transaction committed, so a PUBACK sent afterwards is never
 * for a reading that a crash could lose. The replayer (replayer.ts) reads rows oldest first and
 * deletes them only after InfluxDB acknowledged them.
 *
 * Cost and policy: ingest/README.md ("Durability").
 */
import Database from 'better-sqlite3';
import { z } from 'zod';

export const spoolSchema = z.object({
  maxBytes: z.number().int().positive().default(2 * 1024 ** 3).describe('Spool size cap, bytes of line protocol; when full, new QoS 1 publishes wait, then are refused'),
  synchronous: z.enum(['FULL', 'NORMAL']).default('FULL').describe('FULL: survives power loss; NORMAL (WAL): survives a process crash, not an OS crash'),
});
export type SpoolConfig = z.infer<typeof spoolSchema> & { path: string };

export class SpoolFullError extends Error {
  constructor(bytes: number, maxBytes: number) {
    super(`spool full (${bytes} of ${maxBytes} bytes): publish refused, the device keeps its data and retries`);
  }
}

export interface SpoolBatch {
  /** Row ids, oldest first; pass them to `remove` once InfluxDB acknowledged the lines. */
  readonly ids: number[];
  readonly lines: string[];
  readonly bytes: number;
  /** When the oldest row was appended, epoch ms. */
  readonly oldestAt: number;
}

export interface SpoolDepth {
  readonly rows: number;
  readonly lines: number;
  readonly bytes: number;
  /** Append time of the oldest row, epoch ms; undefined when empty. */
  readonly oldestAt: number | undefined;
}

interface SpoolRow {
  id: number;
  appended_at: number;
  line_count: number;
  bytes: number;
  body: string;
}

interface Pending {
  lines: string;
  count: number;
  resolve(): void;
  reject(error: Error): void;
}

export class Spool {
  private readonly db: Database.Database;
  private readonly statements;
  private pending: Pending[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private totals = { rows: 0, lines: 0, bytes: 0 };
  commits = 0;

  constructor(private readonly config: SpoolConfig, private readonly now: () => number = Date.now) {
    this.db = new Database(config.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${config.synchronous}`);
    this.db.exec(`CREATE TABLE IF NOT EXISTS spool (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      appended_at INTEGER NOT NULL,
      line_count INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      body TEXT NOT NULL
    )`);
    this.statements = {
      insert: this.db.prepare('INSERT INTO spool (appended_at, line_count, bytes, body) VALUES (?, ?, ?, ?)'),
      take: this.db.prepare('SELECT id, appended_at, line_count, bytes, body FROM spool ORDER BY id'),
      remove: this.db.prepare('DELETE FROM spool WHERE id = ?'),
      oldest: this.db.prepare('SELECT appended_at FROM spool ORDER BY id LIMIT 1'),
    };
    const totals = this.db.prepare('SELECT COUNT(*) AS rows, COALESCE(SUM(line_count), 0) AS lines, COALESCE(SUM(bytes), 0) AS bytes FROM spool').get() as {
      rows: number;
      lines: number;
      bytes: number;
    };
    this.totals = totals;
  }

  /** True when an append now would exceed the cap. */
  full(): boolean {
    return this.totals.bytes >= this.config.maxBytes;
  }

  /** Appends lines; resolves once they are committed to disk with the rest of this turn's group. */
  append(lines: readonly string[]): Promise<void> {
    if (this.full()) return Promise.reject(new SpoolFullError(this.totals.bytes, this.config.maxBytes));
    return new Promise((resolve, reject) => {
      this.pending.push({ lines: lines.join('\n'), count: lines.length, resolve, reject });
      this.scheduled ??= setImmediate(() => this.commit());
    });
  }

  /** Commits the pending group now. */
  commit(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const group = this.pending;
    if (group.length === 0) return;
    this.pending = [];
    const body = group.map((p) => p.lines).join('\n');
    const count = group.reduce((n, p) => n + p.count, 0);
    const bytes = Buffer.byteLength(body);
    try {
      this.statements.insert.run(this.now(), count, bytes, body);
    } catch (error) {
      for (const p of group) p.reject(error as Error);
      return;
    }
    this.commits += 1;
    this.totals = { rows: this.totals.rows + 1, lines: this.totals.lines + count, bytes: this.totals.bytes + bytes };
    for (const p of group) p.resolve();
  }

  /**
   * The oldest rows, up to about `maxLines` lines (at least one row). The spool has one reader
   * (the replayer), which removes a batch before it takes the next, so rows are read in order.
   */
  take(maxLines: number): SpoolBatch | undefined {
    let batch: { ids: number[]; lines: string[]; bytes: number; oldestAt: number } | undefined;
    for (const row of this.statements.take.iterate() as IterableIterator<SpoolRow>) {
      batch ??= { ids: [], lines: [], bytes: 0, oldestAt: row.appended_at };
      if (batch.ids.length > 0 && batch.lines.length + row.line_count > maxLines) break;
      batch.ids.push(row.id);
      for (const line of row.body.split('\n')) batch.lines.push(line);
      batch.bytes += row.bytes;
      if (batch.lines.length >= maxLines) break;
    }
    return batch;
  }

  /** Deletes rows InfluxDB acknowledged. */
  remove(batch: SpoolBatch): void {
    this.db.transaction(() => {
      for (const id of batch.ids) this.statements.remove.run(id);
    })();
    this.totals = {
      rows: this.totals.rows - batch.ids.length,
      lines: this.totals.lines - batch.lines.length,
      bytes: this.totals.bytes - batch.bytes,
    };
  }

  depth(): SpoolDepth {
    const oldest = this.totals.rows > 0 ? (this.statements.oldest.get() as { appended_at: number } | undefined) : undefined;
    return { ...this.totals, oldestAt: oldest?.appended_at };
  }

  close(): void {
    this.commit();
    this.db.close();
  }
}
