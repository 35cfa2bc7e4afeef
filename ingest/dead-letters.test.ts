import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterStore, isTruncated, KEPT_PAYLOAD_BYTES, payloadExcerpt, printable, type DeadLetter } from './dead-letters.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const TOPIC = 'water/tongmen-tap/tap-1/telemetry';
const bytes = (text: string) => Buffer.from(text);

function letter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return { receivedAt: T0, topic: TOPIC, device: 'tap-1', reason: 'invalid_json', detail: 'Unexpected token', payload: bytes('{oops'), ...overrides };
}

const stores: DeadLetterStore[] = [];
const roomy = { maxEntries: 100_000, maxBytes: 1024 ** 3 };
function memoryStore(caps: Partial<typeof roomy> = {}): DeadLetterStore {
  const store = new DeadLetterStore({ path: ':memory:', ...roomy, ...caps });
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

describe('DeadLetterStore', () => {
  it('lists newest first, filtered by reason and device, up to a limit, paging with beforeId', () => {
    const store = memoryStore();
    store.add(letter({ reason: 'invalid_json', device: 'tap-1' }));
    store.add(letter({ reason: 'undeclared_metric', device: 'tap-1', metric: 'ph' }));
    store.add(letter({ reason: 'undeclared_metric', device: 'tap-2', metric: 'ph' }));
    store.add(letter({ reason: 'unknown_device', device: undefined }));
    const all = store.list();
    expect(all.map((l) => l.id)).toEqual([4, 3, 2, 1]);
    expect(all[3]).toMatchObject({ reason: 'invalid_json', device: 'tap-1', receivedAt: T0, topic: TOPIC, metric: undefined });
    expect(Buffer.from(all[3]!.payload).toString()).toBe('{oops');
    expect(all[0]!.device).toBeUndefined();
    expect(store.list({ reason: 'undeclared_metric' }).map((l) => l.id)).toEqual([3, 2]);
    expect(store.list({ device: 'tap-1' }).map((l) => l.id)).toEqual([2, 1]);
    expect(store.list({ reason: 'undeclared_metric', device: 'tap-2' }).map((l) => l.id)).toEqual([3]);
    expect(store.list({ limit: 2 }).map((l) => l.id)).toEqual([4, 3]);
    expect(store.list({ beforeId: 3, limit: 1 }).map((l) => l.id)).toEqual([2]);
  });

  it('counts by reason', () => {
    const store = memoryStore();
    expect(store.countByReason()).toEqual({});
    for (const reason of ['invalid_json', 'out_of_range', 'out_of_range', 'acl_denied']) store.add(letter({ reason }));
    expect(store.countByReason()).toEqual({ invalid_json: 1, out_of_range: 2, acl_denied: 1 });
  });

  it('removes letters by id and says how many were there', () => {
    const store = memoryStore();
    for (let i = 0; i < 5; i++) store.add(letter());
    expect(store.remove([2, 4, 99])).toBe(2);
    expect(store.remove([])).toBe(0);
    expect(store.list().map((l) => l.id)).toEqual([5, 3, 1]);
  });

  it('prunes the oldest entries past maxEntries', () => {
    const store = memoryStore({ maxEntries: 10 });
    for (let i = 0; i < 1005; i++) store.add(letter({ detail: `letter ${i}` }));
    store.flush();
    const kept = store.list({ limit: 1000 });
    expect(kept).toHaveLength(10);
    expect(kept.at(0)?.detail).toBe('letter 1004');
    expect(kept.at(-1)?.detail).toBe('letter 995');
    expect(store.stats.pruned).toBe(995);
    expect(store.totals().letters).toBe(10);
  });

  it('keeps the first 64 KiB of a payload and its original length', () => {
    const store = memoryStore();
    const huge = Buffer.alloc(1024 * 1024, 0x61);
    store.add(letter({ reason: 'oversize', payload: huge }));
    store.add(letter({ payload: Buffer.alloc(KEPT_PAYLOAD_BYTES, 0x62) }));
    const [whole, cut] = store.list();
    expect(cut).toMatchObject({ reason: 'oversize', payloadBytes: 1024 * 1024 });
    expect(cut!.payload.byteLength).toBe(KEPT_PAYLOAD_BYTES);
    expect(Buffer.from(cut!.payload).equals(huge.subarray(0, KEPT_PAYLOAD_BYTES))).toBe(true);
    expect(isTruncated(cut!)).toBe(true);
    expect(whole).toMatchObject({ payloadBytes: KEPT_PAYLOAD_BYTES });
    expect(isTruncated(whole!)).toBe(false);
  });

  it('prunes the oldest entries past maxBytes, counting payload and text, and counts what it pruned', () => {
    const size = (l: DeadLetter) => l.payload.byteLength + [l.topic, l.reason, l.detail, l.device ?? ''].reduce((n, t) => n + Buffer.byteLength(t), 0);
    const big = (i: number) => letter({ reason: 'oversize', detail: `letter ${String(i).padStart(2, '0')}`, payload: Buffer.alloc(200_000, 0x61) });
    const perLetter = size({ ...big(0), payload: Buffer.alloc(KEPT_PAYLOAD_BYTES) });
    const store = memoryStore({ maxBytes: 10 * perLetter });
    for (let i = 0; i < 25; i++) store.add(big(i));
    store.flush();
    expect(store.totals()).toEqual({ letters: 10, bytes: 10 * perLetter });
    expect(store.list({ limit: 100 }).map((l) => l.detail)).toEqual(Array.from({ length: 10 }, (_, i) => `letter ${24 - i}`));
    expect(store.stats.pruned).toBe(15);
    for (let i = 25; i < 30; i++) store.add(big(i));
    store.flush();
    expect(store.totals().letters).toBe(10);
    expect(store.stats.pruned).toBe(20);
    expect(store.list({ limit: 1 })[0]?.detail).toBe('letter 29');
  });

  it('keeps its totals right when another process removes letters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-dead-letters-'));
    try {
      const path = join(dir, 'dead-letters.db');
      const pipeline = new DeadLetterStore({ path, ...roomy });
      for (let i = 0; i < 4; i++) pipeline.add(letter({ detail: 'x'.repeat(i) }));
      pipeline.flush();
      const before = pipeline.totals();
      const operator = new DeadLetterStore({ path, ...roomy, mustExist: true });
      operator.remove([2, 4]);
      expect(pipeline.totals()).toEqual({ letters: 2, bytes: before.bytes - 2 * letter().payload.byteLength - 4 - 2 * Buffer.byteLength(TOPIC + 'invalid_json' + 'tap-1') });
      operator.close();
      pipeline.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('migrates a store of the previous version: cuts old oversize payloads, keeps their length, counts what is there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-dead-letters-'));
    try {
      const path = join(dir, 'dead-letters.db');
      const old = new Database(path);
      old.pragma('journal_mode = WAL');
      // The table exactly as the previous version made it; user_version left at 0.
      old.exec(`CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, topic TEXT NOT NULL, device TEXT,
        reason TEXT NOT NULL, detail TEXT NOT NULL, metric TEXT, payload BLOB NOT NULL);
        CREATE INDEX dead_letters_reason ON dead_letters (reason, id);`);
      const insert = old.prepare('INSERT INTO dead_letters (received_at, topic, device, reason, detail, metric, payload) VALUES (?, ?, ?, ?, ?, ?, ?)');
      insert.run(T0, TOPIC, 'tap-1', 'invalid_json', 'bad', null, Buffer.from('{oops'));
      insert.run(T0, TOPIC, 'tap-1', 'oversize', 'too big', null, Buffer.alloc(300_000, 0x61));
      old.close();

      const store = new DeadLetterStore({ path, ...roomy });
      const [oversize, small] = store.list();
      expect(small).toMatchObject({ reason: 'invalid_json', payloadBytes: 5 });
      expect(Buffer.from(small!.payload).toString()).toBe('{oops');
      expect(oversize).toMatchObject({ reason: 'oversize', payloadBytes: 300_000 });
      expect(oversize!.payload.byteLength).toBe(KEPT_PAYLOAD_BYTES);
      const text = Buffer.byteLength(TOPIC + 'tap-1') * 2 + Buffer.byteLength('invalid_json' + 'bad' + 'oversize' + 'too big');
      expect(store.totals()).toEqual({ letters: 2, bytes: 5 + KEPT_PAYLOAD_BYTES + text });
      store.add(letter());
      store.close();
      // A second open finds the file migrated and leaves it as it is.
      const again = new DeadLetterStore({ path, ...roomy, mustExist: true });
      expect(again.totals().letters).toBe(3);
      expect(again.list().map((l) => l.payloadBytes)).toEqual([5, 300_000, 5]);
      again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lets a second process remove letters while the pipeline keeps writing (WAL, busy timeout)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-dead-letters-'));
    try {
      const path = join(dir, 'dead-letters.db');
      const pipeline = new DeadLetterStore({ path, ...roomy });
      pipeline.add(letter({ reason: 'a' }));
      pipeline.add(letter({ reason: 'b' }));
      pipeline.flush();
      const operator = new DeadLetterStore({ path, ...roomy, busyTimeoutMs: 1000, mustExist: true });
      expect(operator.list().map((l) => l.reason)).toEqual(['b', 'a']);
      expect(operator.remove([1])).toBe(1);
      pipeline.add(letter({ reason: 'c' }));
      pipeline.flush();
      expect(operator.countByReason()).toEqual({ b: 1, c: 1 });
      operator.close();
      pipeline.close();
      expect(() => new DeadLetterStore({ path: join(dir, 'missing.db'), ...roomy, mustExist: true })).toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('payloadExcerpt and printable', () => {
  it.each([
    ['plain JSON', bytes('{"ts":1,"readings":{"ph":7}}'), 160, '{"ts":1,"readings":{"ph":7}}'],
    ['control characters', bytes('a\nb\tc\rd\u0000e\u001bf'), 160, 'a\\nb\\tc\\rd\\x00e\\x1bf'],
    ['a backslash, doubled so escapes stay unambiguous', bytes('a\\nb'), 160, 'a\\\\nb'],
    ['text beyond ASCII', bytes('桐门 µS/cm'), 160, '桐门 µS/cm'],
    ['bidi overrides and line separators', bytes('a\u202eb\u2028c'), 160, 'a\\u{202e}b\\u{2028}c'],
    ['bytes that are not UTF-8', Uint8Array.from([0x7b, 0xff, 0xc3, 0x28, 0xe6, 0xa1]), 160, '{\\xff\\xc3(\\xe6\\xa1'],
    ['a cut after maxChars characters', bytes('桐门村水厂'), 3, '桐门村…'],
    ['nothing', new Uint8Array(0), 160, ''],
  ])('%s', (_, payload, maxChars, expected) => {
    expect(payloadExcerpt(payload, maxChars)).toBe(expected);
  });

  it('escapes what a terminal would act on in any text', () => {
    expect(printable('water/\u001b[2Jx/y/telemetry')).toBe('water/\\x1b[2Jx/y/telemetry');
  });
});
