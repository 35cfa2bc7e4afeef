/**
 * `clearwater deadletters` as an operator runs it: a real process against a dead-letter store the
 * ingest filled (and still holds open, as a running pipeline would), a catalog fixed in between,
 * and the run's InfluxDB.
 *
 * Timeline: a device sends free_chlorine, which its catalog entry does not declare → dead letter
 * `undeclared_metric`; beside it malformed input, a broker refusal and two lines InfluxDB refused.
 * The operator declares free_chlorine and resubmits: the reading lands in InfluxDB and leaves the
 * store; what is still wrong stays, with the reason it is rejected for now.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../app/free-port.ts';
import { createDatabase, influxQL } from '../app/local-influxd.ts';
import { DeadLetterStore, influxRefusal } from '../ingest/dead-letters.ts';
import { Ingest } from '../ingest/ingest.ts';
import { oneTapCatalog, oneTapCatalogDocument } from '../ingest/fixtures.ts';

const bin = fileURLToPath(new URL('../bin/clearwater.js', import.meta.url));
const influxUrl = inject('influxUrl');
const database = `deadletters_${process.pid}_${Date.now()}`;
const arrival = Date.now() - 10 * 60_000;
const topic = 'water/tongmen-tap/tap-1/telemetry';
const tags = 'device=tap-1,site=tongmen-tap,site_kind=tap,township=tongmen,village=tongmen,zone=north';
/** Over the 64 KiB limit: refused as `oversize`, and only its first 64 KiB are kept. */
const oversize = JSON.stringify({ ts: arrival, readings: { turbidity: 0.3 }, note: 'x'.repeat(70_000) });

const catalogDocument = (tapMetrics: string[]) => oneTapCatalogDocument(tapMetrics, { secondDevice: true });

let dir = '';
let dataDir = '';
let catalogPath = '';
let store: DeadLetterStore;

function run(args: string[], env: Record<string, string> = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('INFLUX_') && !name.startsWith('CLEARWATER_')));
  return spawnSync(process.execPath, [bin, 'deadletters', ...args], {
    encoding: 'utf8',
    env: { ...base, CLEARWATER_LOG_LEVEL: 'silent', CLEARWATER_DATA_DIR: dataDir, CLEARWATER_CATALOG: catalogPath, ...env },
  });
}
const withInflux = { INFLUX_URL: influxUrl, INFLUX_DATABASE: database };

async function query(statement: string): Promise<unknown[][]> {
  const result = await influxQL(influxUrl, statement, database);
  return result.results?.[0]?.series?.flatMap((s) => s.values) ?? [];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-deadletters-'));
  dataDir = join(dir, 'data');
  catalogPath = join(dir, 'catalog.yaml');
  await mkdir(dataDir);
  await chmod(dataDir, 0o755);
  await writeFile(catalogPath, stringify(catalogDocument(['turbidity'])));
  await createDatabase(influxUrl, database);

  store = new DeadLetterStore({ path: join(dataDir, 'dead-letters.db'), maxEntries: 1000, maxBytes: 64 * 1024 ** 2 });
  const ingest = new Ingest({ catalog: oneTapCatalog(['turbidity'], { secondDevice: true }), sink: { append: async () => {} }, deadLetters: store, now: () => arrival });
  const publish = (payload: string, at = topic) => ingest.accept({ topic: at, payload: Buffer.from(payload), qos: 1, deviceId: 'tap-1' });
  await publish(JSON.stringify({ ts: arrival - 60_000, readings: { turbidity: 0.31, free_chlorine: 0.42 } }));
  await publish(JSON.stringify({ ts: arrival - 30_000, readings: { free_chlorine: { value: 0.4, unit: 'furlong' } } }));
  await publish('{"ts": \u001b[2J oops');
  await publish(oversize);
  ingest.refuse({ topic: 'water/tongmen-tap/tap-2/telemetry', payload: Buffer.from('{}'), deviceId: 'tap-1' }, 'acl_denied', 'tap-1 may publish only under water/tongmen-tap/tap-1/');
  const influxRefused = (line: string) => store.add(influxRefusal(line, { statusCode: 400, message: 'field type conflict' }, arrival));
  influxRefused(`telemetry,${tags} ph=7.2 ${arrival - 45_000}`);
  influxRefused('telemetry,device=tap-1 turbidity= 1');
  store.flush();
  // The store stays open for the whole test, as in a running pipeline.
});

