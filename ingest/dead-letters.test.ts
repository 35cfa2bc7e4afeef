import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCatalog, type Catalog } from '../network/catalog.ts';
import { DEFAULT_LIMITS } from './decode.ts';
import { DeadLetterStore, INFLUX_REJECTED_TOPIC, payloadExcerpt, planResubmission, printable, type DeadLetter, type StoredDeadLetter } from './dead-letters.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const TOPIC = 'water/tongmen-tap/tap-1/telemetry';
const bytes = (text: string) => Buffer.from(text);

function letter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return { receivedAt: T0, topic: TOPIC, device: 'tap-1', reason: 'invalid_json', detail: 'Unexpected token', payload: bytes('{oops'), ...overrides };
}

const stores: DeadLetterStore[] = [];
function memoryStore(maxEntries = 100_000): DeadLetterStore {
  const store = new DeadLetterStore({ path: ':memory:', maxEntries });
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
    const store = memoryStore(10);
    for (let i = 0; i < 1005; i++) store.add(letter({ detail: `letter ${i}` }));
    store.flush();
    const kept = store.list({ limit: 1000 });
    expect(kept).toHaveLength(10);
    expect(kept.at(0)?.detail).toBe('letter 1004');
    expect(kept.at(-1)?.detail).toBe('letter 995');
  });

  it('lets a second process remove letters while the pipeline keeps writing (WAL, busy timeout)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-dead-letters-'));
    try {
      const path = join(dir, 'dead-letters.db');
      const pipeline = new DeadLetterStore({ path, maxEntries: 1000 });
      pipeline.add(letter({ reason: 'a' }));
      pipeline.add(letter({ reason: 'b' }));
      pipeline.flush();
      const operator = new DeadLetterStore({ path, maxEntries: 1000, busyTimeoutMs: 1000, mustExist: true });
      expect(operator.list().map((l) => l.reason)).toEqual(['b', 'a']);
      expect(operator.remove([1])).toBe(1);
      pipeline.add(letter({ reason: 'c' }));
      pipeline.flush();
      expect(operator.countByReason()).toEqual({ b: 1, c: 1 });
      operator.close();
      pipeline.close();
      expect(() => new DeadLetterStore({ path: join(dir, 'missing.db'), maxEntries: 10, mustExist: true })).toThrow();
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

const catalogDocument = (tapMetrics: string[]) => ({
  county: { id: 'qingxi', name: 'Qingxi' },
  townships: [{ id: 'tongmen', name: 'Tongmen' }],
  villages: [{ id: 'tongmen', name: 'Tongmen', township: 'tongmen' }],
  zones: [{ id: 'north', name: 'North' }],
  sites: [{ id: 'tongmen-tap', name: 'Tongmen tap', kind: 'tap', township: 'tongmen', village: 'tongmen', zone: 'north', location: { lat: 29.1, lon: 119.6 } }],
  devices: [{ id: 'tap-1', site: 'tongmen-tap', passwordHash: 'scrypt$x', intervalS: 60, metrics: tapMetrics }],
});

function catalogOf(tapMetrics: string[]): Catalog {
  const parsed = parseCatalog(catalogDocument(tapMetrics));
  if (!parsed.ok) throw new Error(parsed.problems);
  return parsed.catalog;
}

let nextId = 1;
function stored(overrides: Partial<DeadLetter>): StoredDeadLetter {
  return { ...letter(overrides), id: nextId++ };
}

describe('planResubmission', () => {
  const fixed = catalogOf(['turbidity', 'free_chlorine']);
  const message = bytes(JSON.stringify({ ts: T0 - 60_000, readings: { turbidity: 0.3, free_chlorine: 0.42, bogus: 1 } }));

  it('accepts a reading whose metric the catalog declares now, keeps the sibling that is still unknown', () => {
    const chlorine = stored({ reason: 'undeclared_metric', metric: 'free_chlorine', payload: message });
    const bogus = stored({ reason: 'unknown_metric', metric: 'bogus', payload: message });
    const [a, b] = planResubmission(fixed, [chlorine, bogus], DEFAULT_LIMITS);
    const line = `telemetry,device=tap-1,site=tongmen-tap,site_kind=tap,township=tongmen,village=tongmen,zone=north turbidity=0.3,free_chlorine=0.42 ${T0 - 60_000}`;
    expect(a).toEqual({ kind: 'accepted', letter: chlorine, lines: [line] });
    expect(b).toMatchObject({ kind: 'rejected', lines: [line], verdicts: [{ reason: 'unknown_metric', metric: 'bogus' }] });
  });

  it('reports the reason a letter is rejected for now', () => {
    const payload = bytes(JSON.stringify({ ts: T0, readings: { free_chlorine: { value: 0.4, unit: 'furlong' } } }));
    const [plan] = planResubmission(fixed, [stored({ reason: 'undeclared_metric', metric: 'free_chlorine', payload })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', lines: [], verdicts: [{ reason: 'unknown_unit', metric: 'free_chlorine' }] });
  });

  it('checks timestamps against the arrival time, not today', () => {
    const payload = bytes(JSON.stringify({ ts: T0 - 60_000, readings: { turbidity: 0.3 } }));
    const [onTime] = planResubmission(fixed, [stored({ reason: 'unknown_device', payload })], DEFAULT_LIMITS);
    expect(onTime?.kind).toBe('accepted');
    const late = bytes(JSON.stringify({ ts: T0 + 3_600_000, readings: { turbidity: 0.3 } }));
    const [future] = planResubmission(fixed, [stored({ reason: 'future_timestamp', payload: late })], DEFAULT_LIMITS);
    expect(future).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'future_timestamp' }] });
  });

  it('keeps a message-level letter when a reading of it is still refused and no sibling stands for that reading', () => {
    const [plan] = planResubmission(fixed, [stored({ reason: 'unknown_device', payload: message })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'unknown_metric', metric: 'bogus' }] });
    expect(plan?.kind === 'rejected' && plan.lines).toHaveLength(1);
  });

  it('keeps a letter when its device has left the catalog', () => {
    const payload = bytes(JSON.stringify({ ts: T0, readings: { turbidity: 0.3 } }));
    const [plan] = planResubmission(fixed, [stored({ topic: 'water/tongmen-tap/tap-9/telemetry', device: 'tap-9', reason: 'undeclared_metric', metric: 'turbidity', payload })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'unknown_device' }] });
  });

  it('re-sends a line InfluxDB refused as it is', () => {
    const line = 'telemetry,device=tap-1 turbidity=0.3 1764324000000';
    const [plan] = planResubmission(fixed, [stored({ topic: INFLUX_REJECTED_TOPIC, device: undefined, reason: 'influx_rejected', payload: bytes(`${line}\n`) })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'accepted', lines: [line] });
  });

  it.each([
    ['a broker refusal', { reason: 'acl_denied', topic: 'water/tongmen-tap/tap-2/telemetry' }, 'acl_denied is not a telemetry rejection'],
    ['a status message', { reason: 'invalid_status', topic: 'water/tongmen-tap/tap-1/status' }, 'invalid_status is not a telemetry rejection'],
    ['a status topic with a decode reason', { reason: 'invalid_json', topic: 'water/tongmen-tap/tap-1/status' }, 'not a telemetry topic'],
    ['a publish on another device\'s topic', { reason: 'undeclared_metric', device: 'tap-2' }, 'device tap-2 published on the topic of tap-1'],
  ])('skips %s', (_, overrides, why) => {
    const [plan] = planResubmission(fixed, [stored({ payload: message, ...overrides })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'skipped', why });
  });

  it('keeps malformed input malformed', () => {
    const [plan] = planResubmission(fixed, [stored({ reason: 'invalid_json', payload: bytes('{oops') })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'invalid_json' }] });
  });
});
