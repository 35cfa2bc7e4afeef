import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import type { DeadLetter } from './dead-letters.ts';
import { Ingest, MAX_LETTERS_PER_MESSAGE } from './ingest.ts';

const NOW = Date.parse('2026-11-28T10:00:00Z');
const TOPIC = 'water/tongmen-tap/tongmen-tap-wq/telemetry';
let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog(fileURLToPath(new URL('../network/sample/county.yaml', import.meta.url)));
});

function ingestWith(append: (lines: readonly string[]) => Promise<void> = async () => {}) {
  const letters: DeadLetter[] = [];
  const spooled: string[] = [];
  const evaluated: number[] = [];
  const ingest = new Ingest({
    catalog,
    sink: { append: async (lines) => (await append(lines), void spooled.push(...lines)) },
    deadLetters: { add: (letter) => void letters.push(letter) },
    now: () => NOW,
    onPoints: (points) => void evaluated.push(...points.map((p) => p.ts)),
  });
  return { ingest, letters, spooled, evaluated };
}

describe('Ingest', () => {
  it('resolves a QoS 1 publish only once its readings are in the sink, and counts them then', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { ingest, spooled } = ingestWith(() => gate);
    const durable = ingest.accept({ topic: TOPIC, payload: Buffer.from(JSON.stringify({ ts: NOW, readings: { ph: 7.2, turbidity: 0.2 } })), qos: 1 });
    expect(durable).toBeInstanceOf(Promise);
    expect(ingest.stats.readingsAccepted).toBe(0);
    release();
    await durable;
    expect(spooled).toHaveLength(1);
    expect(ingest.stats.readingsAccepted).toBe(2);
  });

  it('hands readings to the rules only once they are durable, never those the sink refused', async () => {
    let full = true;
    const { ingest, evaluated } = ingestWith(async () => {
      if (full) throw new Error('spool full: publish refused, the device keeps its data and retries');
    });
    const publish = { topic: TOPIC, payload: Buffer.from(JSON.stringify({ ts: NOW, readings: { turbidity: 3.1 } })), qos: 1 as const };
    await expect(ingest.accept(publish)).rejects.toThrow(/spool full/);
    expect(evaluated).toEqual([]); // no PUBACK, so not evaluated either
    full = false;
    await ingest.accept(publish); // the device sends it again
    expect(evaluated).toEqual([NOW]); // its first evaluation, not an out-of-order duplicate
  });

  it('does not hold a QoS 0 publish, and counts what the sink could not take', async () => {
    const { ingest } = ingestWith(() => Promise.reject(new Error('spool full')));
    expect(ingest.accept({ topic: TOPIC, payload: Buffer.from(JSON.stringify({ ts: NOW, readings: { ph: 7.2 } })), qos: 0 })).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(ingest.stats.bestEffortLost).toBe(1);
  });

  it('counts every rejection of a message but keeps a bounded number of letters for it', () => {
    const { ingest, letters } = ingestWith();
    const readings = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`junk${i}`, i]));
    expect(ingest.accept({ topic: TOPIC, payload: Buffer.from(JSON.stringify({ ts: NOW, readings })), qos: 1 })).toBeUndefined();
    expect(ingest.stats.readingsRejected).toEqual({ unknown_metric: 500 });
    expect(letters).toHaveLength(MAX_LETTERS_PER_MESSAGE);
    expect(letters.at(-1)?.detail).toContain('and 492 more rejections');
  });

  it('dead-letters a topic outside the grammar and bad status messages', () => {
    const { ingest, letters } = ingestWith();
    ingest.accept({ topic: 'water/tongmen-tap/tongmen-tap-wq', payload: Buffer.from('{}'), deviceId: 'tongmen-tap-wq' });
    ingest.accept({ topic: 'water/tongmen-tap/tongmen-tap-wq/status', payload: Buffer.from('sleepy') });
    expect(letters.map((l) => l.reason)).toEqual(['invalid_topic', 'invalid_status']);
  });
});
