/**
 * The dead-letter store: every rejected reading or message, with the raw payload, topic, device
 * and reason, in a SQLite file (better-sqlite3, WAL). Inserts are grouped into one transaction
 * per event-loop turn; the oldest entries are pruned past `maxEntries` so a flood of junk cannot
 * fill the disk.
 */
import Database from 'better-sqlite3';
import { z } from 'zod';

export const deadLetterSchema = z.object({
  path: z.string().default('.clearwater/dead-letters.db').describe('SQLite file; ":memory:" keeps nothing'),
  maxEntries: z.number().int().positive().default(100_000).describe('Oldest entries beyond this are pruned'),
});
export type DeadLetterConfig = z.infer<typeof deadLetterSchema>;

export interface DeadLetter {
  readonly receivedAt: number;
  readonly topic: string;
  readonly device?: string | undefined;
  readonly reason: string;
  readonly detail: string;
  readonly metric?: string | undefined;
  readonly payload: Uint8Array;
}

export interface StoredDeadLetter extends DeadLetter {
  readonly id: number;
}

interface Row {
  id: number;
  received_at: number;
  topic: string;
  device: string | null;
  reason: string;
  detail: string;
  metric: string | null;
  payload: Buffer;
}

export class DeadLetterStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private pending: DeadLetter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private sincePrune = 0;

  constructor(private readonly config: DeadLetterConfig) {
    this.db = new Database(config.path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS dead_letters (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      received_at INTEGER NOT NULL,
      topic TEXT NOT NULL,
      device TEXT,
      reason TEXT NOT NULL,
      detail TEXT NOT NULL,
      metric TEXT,
      payload BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS dead_letters_reason ON dead_letters (reason, id);`);
    this.insert = this.db.prepare(
      'INSERT INTO dead_letters (received_at, topic, device, reason, detail, metric, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  add(letter: DeadLetter): void {
    this.pending.push(letter);
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes what is pending now. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.db.transaction(() => {
      for (const l of batch) {
        this.insert.run(l.receivedAt, l.topic, l.device ?? null, l.reason, l.detail, l.metric ?? null, Buffer.from(l.payload));
      }
    })();
    this.sincePrune += batch.length;
    if (this.sincePrune >= 1000) this.prune();
  }

  private prune(): void {
    this.sincePrune = 0;
    this.db.prepare('DELETE FROM dead_letters WHERE id <= (SELECT MAX(id) FROM dead_letters) - ?').run(this.config.maxEntries);
  }

  list(filter: { reason?: string; device?: string; limit?: number } = {}): StoredDeadLetter[] {
    this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.reason) (where.push('reason = ?'), params.push(filter.reason));
    if (filter.device) (where.push('device = ?'), params.push(filter.device));
    const sql = `SELECT * FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, filter.limit ?? 100) as Row[];
    return rows.map((r) => ({
      id: r.id,
      receivedAt: r.received_at,
      topic: r.topic,
      device: r.device ?? undefined,
      reason: r.reason,
      detail: r.detail,
      metric: r.metric ?? undefined,
      payload: r.payload,
    }));
  }

  countByReason(): Record<string, number> {
    this.flush();
    const rows = this.db.prepare('SELECT reason, COUNT(*) AS n FROM dead_letters GROUP BY reason').all() as { reason: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
