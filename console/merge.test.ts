import { describe, expect, it } from 'vitest';
import { mergeTicket, unacknowledgedCritical } from './merge.ts';
import { matches, queueOrder, worstBySite } from './queue-order.ts';
import { routeOf } from './route.ts';
import type { Ticket } from './types.ts';

const ticket = (id: number, fields: Partial<Ticket> = {}): Ticket => ({
  id, ruleId: 'tap-yellow-water', title: 'Yellow water', titleZh: '黄水', source: 'GB 5749-2022', severity: 'warning', state: 'open', metric: 'turbidity',
  site: 'tongmen-tap', siteKind: 'tap', device: 'tongmen-tap-wq', village: 'tongmen', township: 'tongmen-town', zone: 'north',
  openedAt: 1000, updatedAt: 1000, resolvedAt: null, lastValue: 2, peakValue: 2, count: 1, assignee: null, tier: 'village', ...fields,
});

describe('the console ticket map', () => {
  it('keeps the newer of the list and the stream, the stream on a tie', () => {
    const listed = new Map([[1, ticket(1, { updatedAt: 2000, notices: { sent: 1, failed: 0, pending: 0, throttled: 0, fellBack: 0 } })]]);
    // An older change from the stream does not undo the list.
    expect(mergeTicket(listed, [ticket(1, { updatedAt: 1500, state: 'open' })], true).get(1)?.updatedAt).toBe(2000);
    // The same instant from the stream wins, and keeps the notices the list brought.
    const tie = mergeTicket(listed, [ticket(1, { updatedAt: 2000, state: 'acknowledged' })], true).get(1);
    expect(tie).toMatchObject({ state: 'acknowledged', notices: { sent: 1 } });
    // The list does not replace what the stream brought at the same instant.
    const streamed = mergeTicket(new Map(), [ticket(1, { updatedAt: 2000, state: 'acknowledged' })], true);
    expect(mergeTicket(streamed, [ticket(1, { updatedAt: 2000, state: 'open' })], false).get(1)?.state).toBe('acknowledged');
  });

  it('counts the critical tickets nobody acknowledged for the alarm', () => {
    const tickets = [ticket(3, { severity: 'critical' }), ticket(1, { severity: 'critical', state: 'acknowledged' }), ticket(2, { severity: 'warning' }), ticket(4, { severity: 'critical', state: 'suppressed' })];
    expect(unacknowledgedCritical(tickets)).toEqual([3]);
  });
});

describe('the queue', () => {
  it('puts unacknowledged first, then the worse, then the older', () => {
    const tickets = [
      ticket(1, { state: 'acknowledged', severity: 'critical', openedAt: 1 }),
      ticket(2, { severity: 'warning', openedAt: 1 }),
      ticket(3, { severity: 'critical', openedAt: 5 }),
      ticket(4, { severity: 'critical', openedAt: 2 }),
    ];
    expect(tickets.sort(queueOrder).map((t) => t.id)).toEqual([4, 3, 2, 1]);
  });

  it('filters by each field and by free text in names and ids', () => {
    const t = ticket(7);
    expect(matches(t, { village: 'tongmen', severity: 'warning', siteKind: 'tap' }, () => '')).toBe(true);
    expect(matches(t, { township: 'elsewhere' }, () => '')).toBe(false);
    expect(matches(t, { text: '桐门' }, () => '桐门村 村口龙头')).toBe(true);
    expect(matches(t, { text: 'xiwan' }, () => '桐门村')).toBe(false);
  });

  it('colours a site by its worst active ticket', () => {
    const worst = worstBySite([ticket(1), ticket(2, { severity: 'critical' }), ticket(3, { site: 'xiwan-tap', state: 'resolved', severity: 'critical' })]);
    expect([...worst]).toEqual([['tongmen-tap', 'critical']]);
  });
});

describe('routes', () => {
  it('reads the hash', () => {
    expect(routeOf('#/ticket/12')).toEqual({ view: 'ticket', id: 12 });
    expect(routeOf('#/site/tongmen-tap')).toEqual({ view: 'site', id: 'tongmen-tap' });
    expect(routeOf('#/map')).toEqual({ view: 'map' });
    expect(routeOf('#/ticket/x')).toEqual({ view: 'queue' });
    expect(routeOf('')).toEqual({ view: 'queue' });
  });
});
