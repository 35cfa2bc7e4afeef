import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ticketStoreSchema } from './config.ts';

describe('ticket store config', () => {
  it.each([
    ['absent: SQLite in dataDir', undefined, { store: 'sqlite', path: 'tickets.db', busyTimeoutMs: 5000 }],
    ['sqlite with a path', { store: 'sqlite', path: '/var/lib/clearwater/t.db' }, { store: 'sqlite', path: '/var/lib/clearwater/t.db', busyTimeoutMs: 5000 }],
    [
      'postgres with defaults',
      { store: 'postgres', url: 'postgres://clearwater@db:5432/clearwater' },
      { store: 'postgres', url: 'postgres://clearwater@db:5432/clearwater', schema: 'public', poolSize: 10, connectTimeoutMs: 10_000 },
    ],
    [
      'postgres with a schema and pool',
      { store: 'postgres', url: 'postgresql:///clearwater?host=/run/postgresql', schema: 'clearwater', poolSize: 4 },
      { store: 'postgres', url: 'postgresql:///clearwater?host=/run/postgresql', schema: 'clearwater', poolSize: 4, connectTimeoutMs: 10_000 },
    ],
  ])('%s', (_name, input, expected) => {
    expect(ticketStoreSchema.parse(input)).toEqual(expected);
  });

  it.each([
    ['unknown store', { store: 'mysql' }, /store/],
    ['postgres without url', { store: 'postgres' }, /url/],
    ['not a postgres URL', { store: 'postgres', url: 'mysql://db/x' }, /postgres:\/\/ or postgresql:\/\//],
    ['quoted schema', { store: 'postgres', url: 'postgres://db/x', schema: 'Tickets' }, /lowercase SQL identifier/],
    ['empty pool', { store: 'postgres', url: 'postgres://db/x', poolSize: 0 }, /poolSize/],
  ])('refuses %s', (_name, input, problem) => {
    const parsed = ticketStoreSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(z.prettifyError(parsed.error)).toMatch(problem);
  });
});
