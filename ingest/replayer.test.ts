/**
 * The replayer against a real spool file and a scripted InfluxDB: order, retries that wait out
 * their backoff and Retry-After, one report per failure episode, dead-lettering of lines that can
 * never be written, and nothing removed early. Time is the test's: it releases each wait.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Replayer, replayerSchema, type WriteStateChange } from './replayer.ts';
import type { Delay } from '../network/signal.ts';
import { Spool } from './spool.ts';

let dir: string;
let spool: Spool;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-spool-'));
  spool = new Spool({ path: join(dir, 'spool.db'), maxBytes: 1_000_000, synchronous: 'NORMAL' });
});
afterEach(async () => {
  spool.close();
  await rm(dir, { recursive: true, force: true });
});

const config = replayerSchema.parse({ batchLines: 4, flushIntervalMs: 0, minRetryDelayMs: 5, maxRetryDelayMs: 50 });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};
/** Lets pending promise callbacks and immediates run. */
const settle = () => new Promise((r) => setTimeout(r, 20));

/** The replayer's waits, each released by the test (or ended by the replayer itself). */
function controlledTime() {
  const waits: { ms: number; done: boolean; release(): void }[] = [];
  const delay: Delay = (ms, signal) =>
    new Promise((resolve) => {
      const wait = { ms, done: false, release: () => ((wait.done = true), resolve()) };
      waits.push(wait);
      signal.addEventListener('abort', wait.release, { once: true });
    });
  return { waits, delay, pending: () => waits.filter((w) => !w.done) };
}

describe('Replayer', () => {
  it('writes spooled lines in order and removes them only after the write succeeded', async () => {
    const written: string[][] = [];
    const replayer = new Replayer(config, { spool, write: async (lines) => void written.push([...lines]), deadLetter: () => {} });
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((l) => spool.append([l])));
    replayer.start();
    await until(() => spool.depth().rows === 0);
    await replayer.stop();
    expect(written.flat()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(written.every((batch) => batch.length <= 6)).toBe(true);
  });

  it('keeps lines spooled while InfluxDB is down, waits out each backoff whatever arrives, and writes them when it is back', async () => {
    const time = controlledTime();
    let down = true;
    let attempts = 0;
    const written: string[] = [];
    const states: WriteStateChange[] = [];
    const replayer = new Replayer(replayerSchema.parse({ ...config, jitter: 0 }), {
      spool,
      write: async (lines) => {
        attempts += 1;
        if (down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8086'), { code: 'ECONNREFUSED' });
        written.push(...lines);
      },
      deadLetter: () => {},
      onWriteState: (change) => states.push(change),
      delay: time.delay,
    });
    await spool.append(['x1', 'x2']);
    replayer.start();
    for (let retry = 0; retry < 5; retry++) {
      await until(() => time.pending().length === 1);
      // Devices keep publishing while InfluxDB is down: new lines must not end the wait.
      await spool.append([`during-${retry}`]);
      replayer.notify();
      await settle();
      expect(attempts).toBe(retry + 1);
      time.pending()[0]!.release();
    }
    await until(() => time.pending().length === 1);
    expect(time.waits.map((w) => w.ms)).toEqual([5, 10, 20, 40, 50, 50]); // doubling from minRetryDelayMs to maxRetryDelayMs
    expect(spool.depth().lines).toBe(7);
    down = false;
    time.pending()[0]!.release();
    await until(() => spool.depth().rows === 0);
    await replayer.stop();
    expect(written).toEqual(['x1', 'x2', 'during-0', 'during-1', 'during-2', 'during-3', 'during-4']);
    // Reported once when it started failing, once when it recovered.
    expect(states.map((s) => s.state)).toEqual(['failing', 'recovered']);
    expect(states[1]).toMatchObject({ state: 'recovered', failures: 6 });
    expect(replayer.stats.writeErrors).toBe(6);
  });

  it('honours Retry-After', async () => {
    const time = controlledTime();
    let calls = 0;
    const replayer = new Replayer(replayerSchema.parse({ ...config, maxRetryDelayMs: 60_000 }), {
      spool,
      write: async () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('429'), { statusCode: 429, retryAfter: () => 0.02 });
      },
      deadLetter: () => {},
      delay: time.delay,
    });
    await spool.append(['y']);
    replayer.start();
    await until(() => time.pending().length === 1);
    expect(time.pending()[0]!.ms).toBe(20);
    time.pending()[0]!.release();
    await until(() => spool.depth().rows === 0);
    await replayer.stop();
    expect(calls).toBe(2);
  });

  it('dead-letters only the lines InfluxDB refuses for good, and writes the rest', async () => {
    const written: string[] = [];
    const dead: string[] = [];
    const replayer = new Replayer(config, {
      spool,
      write: async (lines) => {
        if (lines.some((l) => l.includes('bad'))) throw Object.assign(new Error('400 field type conflict'), { statusCode: 400 });
        written.push(...lines);
      },
      deadLetter: (line) => dead.push(line),
    });
    await Promise.all([['g1', 'bad1', 'g2'], ['g3'], ['bad2', 'g4']].map((lines) => spool.append(lines)));
    replayer.start();
    await until(() => spool.depth().rows === 0);
    await replayer.stop();
    expect(dead.sort()).toEqual(['bad1', 'bad2']);
    expect(written.sort()).toEqual(['g1', 'g2', 'g3', 'g4']);
    expect(replayer.stats.linesRejected).toBe(2);
  });

  it('finishes the halving after InfluxDB fails transiently in the middle of it', async () => {
    const written: string[] = [];
    const dead: string[] = [];
    let requests = 0;
    const replayer = new Replayer(config, {
      spool,
      write: async (lines) => {
        requests += 1;
        if (requests === 3) throw Object.assign(new Error('503 Service Unavailable'), { statusCode: 503 });
        if (lines.some((l) => l.includes('bad'))) throw Object.assign(new Error('400 field type conflict'), { statusCode: 400 });
        written.push(...lines);
      },
      deadLetter: (line) => dead.push(line),
    });
    await spool.append(['h1', 'bad3', 'h2', 'h3']);
    replayer.start();
    await until(() => spool.depth().rows === 0);
    await replayer.stop();
    expect(dead).toEqual(['bad3']);
    expect(written.sort()).toEqual(['h1', 'h2', 'h3']);
    expect(replayer.stats).toMatchObject({ linesWritten: 3, linesRejected: 1, writeRequests: requests });
  });

  it('leaves unwritten lines in the spool file when stopped, for the next process', async () => {
    const replayer = new Replayer(config, { spool, write: async () => Promise.reject(new Error('ECONNREFUSED')), deadLetter: () => {} });
    await spool.append(['z1', 'z2']);
    replayer.start();
    await new Promise((r) => setTimeout(r, 30));
    await replayer.stop();
    spool.close();
    spool = new Spool({ path: join(dir, 'spool.db'), maxBytes: 1_000_000, synchronous: 'NORMAL' });
    expect(spool.take(10)?.lines).toEqual(['z1', 'z2']);
  });
});
