/**
 * The tables of the dead-letter store and their migrations. SQLite's `user_version` counts the
 * steps a file has been through (the first versions never set it, so their files are at 0):
 *
 *   1  `dead_letters` as the first versions made it: payloads whole, pruned by count only.
 *   2  `payload_bytes` (the original length; NULL in rows written before: kept whole), payloads
 *      over the kept size cut to it; `dead_letter_totals` (letters, bytes), kept by triggers on
 *      every insert and delete, whoever makes it (the pipeline, `clearwater deadletters`, an
 *      older version still running against the file).
 *
 * Each migration runs in one IMMEDIATE transaction, so of two processes opening the file at once
 * one migrates and the other finds it done. Rows are never updated after the migration, so
 * inserts and deletes are all the triggers need to follow.
 */
import type Database from 'better-sqlite3';

/**
 * Bytes of one letter as the byte cap counts them: the payload as kept and the text columns
 * (UTF-8 bytes). `row` is `NEW.` or `OLD.` in a trigger, '' in a query.
 */
export const LETTER_BYTES = (row: string): string =>
  `(${[`octet_length(${row}payload)`, `octet_length(${row}topic)`, `octet_length(${row}reason)`, `octet_length(${row}detail)`, `coalesce(octet_length(${row}device), 0)`, `coalesce(octet_length(${row}metric), 0)`].join(' + ')})`;

const step1 = `CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    topic TEXT NOT NULL,
    device TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    metric TEXT,
    payload BLOB NOT NULL
  );
  CREATE INDEX IF NOT EXISTS dead_letters_reason ON dead_letters (reason, id);`;

const step2 = (keptPayloadBytes: number) => `
  ALTER TABLE dead_letters ADD COLUMN payload_bytes INTEGER;
  UPDATE dead_letters SET payload_bytes = length(payload), payload = substr(payload, 1, ${keptPayloadBytes}) WHERE length(payload) > ${keptPayloadBytes};
  CREATE TABLE dead_letter_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    letters INTEGER NOT NULL,
    bytes INTEGER NOT NULL
  );
  INSERT INTO dead_letter_totals (id, letters, bytes) SELECT 1, count(*), coalesce(sum(${LETTER_BYTES('')}), 0) FROM dead_letters;
  CREATE TRIGGER dead_letter_added AFTER INSERT ON dead_letters BEGIN
    UPDATE dead_letter_totals SET letters = letters + 1, bytes = bytes + ${LETTER_BYTES('NEW.')} WHERE id = 1;
  END;
  CREATE TRIGGER dead_letter_removed AFTER DELETE ON dead_letters BEGIN
    UPDATE dead_letter_totals SET letters = letters - 1, bytes = bytes - ${LETTER_BYTES('OLD.')} WHERE id = 1;
  END;`;

/** Brings the file to the current schema; `keptPayloadBytes` is where step 2 cuts old payloads. */
export function migrate(db: Database.Database, keptPayloadBytes: number): void {
  const steps = [step1, step2(keptPayloadBytes)];
  // Current already (the usual case): no write lock, so `deadletters list` beside a busy pipeline does not wait.
  if ((db.pragma('user_version', { simple: true }) as number) >= steps.length) return;
  db.transaction(() => {
    const at = db.pragma('user_version', { simple: true }) as number;
    for (const [index, sql] of steps.entries()) {
      if (index < at) continue;
      db.exec(sql);
    }
    if (at < steps.length) db.pragma(`user_version = ${steps.length}`);
  }).immediate();
}
