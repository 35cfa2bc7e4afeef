/**
 * The data folder is private: it holds raw device payloads (dead letters), ticket notes and the
 * client addresses of the audit trail, and the readings not yet in InfluxDB. The folder is 0700
 * and every file in it 0600, whatever the umask.
 *
 * SQLite creates a database's -wal and -shm files with the mode of the database file (its
 * os_unix.c, `findCreateFileMode`), so creating each database file 0600 before SQLite opens it
 * is enough for all three. Files written later by
 * other code (the rule-state snapshot) are created 0600 where they are written.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

/**
 * Creates `dir` 0700 when missing; tightens an existing one (an older version made it 0755 with
 * 0644 files) to 0700, its files to 0600 and its folders to 0700; then creates each of `files`
 * (paths, or names inside `dir`) empty and 0600 when missing. An empty file is an empty SQLite
 * database. Symbolic links are left alone: what they point to is not ours to change.
 */
export async function privateDataDir(dir: string, files: readonly string[] = []): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DATA_DIR_MODE });
  await tighten(dir);
  for (const file of files) {
    const handle = await open(resolve(dir, file), 'a', DATA_FILE_MODE);
    try {
      await handle.chmod(DATA_FILE_MODE);
    } finally {
      await handle.close();
    }
  }
}

async function tighten(dir: string): Promise<void> {
  await chmod(dir, DATA_DIR_MODE);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await tighten(path);
    else if (entry.isFile()) await chmod(path, DATA_FILE_MODE).catch(ignoreVanished);
  }
}

/** A -wal or -shm file SQLite removed between the listing and the chmod. */
function ignoreVanished(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/**
 * A secret key kept in a file (32 random bytes, hex): read when present, created 0600 when not.
 * Every instance of a deployment must share it (put the file on shared storage, or set the path).
 */
export async function keyFile(path: string): Promise<Buffer> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${path} must hold 64 hex digits (32 bytes)`);
    return Buffer.from(text, 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  await writeFile(path, `${key.toString('hex')}\n`, { mode: DATA_FILE_MODE, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error; // another instance made it first: use theirs
  });
  return keyFile(path);
}
