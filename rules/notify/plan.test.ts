/**
 * Who is told about which change, on which channel, and when: table tests of policy.ts and
 * plan.ts over the sample county's recipients.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecipientEntry } from '../../network/catalog.ts';
import { sampleCatalog } from '../engine.fixtures.ts';
import type { TicketChange } from '../tickets/changes.ts';
import { openTicket, type Ticket, type TicketEvent, type TicketEventType } from '../tickets/ticket.ts';
import { subject } from '../tickets/store.suite.ts';
import type { ChannelKind } from './channel.ts';
import { planNotices, type PlanContext } from './plan.ts';
import { notifyPolicySchema } from './policy.ts';

/** 2026-12-01 10:00 in Shanghai. */
const DAY = Date.UTC(2026, 11, 1, 2, 0);
const at = (hh: number, mm = 0) => DAY + ((hh - 10) * 60 + mm) * 60_000;

let recipients: RecipientEntry[];
beforeAll(async () => {
  recipients = (await sampleCatalog()).file.recipients;
});

/** Every channel is configured; a recipient is reached where the catalog gives the means. */
const reaches = (r: RecipientEntry, channel: ChannelKind) =>
  channel === 'log' || (channel === 'dingtalk' && r.dingtalk !== undefined) || (channel === 'sms' && r.phone !== undefined) || (channel === 'email' && r.email !== undefined);

const context = (policy: unknown = {}): PlanContext => ({ recipients, policy: notifyPolicySchema.parse(policy), timeZone: 'Asia/Shanghai', reaches });

let nextEvent = 1;
function change(type: TicketEventType, overrides: Partial<Ticket> = {}, event: Partial<TicketEvent> = {}): TicketChange {
  const ticket: Ticket = { ...openTicket(subject, { at: at(10), value: 3, severity: 'warning', worst: 'highest' }), id: 7, ...overrides };
  return {
    ticket,
    event: { id: nextEvent++, ticketId: ticket.id, at: at(10), type, actor: 'system', severity: ticket.severity, value: 3, note: null, origin: null, state: ticket.state, tier: ticket.tier, ...event },
  };
}

const who = (drafts: ReturnType<typeof planNotices>) => drafts.map((d) => `${d.recipient}/${d.channel}/${d.kind}`).sort();

describe('who is told', () => {
  it('tells the village administrator of a new warning ticket by DingTalk', () => {
    expect(who(planNotices(change('opened'), new Set(), context(), at(10)))).toEqual(['tongmen-admin/dingtalk/opened']);
  });

  it('tells by DingTalk and SMS when the ticket is critical', () => {
    expect(who(planNotices(change('opened', { severity: 'critical' }), new Set(), context(), at(10)))).toEqual(['tongmen-admin/dingtalk/opened', 'tongmen-admin/sms/opened']);
  });

  it('tells nobody about a ticket opened inside a silence, and its tier when the silence ends', () => {
    expect(planNotices(change('opened', { state: 'suppressed' }), new Set(), context(), at(10))).toEqual([]);
    expect(who(planNotices(change('unsuppressed'), new Set(), context(), at(11)))).toEqual(['tongmen-admin/dingtalk/opened']);
  });

  it('tells the township when the ticket goes up a tier unacknowledged, then county dispatch', () => {
    expect(who(planNotices(change('tier_raised', { tier: 'township' }), new Set(['tongmen-admin']), context(), at(10, 30)))).toEqual(['tongmen-official/dingtalk/escalated']);
    expect(who(planNotices(change('tier_raised', { tier: 'county' }), new Set(['tongmen-admin', 'tongmen-official']), context(), at(11)))).toEqual(['county-dispatch/dingtalk/escalated']);
  });

  it('tells everyone told before when it gets worse, acknowledged or not', () => {
    const worse = change('escalated', { severity: 'critical', state: 'acknowledged', tier: 'township' });
    expect(who(planNotices(worse, new Set(['tongmen-admin']), context(), at(10, 40)))).toEqual([
      'tongmen-admin/dingtalk/worse',
      'tongmen-admin/sms/worse',
      'tongmen-official/dingtalk/worse',
      'tongmen-official/sms/worse',
    ]);
  });

  it('tells again when a resolved ticket reopens, even one acknowledged before, at the tier it reopens at', () => {
    const reopened = change('reopened', { state: 'open', tier: 'village', acknowledgedAt: at(10, 5) } as Partial<Ticket>);
    expect(who(planNotices(reopened, new Set(['tongmen-admin']), context(), at(11)))).toEqual(['tongmen-admin/dingtalk/opened']);
    const critical = change('reopened', { state: 'open', severity: 'critical', tier: 'township' });
    expect(who(planNotices(critical, new Set(['tongmen-admin']), context(), at(11)))).toEqual(['tongmen-admin/dingtalk/opened', 'tongmen-admin/sms/opened', 'tongmen-official/dingtalk/opened', 'tongmen-official/sms/opened']);
  });

  it('tells who was told when it resolves, and nobody when nobody was', () => {
    expect(who(planNotices(change('resolved', { state: 'resolved' }), new Set(['tongmen-admin', 'tongmen-official']), context(), at(12)))).toEqual([
      'tongmen-admin/dingtalk/resolved',
      'tongmen-official/dingtalk/resolved',
    ]);
    expect(planNotices(change('resolved', { state: 'resolved' }), new Set(), context(), at(12))).toEqual([]);
  });

  it.each(['acknowledged', 'commented', 'assigned', 'deescalated', 'closed', 'flapping'] as const)('tells nobody about %s', (type) => {
    expect(planNotices(change(type), new Set(['tongmen-admin']), context(), at(10))).toEqual([]);
  });

  it('goes to the township when a site has no village (a trunk main)', () => {
    expect(who(planNotices(change('opened', { village: null, tier: 'township', site: 'main-north-dn600', siteKind: 'main' }), new Set(), context(), at(10)))).toEqual(['tongmen-official/dingtalk/opened']);
  });
});

