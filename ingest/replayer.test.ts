/**
 * The replayer against a real spool file and a scripted InfluxDB: order, retries with
 * Retry-After, dead-lettering of lines that can never be written, and nothing removed early.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Replayer, replayerSchema } from './replayer.ts';
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

  it('keeps lines spooled while InfluxDB is down and writes them when it is back', async () => {
    let down = true;
    const written: string[] = [];
    const errors: number[] = [];
    const replayer = new Replayer(config, {
      spool,
      write: async (lines) => {
        if (down) throw Object.assign(new Error('503 Service Unavailable'), { statusCode: 503, retryAfter: () => 0 });
        written.push(...lines);
      },
      deadLetter: () => {},
      onWriteError: (_failure, _lines, retryInMs) => errors.push(retryInMs),
    });
    await spool.append(['x1', 'x2']);
    replayer.start();
    await until(() => errors.length >= 3);
    expect(spool.depth().lines).toBe(2);
    await spool.append(['x3']);
    down = false;
    await until(() => spool.depth().rows === 0);
    await replayer.stop();
    expect(written).toEqual(['x1', 'x2', 'x3']);
    expect(errors[1]).toBeGreaterThanOrEqual(errors[0]!); // backing off
  });

  it('honours Retry-After', async () => {
    const delays: number[] = [];
    let calls = 0;
    const replayer = new Replayer(replayerSchema.parse({ ...config, maxRetryDelayMs: 60_000 }), {
      spool,
      write: async () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('429'), { statusCode: 429, retryAfter: () => 0.02 });
      },
      deadLetter: () => {},
      onWriteError: (_f, _n, retryInMs) => delays.push(retryInMs),
    });
    await spool.append(['y']);
    replayer.start();
    await until(() => spool.depth().rows === 0);
    await replayer.stop();
    expect(delays).toEqual([20]);
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

describe('Spool', () => {
  it('commits the appends of one event-loop turn together', async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => spool.append([`l${i}`])));
    expect(spool.commits).toBe(1);
    expect(spool.depth()).toMatchObject({ rows: 1, lines: 100 });
  });

  it('refuses appends past its size cap', async () => {
    const small = new Spool({ path: join(dir, 'small.db'), maxBytes: 10, synchronous: 'NORMAL' });
    await small.append(['0123456789ab']);
    await expect(small.append(['more'])).rejects.toThrow(/spool full/);
    small.remove(small.take(10)!);
    await expect(small.append(['fits'])).resolves.toBeUndefined();
    small.close();
  });
});