afterAll(async () => {
  store?.close();
  await influxQL(influxUrl, `DROP DATABASE "${database}"`).catch(() => {});
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Each step starts the CLI (tsx transpiles on start: a few seconds on a loaded machine).
describe('clearwater deadletters', { timeout: 90_000 }, () => {
  it('counts dead letters by reason', () => {
    const json = run(['count', '--json']);
    expect(json.status, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ total: 7, byReason: { undeclared_metric: 2, invalid_json: 1, oversize: 1, acl_denied: 1, influx_rejected: 2 } });
    const text = run(['count']);
    expect(text.stdout).toMatch(/^undeclared_metric\s+2$/m);
    expect(text.stdout).toMatch(/^total 7$/m);
  });

  it('makes the data folder private on the way, as the pipeline does (0700, every file 0600)', async () => {
    // The folder was made 0755 and the store 0644 (umask 022), as an older version left them.
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    const files = await readdir(dataDir);
    expect(files).toEqual(expect.arrayContaining(['dead-letters.db', 'dead-letters.db-wal', 'dead-letters.db-shm']));
    for (const file of files) expect(((await stat(join(dataDir, file))).mode & 0o777).toString(8), file).toBe('600');
  });

  it('lists them newest first with reason, detail and a printable payload', () => {
    const result = run(['list', '--reason', 'undeclared_metric']);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('tap-1  water/tongmen-tap/tap-1/telemetry');
    expect(result.stdout).toContain('undeclared_metric (free_chlorine): device tap-1 does not declare free_chlorine');
    expect(result.stdout.indexOf('furlong')).toBeLessThan(result.stdout.indexOf('0.42'));
    const malformed = run(['list', '--reason', 'invalid_json']);
    expect(malformed.stdout).toContain('{"ts": \\x1b[2J oops');
    expect(malformed.stdout).not.toContain('\u001b');
    const newest = JSON.parse(run(['list', '--json', '--limit', '1']).stdout) as { reason: string; payloadBase64: string }[];
    expect(newest).toHaveLength(1);
    expect(newest[0]?.reason).toBe('influx_rejected');
    expect(Buffer.from(newest[0]!.payloadBase64, 'base64').toString()).toBe('telemetry,device=tap-1 turbidity= 1');
  });

  it('shows the original length of a payload kept only in part, and marks it', () => {
    const text = run(['list', '--reason', 'oversize']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`payload ${oversize.length} B (the first 65536 B kept): {"ts":`);
    const [letter] = JSON.parse(run(['list', '--reason', 'oversize', '--json']).stdout) as { payloadBytes: number; truncated: boolean; payloadBase64: string }[];
    expect(letter).toMatchObject({ payloadBytes: oversize.length, truncated: true });
    expect(Buffer.from(letter!.payloadBase64, 'base64').toString()).toBe(oversize.slice(0, 65_536));
    const [whole] = JSON.parse(run(['list', '--reason', 'invalid_json', '--json']).stdout) as { truncated: boolean }[];
    expect(whole?.truncated).toBe(false);
  });

  it('refuses to resubmit without an InfluxDB to write to', () => {
    const result = run(['resubmit']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('INFLUX_URL');
    expect(store.list()).toHaveLength(7);
  });

  it('after the catalog fix, a dry run reports what would go and writes nothing', async () => {
    await writeFile(catalogPath, stringify(catalogDocument(['turbidity', 'free_chlorine'])));
    const result = run(['resubmit', '--dry-run', '--json']);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, examined: 7, resubmitted: 3, linesWritten: 0 });
    expect(store.list()).toHaveLength(7);
    expect(await query('SELECT * FROM telemetry')).toEqual([]);
  });

  it('stops with a clear error when InfluxDB cannot be reached, removing nothing', async () => {
    const result = run(['resubmit'], { ...withInflux, INFLUX_URL: `http://127.0.0.1:${await freePort()}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/InfluxDB write failed: .*ECONNREFUSED/);
    expect(result.stderr).toContain('stay in the store');
    expect(store.list()).toHaveLength(7);
  });

  it('resubmits what the fixed catalog accepts and keeps what is still wrong', async () => {
    const result = run(['resubmit'], withInflux);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('examined 7 dead letters');
    expect(result.stdout).toMatch(/resubmitted 2 \(removed from the store\); 2 lines written to InfluxDB/);
    expect(result.stdout).toMatch(/^ {2}unknown_unit\s+1$/m);
    expect(result.stdout).toMatch(/^ {2}invalid_json\s+1$/m);
    expect(result.stdout).toMatch(/^ {2}influx_rejected\s+1$/m);
    expect(result.stdout).toMatch(/not resubmittable 2:\n {2}acl_denied\s+1\n {2}oversize\s+1\n/);
    expect(result.stdout).toContain(`oversize → not resubmittable: payload truncated (65536 of ${oversize.length} bytes kept)`);

    const rows = await query(`SELECT turbidity, free_chlorine, ph FROM telemetry WHERE device = 'tap-1' AND village = 'tongmen'`);
    expect(rows).toEqual([
      [arrival - 60_000, 0.31, 0.42, null],
      [arrival - 45_000, null, null, 7.2],
    ]);
    const left = store.list();
    expect(left.map((l) => l.reason).sort()).toEqual(['acl_denied', 'influx_rejected', 'invalid_json', 'oversize', 'undeclared_metric']);
    expect(left.find((l) => l.reason === 'undeclared_metric')?.payload.toString()).toContain('furlong');
  });

  it('a second run finds nothing more to resubmit', () => {
    const result = run(['resubmit', '--json'], withInflux);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ examined: 5, resubmitted: 0, stillRejected: { unknown_unit: 1, invalid_json: 1, influx_rejected: 1 }, notResubmittable: { acl_denied: 1, oversize: 1 } });
  });
});
