/**
 * The durable sink on a real spool file, with a writer the test holds back or lets through:
 * an append resolves once its lines are on disk, whatever InfluxDB does; a full spool makes
 * appends wait for the replayer to free room, then refuses them; stop drains what it can and
 * leaves the rest on disk for the next start. (Writes to a real InfluxDB: test/influx-writes.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableSink } from './durable-sink.ts';
import { replayerSchema } from './replayer.ts';
import { SpoolFullError } from './spool.ts';

/** A writer that holds every request until the test opens it, then acknowledges. */
function gatedWriter() {
  const written: string[] = [];
  let open!: () => void;
  let gate = new Promise<void>((resolve) => (open = resolve));
  return {
    written,
    open: () => open(),
    close: () => void (gate = new Promise<void>((resolve) => (open = resolve))),
    writer: {
      write: async (lines: readonly string[]) => {
        await gate;
        written.push(...lines);
      },
    },
  };
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-sink-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const replay = replayerSchema.parse({ batchLines: 2, flushIntervalMs: 0, minRetryDelayMs: 5, maxRetryDelayMs: 20 });
const sinkAt = (influx: ReturnType<typeof gatedWriter>, spool: { maxBytes?: number; fullWaitMs?: number } = {}) =>
  new DurableSink({ path: join(dir, 'spool.db'), maxBytes: spool.maxBytes ?? 1_000_000, synchronous: 'NORMAL', fullWaitMs: spool.fullWaitMs ?? 0 }, replay, { writer: influx.writer, deadLetter: () => {} });

describe('DurableSink', () => {
  it('resolves an append once the lines are spooled, before InfluxDB has them', async () => {
    const influx = gatedWriter();
    const sink = sinkAt(influx);
    sink.start();
    await sink.append(['a', 'b', 'c']);
    expect(sink.stats()).toMatchObject({ spoolLines: 3, linesWritten: 0 });
    influx.open();
    await expect.poll(() => sink.stats().spoolLines).toBe(0);
    expect(influx.written).toEqual(['a', 'b', 'c']);
    await sink.stop(1000);
  });

  it('holds an append while the spool is full and takes it as soon as a write frees room', async () => {
    const influx = gatedWriter();
    const sink = sinkAt(influx, { maxBytes: 4, fullWaitMs: 60_000 });
    sink.start();
    await sink.append(['full']);
    let taken = false;
    const held = sink.append(['next']).then(() => (taken = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(taken).toBe(false); // waiting for room, not refused
    influx.open(); // InfluxDB takes the first line: room again
    await held;
    expect(sink.stats().publishesRefused).toBe(0);
    await expect.poll(() => influx.written).toEqual(['full', 'next']);
    await sink.stop(1000);
  });

  it('refuses an append when the spool stays full for fullWaitMs, and counts it', async () => {
    const influx = gatedWriter();
    const sink = sinkAt(influx, { maxBytes: 4, fullWaitMs: 30 });
    sink.start();
    await sink.append(['full']);
    await expect(sink.append(['refused'])).rejects.toBeInstanceOf(SpoolFullError);
    expect(sink.stats()).toMatchObject({ publishesRefused: 1, spoolLines: 1 });
    influx.open();
    await sink.stop(1000);
    expect(influx.written).toEqual(['full']);
  });

  it('keeps what it could not write by the drain timeout for the next start', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8086'), { code: 'ECONNREFUSED' });
    const down = { ...gatedWriter(), writer: { write: () => Promise.reject(refused) } };
    const sink = sinkAt(down);
    sink.start();
    await sink.append(['x1', 'x2', 'x3']);
    await sink.stop(30); // InfluxDB is down throughout
    const back = gatedWriter();
    back.open();
    const next = sinkAt(back);
    expect(next.stats().spoolLines).toBe(3);
    next.start();
    await expect.poll(() => back.written).toEqual(['x1', 'x2', 'x3']);
    await next.stop(1000);
  });
});
