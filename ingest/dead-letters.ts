/**
 * The dead-letter store: every rejected reading or message, with the head of its raw payload,
 * topic, device and reason, in a SQLite file (better-sqlite3, WAL). Inserts are grouped into one
 * transaction per event-loop turn. A flood of junk cannot fill the disk:
 * - a payload is kept up to its first `KEPT_PAYLOAD_BYTES` (64 KiB, the largest payload the
 *   ingest accepts), with its original length beside it;
 * - after each insert transaction the oldest letters are pruned until the store holds at most
 *   `maxEntries` letters and `maxBytes` bytes (dead-letter-caps.ts), in the same transaction.
 *
 * The running pipeline writes the file while `clearwater deadletters` reads it and removes what
 * it resubmitted: WAL lets readers run beside the one writer, and a busy timeout makes a second
 * writer wait for the lock instead of failing (https://www.sqlite.org/wal.html). The totals the
 * caps are checked against are kept by triggers (dead-letter-schema.ts), so removals by the other
 * process count too.
 */
import Database from 'better-sqlite3';
import { z } from 'zod';
import { MAX_PAYLOAD_BYTES } from '../network/message.ts';
import { fitsCaps, pruneCutoff, type LetterSize, type StoreTotals } from './dead-letter-caps.ts';
import { LETTER_BYTES, migrate } from './dead-letter-schema.ts';
import type { WriteFailure } from './write-errors.ts';

/** Payload bytes kept per letter: a payload the ingest could accept is kept whole. */
export const KEPT_PAYLOAD_BYTES = MAX_PAYLOAD_BYTES;

export const deadLetterSchema = z.object({
  path: z.string().default('.clearwater/dead-letters.db').describe('SQLite file; ":memory:" keeps nothing'),
  maxEntries: z.number().int().positive().default(100_000).describe('Oldest letters beyond this many are pruned'),
  maxBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .default(256 * 1024 * 1024)
    .describe(
      'Oldest letters are pruned while the store holds more than this many bytes of payload and text (default 256 MiB, at least 1 MiB); ' +
        'the file is larger by SQLite\'s page overhead and keeps its size after pruning (freed pages are reused)',
    ),
});
export type DeadLetterConfig = z.infer<typeof deadLetterSchema>;

export interface DeadLetterStoreOptions extends DeadLetterConfig {
  /** How long a write waits for another process's lock before it fails, ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Fail instead of creating the file when it is missing (the CLI reads, it does not create). */
  mustExist?: boolean;
}

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
  /** The first KEPT_PAYLOAD_BYTES bytes of the payload, or all of it. */
  readonly payload: Uint8Array;
  /** The length of the payload as it arrived, bytes. */
  readonly payloadBytes: number;
}

/** Whether only the head of the letter's payload was kept. */
export const isTruncated = (letter: StoredDeadLetter): boolean => letter.payloadBytes > letter.payload.byteLength;

/** Which dead letters to read; all fields optional. */
export interface DeadLetterFilter {
  readonly reason?: string | undefined;
  readonly device?: string | undefined;
  /** Only letters with a smaller id (paging backwards, newest first). */
  readonly beforeId?: number | undefined;
  /** At most this many; default 100. */
  readonly limit?: number | undefined;
}

export interface DeadLetterStats {
  /** Letters this process pruned to keep the store within its caps. */
  pruned: number;
}

/** The topic of lines InfluxDB refused for good (the payload is the line itself). */
export const INFLUX_REJECTED_TOPIC = '(influxdb write)';
/** The reason of lines InfluxDB refused for good (400, 413, 422). */
export const INFLUX_REJECTED_REASON = 'influx_rejected';
/** The reason of an OPC UA reading whose StatusCode is Bad (OPC 10000-4 §7.39; ingest/opcua). */
export const OPCUA_BAD_STATUS_REASON = 'opcua_bad_status';

/** The dead letter of a line InfluxDB refused for good, found by the replayer's bisection. */
export function influxRefusal(line: string, failure: WriteFailure, receivedAt: number): DeadLetter {
  return { receivedAt, topic: INFLUX_REJECTED_TOPIC, reason: INFLUX_REJECTED_REASON, detail: failure.message.slice(0, 500), payload: Buffer.from(line) };
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
  payload_bytes: number;
}

/** A letter waiting for the next insert transaction: its payload already cut, its length noted. */
interface PendingLetter extends DeadLetter {
  readonly payload: Buffer;
  readonly payloadBytes: number;
}

