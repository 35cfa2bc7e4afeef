import { describe, expect, it } from 'vitest';
import type { OutboxRow } from '../tickets/outbox.ts';
import { batchRows, type DestinationBudget } from './batch.ts';

let id = 0;
const row = (eventId: number, recipient: string, overrides: Partial<OutboxRow> = {}): OutboxRow => ({
  id: ++id, eventId, ticketId: eventId, recipient, channel: 'dingtalk', kind: 'opened', digest: 0, state: 'pending', notBefore: 0, nextAttemptAt: 0, attempts: 0, claimedUntil: null, claimedBy: null, detail: null, sentAt: null, createdAt: 0, ...overrides,
});
const robotOf: Record<string, string> = { 'tongmen-admin': 'tongmen-group', 'tongmen-official': 'tongmen-group', 'xiwan-admin': 'tongmen-group', 'baishan-admin': 'baishan-group' };
const destination = (r: OutboxRow) => robotOf[r.recipient] ?? r.recipient;
const budget = (remaining: Record<string, number>) => (_channel: string, dest: string): DestinationBudget => ({ remaining: remaining[dest] ?? Number.POSITIVE_INFINITY, roomAt: 60_000 });
const shape = (batch: ReturnType<typeof batchRows>) => batch.messages.map((m) => `${m.destination} ${m.kind} ${m.rows.map((r) => r.recipient).join('+')}`);

describe('rows into messages', () => {
  it('makes one message per change and destination, for everyone who reads that group', () => {
    const batch = batchRows([row(1, 'tongmen-admin'), row(1, 'tongmen-official'), row(2, 'baishan-admin')], destination, budget({}));
    expect(shape(batch)).toEqual(['tongmen-group opened tongmen-admin+tongmen-official', 'baishan-group opened baishan-admin']);
  });

  it('merges what goes past a destination\'s budget into one digest, the oldest changes first one by one', () => {
    const rows = [1, 2, 3, 4, 5].map((e) => row(e, 'tongmen-admin'));
    expect(shape(batchRows(rows, destination, budget({ 'tongmen-group': 3 })))).toEqual(['tongmen-group opened tongmen-admin', 'tongmen-group opened tongmen-admin', 'tongmen-group digest tongmen-admin+tongmen-admin+tongmen-admin']);
  });

  it('holds everything back while a destination has no room, until when it has', () => {
    const batch = batchRows([row(1, 'tongmen-admin'), row(2, 'baishan-admin')], destination, budget({ 'tongmen-group': 0 }));
    expect(shape(batch)).toEqual(['baishan-group opened baishan-admin']);
    expect(batch.deferred.map((d) => [d.row.recipient, d.until])).toEqual([['tongmen-admin', 60_000]]);
  });

  it('gathers daily-digest rows of a destination into one digest', () => {
    const batch = batchRows([row(1, 'tongmen-admin', { digest: 1 }), row(2, 'xiwan-admin', { digest: 1 }), row(3, 'tongmen-admin')], destination, budget({}));
    expect(shape(batch)).toEqual(['tongmen-group opened tongmen-admin', 'tongmen-group digest tongmen-admin+xiwan-admin']);
  });
});
