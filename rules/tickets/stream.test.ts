import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteTicketStore } from './sqlite.ts';
import type { TicketChange, TicketStore } from './store.ts';
import { reading, subject, T0 } from './store.suite.ts';
import { TicketChangeStream } from './stream.ts';

const types = (changes: readonly TicketChange[]) => changes.map((c) => c.event.type);
const HOUR = 3_600_000;

describe('ticket change stream', () => {
  let dir: string;
  let store: TicketStore;
  let stream: TicketChangeStream | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clearwater-stream-'));
    store = await openSqliteTicketStore({ path: join(dir, 'tickets.db') });
  });

  afterEach(async () => {
    await stream?.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands each change to durable consumers and live subscribers once, in order, as soon as it is committed', async () => {
    // Polling only every hour: what arrives within the test came from the store's own commit.
    stream = new TicketChangeStream(store, { pollMs: HOUR });
    const durable: string[] = [];
    stream.consume('annotations', (changes) => void durable.push(...types(changes)));
    await stream.start();
    const live: string[] = [];
    await stream.subscribe('console', (changes) => void live.push(...types(changes)));
    const { ticket } = await store.openOrUpdate(reading(0, 3));
    await store.transition({ id: ticket.id, to: 'acknowledged', at: T0 + 60_000, actor: 'li.dispatcher' });
    await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 120_000, actor: 'system' });
    await expect.poll(() => durable).toEqual(['opened', 'acknowledged', 'resolved']);
    await expect.poll(() => live).toEqual(['opened', 'acknowledged', 'resolved']);
  });

  it('lets a subscriber catch up from an event id it gives', async () => {
    const { ticket } = await store.openOrUpdate(reading(0, 3));
    await store.transition({ id: ticket.id, to: 'acknowledged', at: T0 + 60_000, actor: 'li.dispatcher' });
    const [first] = await store.changes(0, 1);
    stream = new TicketChangeStream(store, { pollMs: HOUR });
    await stream.start();
    const seen: string[] = [];
    await stream.subscribe('console', (changes) => void seen.push(...types(changes)), first!.event.id);
    await expect.poll(() => seen).toEqual(['acknowledged']);
  });

  it('retries a failing consumer without skipping anything, and reports the failure once', async () => {
    const errors: string[] = [];
    const recovered: number[] = [];
    stream = new TicketChangeStream(store, { pollMs: HOUR, retry: { minMs: 5, maxMs: 20, jitter: 0 }, onError: (name, error) => errors.push(`${name}: ${String(error)}`), onRecovered: (_name, failures) => recovered.push(failures) });
    let failuresLeft = 3;
    const delivered: string[] = [];
    stream.consume('annotations', (changes) => {
      if (failuresLeft-- > 0) throw new Error('spool full');
      delivered.push(...types(changes));
    });
    await stream.start();
    await store.openOrUpdate(reading(0, 3));
    await expect.poll(() => delivered).toEqual(['opened']);
    expect(errors).toEqual(['annotations: Error: spool full']);
    expect(recovered).toEqual([3]);
  });

  it('hands over what was committed just before it stops', async () => {
    stream = new TicketChangeStream(store, { pollMs: HOUR });
    const delivered: string[] = [];
    stream.consume('annotations', (changes) => void delivered.push(...types(changes)));
    await stream.start();
    await store.openOrUpdate(reading(0, 3));
    await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 60_000, actor: 'system' });
    await stream.stop();
    expect(delivered).toEqual(['opened', 'resolved']);
  });

  it('starts a new durable consumer after the changes made before it existed', async () => {
    await store.openOrUpdate(reading(0, 3));
    stream = new TicketChangeStream(store, { pollMs: HOUR });
    const delivered: string[] = [];
    stream.consume('annotations', (changes) => void delivered.push(...types(changes)));
    await stream.start();
    await store.resolve({ fingerprint: subject.fingerprint, at: T0 + 60_000, actor: 'system' });
    await stream.stop();
    expect(delivered).toEqual(['resolved']);
  });
});
