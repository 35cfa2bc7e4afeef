/**
 * A message's notice: its recipients from the catalog, its tickets as they are now with the
 * site and village names, the unit, the advice and a signed acknowledgement link, rendered from
 * the templates. The adapter between the outbox rows and the channels.
 */
import type { Catalog, RecipientEntry } from '../../network/catalog.ts';
import type { TicketStore } from '../tickets/store.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { signAckLink } from './ack-link.ts';
import type { Message } from './batch.ts';
import type { Notice, NoticeKind, NoticeTicket, Recipient } from './channel.ts';
import { NoticeRenderer, unitOf } from './render.ts';

export interface AckLinks {
  /** Signing key (HMAC-SHA256). */
  readonly key: Buffer;
  /** Where the phone page lives, e.g. http://clearwater.county.lan:8080 (the link is `${baseUrl}/ack/<token>`). */
  readonly baseUrl: string;
  readonly ttlMs: number;
}

export type Composed = { ok: true; notice: Notice } | { ok: false; reason: string };

/** Kinds whose message asks someone to act, so it carries an acknowledgement link. */
const asking: ReadonlySet<NoticeKind> = new Set(['opened', 'escalated', 'worse', 'digest']);

export class NoticeComposer {
  constructor(
    private readonly catalog: Catalog,
    private readonly store: Pick<TicketStore, 'get'>,
    private readonly renderer: NoticeRenderer,
    private readonly links: AckLinks,
    private readonly now: () => number,
  ) {}

  async compose(message: Message): Promise<Composed> {
    const people = [...new Set(message.rows.map((row) => row.recipient))].map((id) => this.catalog.recipient(id));
    if (people.some((person) => person === undefined)) return { ok: false, reason: `recipient ${message.rows.map((r) => r.recipient).join(', ')} is no longer in the catalog` };
    const [first, ...others] = (people as RecipientEntry[]).map(recipientOf);
    if (first === undefined) return { ok: false, reason: 'no recipient' };
    const tickets: NoticeTicket[] = [];
    for (const row of uniqueBy(message.rows, (row) => `${row.ticketId}/${row.eventId}`)) {
      const found = await this.store.get(row.ticketId);
      if (found === undefined) return { ok: false, reason: `no ticket ${row.ticketId}` };
      tickets.push(this.noticeTicket(found.ticket, row.eventId, row.kind as NoticeKind, first, message.kind));
    }
    const deliveryKey = `${message.channel}:${message.destination}:${message.rows.map((r) => r.id).join(',')}`;
    return { ok: true, notice: { ...this.renderer.render(message.kind, first, tickets, deliveryKey), alsoFor: others } };
  }

  private noticeTicket(ticket: Ticket, eventId: number, change: NoticeKind, recipient: Recipient, kind: NoticeKind): NoticeTicket {
    const site = this.catalog.sites.get(ticket.site);
    const village = ticket.village === null ? undefined : this.catalog.village(ticket.village);
    const active = ticket.state === 'open' || ticket.state === 'suppressed';
    const ackUrl = asking.has(kind) && change !== 'resolved' && active ? `${this.links.baseUrl.replace(/\/$/, '')}/ack/${signAckLink(this.links.key, { ticketId: ticket.id, recipient: recipient.id, now: this.now(), ttlMs: this.links.ttlMs })}` : undefined;
    return {
      id: ticket.id,
      eventId,
      ruleId: ticket.ruleId,
      title: ticket.title,
      titleZh: ticket.titleZh,
      severity: ticket.severity,
      state: ticket.state,
      tier: ticket.tier,
      site: ticket.site,
      siteName: site?.name ?? ticket.site,
      village: ticket.village,
      villageName: village?.name ?? null,
      township: ticket.township,
      metric: ticket.metric,
      unit: unitOf(ticket.metric),
      lastValue: ticket.lastValue,
      peakValue: ticket.peakValue,
      source: ticket.source,
      openedAt: ticket.openedAt,
      advice: this.renderer.advice(recipient.language, ticket.ruleId),
      ackUrl,
      change,
    };
  }
}

/** A catalog recipient as the channels see one. */
export function recipientOf(entry: RecipientEntry): Recipient {
  return { id: entry.id, name: entry.name, role: entry.role, language: entry.language, dingtalkRobot: entry.dingtalk, phone: entry.phone, email: entry.email };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
