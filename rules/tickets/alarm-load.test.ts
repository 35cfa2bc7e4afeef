import { describe, expect, it } from 'vitest';
import { alarmLoad } from './alarm-load.ts';

const MIN = 60_000;
const now = 100 * 24 * 60 * MIN;
const ticket = (minutesAgo: number, state: 'open' | 'acknowledged' | 'suppressed' | 'resolved' | 'closed' = 'open') => ({ openedAt: now - minutesAgo * MIN, state });

describe('alarm load (ISA-18.2)', () => {
  it.each([
    ['nothing', [], { opened10m: 0, opened1h: 0, standing24h: 0 }],
    ['edges are inclusive', [ticket(10), ticket(60)], { opened10m: 1, opened1h: 2, standing24h: 0 }],
    ['resolved ones count as alarms but do not stand', [ticket(5, 'resolved'), ticket(25 * 60, 'resolved')], { opened10m: 1, opened1h: 1, standing24h: 0 }],
    ['standing: active and older than a day', [ticket(24 * 60 + 1), ticket(30 * 60, 'acknowledged'), ticket(40 * 60, 'suppressed'), ticket(24 * 60)], { opened10m: 0, opened1h: 0, standing24h: 3 }],
    ['a future stamp (clock skew) is not counted as recent', [ticket(-5)], { opened10m: 0, opened1h: 0, standing24h: 0 }],
  ] as const)('%s', (_name, tickets, expected) => {
    expect(alarmLoad(tickets, now)).toEqual(expected);
  });
});
