/**
 * The data folder of a whole Clearwater process is private: the folder 0700, every file in it
 * 0600 (SQLite databases with their -wal and -shm files, the rule-state snapshot), for a folder
 * the process creates and for one an older version left 0755 with 0644 files. A good reading and
 * bad messages go through the broker first, so every store has written; the dead-letter store is
 * capped at one letter, so /metrics reports what it pruned.
 */
import Database from 'better-sqlite3';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEVICE, OWN_TOPIC } from '../ingest/cases/malformed.ts';
import { connectDevice, eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const influxUrl = inject('influxUrl');
let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'clearwater-data-folder-'));
});
afterAll(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

/** Mode bits of the folder and of everything in it, by path relative to it ('.' the folder). */
async function modes(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = { '.': ((await lstat(dir)).mode & 0o777).toString(8) };
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    found[relative(dir, path)] = ((await lstat(path)).mode & 0o777).toString(8);
  }
  return found;
}

const everyFilePrivate = (found: Record<string, string>) =>
  Object.fromEntries(Object.keys(found).map((path) => [path, path === '.' ? '700' : '600']));

/** Starts a pipeline on `dataDir`, feeds one good reading and two malformed messages, and waits until all are handled. */
async function runOnce(dataDir: string, database: string): Promise<{ pipeline: TestPipeline; whileRunning: Record<string, string> }> {
  const pipeline = await startTestPipeline(influxUrl, database, { dataDir, deadLetters: { maxEntries: 1 } });
  const device = await connectDevice(pipeline.mqttUrl, DEVICE.id);
  await device.publishAsync(OWN_TOPIC, JSON.stringify({ ts: Date.now(), readings: { turbidity: 0.2 } }), { qos: 1 });
  await device.publishAsync(OWN_TOPIC, '{"ts": oops', { qos: 1 });
  await device.publishAsync(OWN_TOPIC, '{"ts": oops again', { qos: 1 });
  await device.endAsync();
  await eventually(async () => ((await pipeline.query(`SELECT turbidity FROM telemetry WHERE device = '${DEVICE.id}'`)).length === 1 ? true : undefined), 10_000, 'the reading in InfluxDB');
  await eventually(async () => ((await metric(pipeline.http, 'clearwater_dead_letters_pruned_total')) === 1 ? true : undefined), 10_000, 'a dead letter pruned');
  return { pipeline, whileRunning: await modes(dataDir) };
}

describe('the data folder', () => {
  it('is created 0700 with every file 0600, -wal and -shm files included; /metrics counts pruned dead letters', async () => {
    const dataDir = join(root, 'fresh', 'data');
    const { pipeline, whileRunning } = await runOnce(dataDir, `data_folder_fresh_${process.pid}`);
    expect(await metric(pipeline.http, 'clearwater_dead_letters')).toBe(1);
    expect(await metric(pipeline.http, 'clearwater_readings_rejected_total{reason="invalid_json"}')).toBe(2);
    await pipeline.close();
    expect(Object.keys(whileRunning)).toEqual(expect.arrayContaining(['dead-letters.db', 'dead-letters.db-wal', 'dead-letters.db-shm', 'spool.db', 'spool.db-wal', 'tickets.db', 'tickets.db-wal']));
    expect(whileRunning).toEqual(everyFilePrivate(whileRunning));
    const afterStop = await modes(dataDir);
    expect(Object.keys(afterStop)).toEqual(expect.arrayContaining(['dead-letters.db', 'spool.db', 'tickets.db', 'rules-state.bin']));
    expect(afterStop).toEqual(everyFilePrivate(afterStop));
  });

  it('is tightened when an older version left it readable by everyone', async () => {
    const dataDir = join(root, 'older');
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(dataDir, 0o755);
    // What an older version left: its databases 0644 (SQLite under umask 022), the dead-letter store of the old schema.
    const old = new Database(join(dataDir, 'dead-letters.db'));
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, topic TEXT NOT NULL, device TEXT, reason TEXT NOT NULL, detail TEXT NOT NULL, metric TEXT, payload BLOB NOT NULL)');
    old.close();
    await writeFile(join(dataDir, 'spool.db'), '');
    for (const file of ['dead-letters.db', 'spool.db']) await chmod(join(dataDir, file), 0o644);
    expect((await modes(dataDir))['.']).toBe('755');

    const { pipeline, whileRunning } = await runOnce(dataDir, `data_folder_older_${process.pid}`);
    await pipeline.close();
    expect(whileRunning).toEqual(everyFilePrivate(whileRunning));
    const afterStop = await modes(dataDir);
    expect(afterStop).toMatchObject({ '.': '700', 'dead-letters.db': '600', 'spool.db': '600', 'rules-state.bin': '600' });
    expect(afterStop).toEqual(everyFilePrivate(afterStop));
  });
});
