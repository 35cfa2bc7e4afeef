/**
 * The dead-letter store: every rejected reading or message, with the raw payload, topic, device
 * and reason, in a SQLite file (better-sqlite3, WAL). Inserts are grouped into one transaction
 * per event-loop turn; the oldest entries are pruned past `maxEntries` so a flood of junk cannot
 * fill the disk.
 *
 * The running pipeline writes the file while `clearwater deadletters` reads it and removes what
 * it resubmitted: WAL lets readers run beside the one writer, and a busy timeout makes a second
 * writer wait for the lock instead of failing (https://www.sqlite.org/wal.html).
 */
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { Catalog } from '../network/catalog.ts';
import { parseTopic } from '../network/topic.ts';
import { decodeTelemetry, rejectReasons, type DecodeLimits } from './decode.ts';
import { telemetryLine } from './line-protocol.ts';
import type { WriteFailure } from './write-errors.ts';

export const deadLetterSchema = z.object({
  path: z.string().default('.clearwater/dead-letters.db').describe('SQLite file; ":memory:" keeps nothing'),
  maxEntries: z.number().int().positive().default(100_000).describe('Oldest entries beyond this are pruned'),
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
}

/** Which dead letters to read; all fields optional. */
export interface DeadLetterFilter {
  readonly reason?: string | undefined;
  readonly device?: string | undefined;
  /** Only letters with a smaller id (paging backwards, newest first). */
  readonly beforeId?: number | undefined;
  /** At most this many; default 100. */
  readonly limit?: number | undefined;
}

/** The topic of lines InfluxDB refused for good (the payload is the line itself). */
export const INFLUX_REJECTED_TOPIC = '(influxdb write)';
/** The reason of lines InfluxDB refused for good (400, 413, 422). */
export const INFLUX_REJECTED_REASON = 'influx_rejected';

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
}

export class DeadLetterStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private pending: DeadLetter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private sincePrune = 0;

  constructor(private readonly config: DeadLetterStoreOptions) {
    this.db = new Database(config.path, { timeout: config.busyTimeoutMs ?? 5000, fileMustExist: config.mustExist ?? false });
    this.db.pragma('journal_mode = WAL');
    // Diagnostics, not readings: a crash of the OS may lose the last letters, a process crash loses none.
    this.db.pragma('synchronous = NORMAL');
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

  /** Newest first. */
  list(filter: DeadLetterFilter = {}): StoredDeadLetter[] {
    this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.reason) (where.push('reason = ?'), params.push(filter.reason));
    if (filter.device) (where.push('device = ?'), params.push(filter.device));
    if (filter.beforeId !== undefined) (where.push('id < ?'), params.push(filter.beforeId));
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

  /** Deletes these letters (one transaction); returns how many were still there. */
  remove(ids: readonly number[]): number {
    this.flush();
    const remove = this.db.prepare('DELETE FROM dead_letters WHERE id = ?');
    return this.db.transaction(() => ids.reduce((removed, id) => removed + remove.run(id).changes, 0))();
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

/** Why a dead letter is still rejected after a re-decode (a decode reason or `influx_rejected`). */
export interface Verdict {
  readonly reason: string;
  readonly detail: string;
  readonly metric?: string | undefined;
}

/**
 * What re-decoding one dead letter with the current catalog gives:
 * - `accepted`: every reading the letter stands for is accepted now; it is resubmitted once all
 *   `lines` are written;
 * - `rejected`: still refused, with the reasons now; `lines` holds the readings of its message
 *   that are accepted now (written all the same: a duplicate point only overwrites itself);
 * - `skipped`: not something a catalog fix can change (a broker refusal, a status message, a
 *   publish on another device's topic): left as it is.
 */
export type Resubmission =
  | { readonly kind: 'accepted'; readonly letter: StoredDeadLetter; readonly lines: readonly string[] }
  | { readonly kind: 'rejected'; readonly letter: StoredDeadLetter; readonly lines: readonly string[]; readonly verdicts: readonly Verdict[] }
  | { readonly kind: 'skipped'; readonly letter: StoredDeadLetter; readonly why: string };

const decodeReasons: ReadonlySet<string> = new Set(rejectReasons);

/**
 * Re-decodes dead letters with the current catalog and limits, each at its own `receivedAt`, so
 * the timestamp checks are the ones it met on arrival. Letters of one message (same topic,
 * arrival and payload: one per rejected reading) are decoded once and judged together. Pure.
 */
export function planResubmission(catalog: Catalog, letters: readonly StoredDeadLetter[], limits: DecodeLimits): Resubmission[] {
  const plans = new Map<number, Resubmission>();
  const messages = new Map<string, StoredDeadLetter[]>();
  for (const letter of letters) {
    const early = triage(letter);
    if (early) plans.set(letter.id, early);
    else {
      const key = `${letter.receivedAt} ${letter.topic} ${Buffer.from(letter.payload).toString('base64')}`;
      messages.set(key, [...(messages.get(key) ?? []), letter]);
    }
  }
  for (const siblings of messages.values()) {
    const [first] = siblings;
    if (!first) continue;
    const decoded = decodeTelemetry(catalog, first.topic, first.payload, first.receivedAt, limits);
    const lines = [...new Set(decoded.points.map(telemetryLine))];
    for (const letter of siblings) plans.set(letter.id, judge(letter, siblings, decoded.rejections, lines));
  }
  return letters.map((letter) => plans.get(letter.id)!);
}

/** Letters that are not re-decoded: InfluxDB refusals (re-sent as they are) and what cannot be fixed. */
function triage(letter: StoredDeadLetter): Resubmission | undefined {
  if (letter.topic === INFLUX_REJECTED_TOPIC) {
    const line = Buffer.from(letter.payload).toString('utf8').trim();
    return line ? { kind: 'accepted', letter, lines: [line] } : { kind: 'skipped', letter, why: 'empty line' };
  }
  if (!decodeReasons.has(letter.reason)) return { kind: 'skipped', letter, why: `${letter.reason} is not a telemetry rejection` };
  const topic = parseTopic(letter.topic);
  if (topic.ok && topic.topic.channel !== 'telemetry') return { kind: 'skipped', letter, why: `not a telemetry topic` };
  // The ACL refuses these before the ingest; a letter from another source must not be credited
  // to a device that did not send it either.
  if (topic.ok && letter.device !== undefined && letter.device !== topic.topic.device) {
    return { kind: 'skipped', letter, why: `device ${letter.device} published on the topic of ${topic.topic.device}` };
  }
  return undefined;
}

/**
 * A letter for one reading (`metric` set) stands for that metric; a letter without one for its
 * message or sample. A rejection left after the re-decode keeps a letter when it is about the
 * letter's metric, or when no sibling letter stands for it (it concerns the letter's readings).
 */
function judge(letter: StoredDeadLetter, siblings: readonly StoredDeadLetter[], rejections: readonly Verdict[], lines: readonly string[]): Resubmission {
  const siblingMetrics = new Set(siblings.map((l) => l.metric));
  const blocking = rejections.filter((r) =>
    letter.metric !== undefined
      ? r.metric === letter.metric || (r.metric === undefined && !siblingMetrics.has(undefined))
      : r.metric === undefined || !siblingMetrics.has(r.metric),
  );
  if (blocking.length > 0) return { kind: 'rejected', letter, lines, verdicts: blocking };
  if (lines.length === 0) {
    const verdicts = rejections.length > 0 ? rejections : [{ reason: letter.reason, detail: 'no reading of this message is accepted' }];
    return { kind: 'rejected', letter, lines, verdicts };
  }
  return { kind: 'accepted', letter, lines };
}