export class DeadLetterStore {
  readonly stats: DeadLetterStats = { pruned: 0 };
  private readonly db: Database.Database;
  private readonly statements;
  private pending: PendingLetter[] = [];
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly config: DeadLetterStoreOptions) {
    this.db = new Database(config.path, { timeout: config.busyTimeoutMs ?? 5000, fileMustExist: config.mustExist ?? false });
    this.db.pragma('journal_mode = WAL');
    // Diagnostics, not readings: a crash of the OS may lose the last letters, a process crash loses none.
    this.db.pragma('synchronous = NORMAL');
    migrate(this.db, KEPT_PAYLOAD_BYTES);
    this.statements = {
      insert: this.db.prepare(
        'INSERT INTO dead_letters (received_at, topic, device, reason, detail, metric, payload, payload_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      totals: this.db.prepare('SELECT letters, bytes FROM dead_letter_totals WHERE id = 1'),
      oldestFirst: this.db.prepare(`SELECT id, ${LETTER_BYTES('')} AS bytes FROM dead_letters ORDER BY id`),
      pruneUpTo: this.db.prepare('DELETE FROM dead_letters WHERE id <= ?'),
      remove: this.db.prepare('DELETE FROM dead_letters WHERE id = ?'),
    };
  }

  add(letter: DeadLetter): void {
    // A copy of the head, so a large payload is not held until the insert.
    const payload = Buffer.from(letter.payload.subarray(0, KEPT_PAYLOAD_BYTES));
    this.pending.push({ ...letter, payload, payloadBytes: letter.payload.byteLength });
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes what is pending now, and prunes to the caps in the same transaction. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    this.db.transaction(() => {
      for (const l of batch) {
        this.statements.insert.run(l.receivedAt, l.topic, l.device ?? null, l.reason, l.detail, l.metric ?? null, l.payload, l.payloadBytes);
      }
      this.prune();
    })();
  }

  private prune(): void {
    const totals = this.totals();
    if (fitsCaps(totals, this.config)) return;
    // Read lazily: only as many of the oldest rows as the cut needs.
    const cutoff = pruneCutoff(totals, this.config, this.statements.oldestFirst.iterate() as IterableIterator<LetterSize>);
    if (cutoff !== undefined) this.stats.pruned += this.statements.pruneUpTo.run(cutoff).changes;
  }

  /** Letters and bytes in the store now (what the caps are checked against), without flushing. */
  totals(): StoreTotals {
    return (this.statements.totals.get() as StoreTotals | undefined) ?? { letters: 0, bytes: 0 };
  }

  /** Newest first. */
  list(filter: DeadLetterFilter = {}): StoredDeadLetter[] {
    this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.reason) (where.push('reason = ?'), params.push(filter.reason));
    if (filter.device) (where.push('device = ?'), params.push(filter.device));
    if (filter.beforeId !== undefined) (where.push('id < ?'), params.push(filter.beforeId));
    // Rows of a version before the original length was kept hold their payload whole.
    const columns = 'id, received_at, topic, device, reason, detail, metric, payload, coalesce(payload_bytes, length(payload)) AS payload_bytes';
    const sql = `SELECT ${columns} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
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
      payloadBytes: r.payload_bytes,
    }));
  }

  countByReason(): Record<string, number> {
    this.flush();
    const rows = this.db.prepare('SELECT reason, COUNT(*) AS n FROM dead_letters GROUP BY reason').all() as { reason: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  /** Deletes these letters (one transaction); returns how many were still there. */
  remove(ids: readonly number[]): number {
    this.flush();
    return this.db.transaction(() => ids.reduce((removed, id) => removed + this.statements.remove.run(id).changes, 0))();
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Control, format (bidi overrides, zero-width) and line/paragraph separators: escaped, never printed raw. */
const unprintable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\\]/gu;
const named: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

/** A string safe for a terminal: control and format characters escaped, backslashes doubled. Pure. */
export function printable(text: string): string {
  return text.replace(unprintable, (c) => named[c] ?? escapeCodePoint(c.codePointAt(0) ?? 0));
}

function escapeCodePoint(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * The first `maxChars` characters of a payload, printable: valid UTF-8 is shown as text (with
 * `printable`), bytes that are not UTF-8 as `\xNN`; `…` marks a cut. Pure.
 */
export function payloadExcerpt(payload: Uint8Array, maxChars = 160): string {
  let text = '';
  let chars = 0;
  let at = 0;
  while (at < payload.byteLength && chars < maxChars) {
    const length = utf8SequenceLength(payload[at] ?? 0);
    const sequence = payload.subarray(at, at + length);
    let decoded: string | undefined;
    try {
      decoded = length > 0 && sequence.byteLength === length ? utf8.decode(sequence) : undefined;
    } catch {
      decoded = undefined;
    }
    text += decoded === undefined ? escapeCodePoint(payload[at] ?? 0) : printable(decoded);
    at += decoded === undefined ? 1 : length;
    chars += 1;
  }
  return at < payload.byteLength ? `${text}…` : text;
}

/** RFC 3629 §4: the length of the sequence a lead byte starts; 0 for a byte that cannot lead. */
function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
