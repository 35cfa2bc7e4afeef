import { describe, expect, it } from 'vitest';
import { acknowledge, close, fingerprintOf, observe, openTicket, reopen, resolve, tierAbove, transition, ticketStates, type Ticket, type TicketState } from './ticket.ts';
import { subject } from './store.suite.ts';


const opened: Ticket = { id: 7, ...openTicket(subject, { at: 1000, value: 3, severity: 'warning', worst: 'highest' }) };
const inState = (state: TicketState): Ticket => ({ ...opened, state });

describe('ticket lifecycle', () => {
  it.each([
    ['open', 'acknowledged', true],
    ['open', 'resolved', true],
    ['open', 'closed', false],
    ['open', 'open', false],
    ['acknowledged', 'resolved', true],
    ['acknowledged', 'open', false],
    ['acknowledged', 'closed', false],
    ['resolved', 'closed', true],
    ['resolved', 'open', true],
    ['suppressed', 'open', true],
    ['suppressed', 'acknowledged', true],
    ['suppressed', 'resolved', true],
    ['suppressed', 'closed', false],
    ['open', 'suppressed', false],
    ['resolved', 'acknowledged', false],
    ['closed', 'open', false],
    ['closed', 'resolved', false],
  ] as const)('%s → %s allowed: %s', (from, to, allowed) => {
    const result = transition(inState(from), to, 5000);
    expect(result.ok).toBe(allowed);
    if (result.ok) expect(result.ticket).toMatchObject({ state: to, updatedAt: 5000 });
    else expect(result.reason).toBe(`ticket 7 is ${from}; it cannot become ${to}`);
  });

  it('covers every state in the transition table', () => {
    expect(ticketStates).toEqual(['open', 'acknowledged', 'suppressed', 'resolved', 'closed']);
  });

  it('resolve stamps resolvedAt and the clearing value; close keeps them', () => {
    const resolved = resolve(acknowledgedOk(), 9000, 0.5);
    expect(resolved).toMatchObject({ ok: true, ticket: { state: 'resolved', resolvedAt: 9000, lastValue: 0.5 } });
    if (!resolved.ok) return;
    expect(close(resolved.ticket, 9500)).toMatchObject({ ok: true, ticket: { state: 'closed', resolvedAt: 9000, updatedAt: 9500 } });
  });

  function acknowledgedOk(): Ticket {
    const result = acknowledge(opened, 2000);
    if (!result.ok) throw new Error(result.reason);
    return result.ticket;
  }
});

describe('observing readings on an open ticket', () => {
  it('opens with first = last = peak and count 1', () => {
    expect(opened).toMatchObject({ state: 'open', severity: 'warning', openedAt: 1000, firstValue: 3, lastValue: 3, peakValue: 3, count: 1, resolvedAt: null });
  });

  it.each([
    ['higher value, "highest" worst', 'highest', 5, 'warning', { lastValue: 5, peakValue: 5, severity: 'warning' }, false],
    ['lower value keeps the peak', 'highest', 2, 'warning', { lastValue: 2, peakValue: 3 }, false],
    ['"lowest" worst keeps the minimum', 'lowest', 2, 'warning', { lastValue: 2, peakValue: 2 }, false],
    ['escalation', 'highest', 6, 'critical', { severity: 'critical', peakValue: 6 }, true],
  ] as const)('%s', (_name, worst, value, severity, expected, escalated) => {
    const result = observe(opened, { at: 2000, value, severity, worst });
    expect(result.ticket).toMatchObject({ ...expected, count: 2, updatedAt: 2000, firstValue: 3 });
    expect(result.severityChange).toBe(escalated ? 'escalated' : undefined);
  });

  it('follows the severity the rule gives, down as well as up', () => {
    const critical = observe(opened, { at: 2000, value: 6, severity: 'critical', worst: 'highest' }).ticket;
    expect(observe(critical, { at: 3000, value: 2, severity: 'warning', worst: 'highest' })).toMatchObject({ ticket: { severity: 'warning', peakValue: 6 }, severityChange: 'deescalated' });
  });

  it('starts at the village tier, or township for sites without a village', () => {
    expect(opened).toMatchObject({ tier: 'village', tierAt: 1000, assignee: null, reopened: 0, flappingSince: null });
    expect(openTicket({ ...subject, village: null }, { at: 5, value: 1, severity: 'warning', worst: 'highest' }).tier).toBe('township');
  });

  it('reopens a resolved ticket: open again, counted, escalation clock restarted', () => {
    const resolved = resolve(opened, 2000, 0.4);
    if (!resolved.ok) throw new Error(resolved.reason);
    expect(reopen(resolved.ticket, { at: 3000, value: 2.5, severity: 'warning', worst: 'highest' })).toMatchObject({
      id: 7,
      state: 'open',
      resolvedAt: null,
      reopened: 1,
      tierAt: 3000,
      lastValue: 2.5,
      peakValue: 3,
      count: 2,
    });
  });

  it.each([
    ['village', 'township'],
    ['township', 'county'],
    ['county', undefined],
  ] as const)('tier above %s is %s', (tier, above) => {
    expect(tierAbove(tier)).toBe(above);
  });
});

describe('fingerprint', () => {
  it.each([
    ['tap-turbidity', 'tongmen-tap', undefined, 'tap-turbidity/tongmen-tap'],
    ['tap-turbidity', 'tongmen-tap', 'tongmen-tap-wq', 'tap-turbidity/tongmen-tap/tongmen-tap-wq'],
  ])('%s + %s + %s → %s', (rule, site, device, expected) => {
    expect(fingerprintOf(rule, site, device)).toBe(expected);
  });
});
