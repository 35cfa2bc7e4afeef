/**
 * The spool on a real SQLite file: group commit, the size cap, order, and what survives closing
 * the file (a restart, or a crash after the commit).
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Spool } from './spool.ts';

let dir: string;
let path: string;
let spool: Spool;
let clock = 1_000;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-spool-'));
  path = join(dir, 'spool.db');
  spool = new Spool({ path, maxBytes: 1_000_000, synchronous: 'FULL' }, () => clock);
});
afterEach(async () => {
  spool.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Spool', () => {
  it('commits the appends of one event-loop turn together, in one transaction', async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => spool.append([`l${i}`])));
    expect(spool.commits).toBe(1);
    expect(spool.depth()).toMatchObject({ rows: 1, lines: 100 });
    await spool.append(['next turn']);
    expect(spool.commits).toBe(2);
  });

  it('has an appended line on disk when the append resolves', async () => {
    await spool.append(['telemetry,device=d1 turbidity=0.2 1']);
    // Another connection (another process after a crash) sees the committed row.
    const reader = new Database(path, { readonly: true });
    try {
      expect(reader.prepare('SELECT body, line_count FROM spool').all()).toEqual([{ body: 'telemetry,device=d1 turbidity=0.2 1', line_count: 1 }]);
    } finally {
      reader.close();
    }
  });

  it('refuses appends past its size cap until rows are removed', async () => {
    const small = new Spool({ path: join(dir, 'small.db'), maxBytes: 10, synchronous: 'NORMAL' });
    await small.append(['0123456789ab']);
    expect(small.full()).toBe(true);
    await expect(small.append(['more'])).rejects.toThrow(/spool full \(12 of 10 bytes\)/);
    small.remove(small.take(10)!);
    await expect(small.append(['fits'])).resolves.toBeUndefined();
    small.close();
  });

  it('hands out the oldest rows first, about maxLines at a time but at least one row', async () => {
    clock = 1_000;
    await spool.append(['a1', 'a2', 'a3']);
    clock = 2_000;
    await spool.append(['b1']);
    clock = 3_000;
    await spool.append(['c1', 'c2']);
    expect(spool.take(2)).toMatchObject({ lines: ['a1', 'a2', 'a3'], oldestAt: 1_000 }); // one row even past maxLines
    expect(spool.take(4)?.lines).toEqual(['a1', 'a2', 'a3', 'b1']);
    spool.remove(spool.take(4)!);
    expect(spool.depth()).toMatchObject({ rows: 1, lines: 2, oldestAt: 3_000 });
    expect(spool.take(100)?.lines).toEqual(['c1', 'c2']);
  });

  it('keeps what was not removed across a close and reopen, with its size', async () => {
    await spool.append(['kept1', 'kept2']);
    await spool.append(['written']);
    const first = spool.take(2)!;
    spool.remove(first);
    spool.close();
    spool = new Spool({ path, maxBytes: 1_000_000, synchronous: 'FULL' });
    expect(spool.depth()).toMatchObject({ rows: 1, lines: 1, bytes: Buffer.byteLength('written') });
    expect(spool.take(10)?.lines).toEqual(['written']);
  });
});