describe('how and when', () => {
  it('holds a warning to a village administrator in quiet hours until they end; a critical one goes at once', () => {
    const baishan = { village: 'baishan', township: 'baishan' };
    const night = at(23, 30);
    const [warning] = planNotices(change('opened', baishan), new Set(), context(), night);
    expect(warning).toMatchObject({ recipient: 'baishan-admin', notBefore: at(31) }); // 07:00 the next morning
    const critical = planNotices(change('opened', { ...baishan, severity: 'critical' }), new Set(), context(), night);
    expect(critical.map((d) => d.notBefore)).toEqual([night, night]);
  });

  it('gathers maintenance tickets into the next morning digest', () => {
    const drafts = planNotices(change('opened', { severity: 'maintenance' }), new Set(), context(), at(14));
    expect(drafts.map((d) => [d.channel, d.digest, d.notBefore])).toEqual([['dingtalk', true, at(32)]]); // tongmen-admin has no e-mail; 08:00 tomorrow
  });

  it('routes by rule, site kind and hour, and adds channels of routes that continue', () => {
    const policy = {
      routes: [
        { match: { rules: ['tap-turbidity'], hours: { from: '08:00', to: '18:00' } }, channels: ['email'], continue: true },
        { match: { siteKinds: ['tap'] }, channels: ['sms'] },
        { match: {}, channels: ['dingtalk'] },
      ],
    };
    const official = change('tier_raised', { tier: 'township' });
    expect(who(planNotices(official, new Set(), context(policy), at(10)))).toEqual(['tongmen-official/email/escalated', 'tongmen-official/sms/escalated']);
    expect(who(planNotices(official, new Set(), context(policy), at(20)))).toEqual(['tongmen-official/sms/escalated']);
  });

  it('reaches out on another channel when the route\'s cannot reach someone, and falls back to the log', () => {
    // Village administrators have no e-mail address: DingTalk, the first of `reachOut` that reaches them.
    expect(who(planNotices(change('opened'), new Set(), context({ routes: [{ match: {}, channels: ['email'] }] }), at(10)))).toEqual(['tongmen-admin/dingtalk/opened']);
    const unreachable: PlanContext = { ...context({ routes: [{ match: {}, channels: ['email'] }] }), reaches: (_r, channel) => channel === 'log' };
    expect(who(planNotices(change('opened'), new Set(), unreachable, at(10)))).toEqual(['tongmen-admin/log/opened']);
  });
});
