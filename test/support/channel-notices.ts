/**
 * Notices for the channel tests: a yellow-water ticket at the Tongmen village tap, rendered the
 * way the templates would render it, for a village administrator with a phone and an address.
 */
import type { Notice, NoticeTicket, Recipient } from '../../rules/notify/channel.ts';

export const villageAdmin: Recipient = {
  id: 'tongmen-admin',
  name: '王建国',
  role: 'village_admin',
  language: 'zh-CN',
  phone: '+8613800000001',
  email: 'wang.jianguo@tongmen.example.cn',
};

export const yellowWaterTicket: NoticeTicket = {
  id: 42,
  eventId: 7,
  ruleId: 'yellow-water-tap',
  title: 'Yellow water at Tongmen tap',
  titleZh: '通门村水龙头黄水',
  severity: 'critical',
  state: 'open',
  tier: 'village',
  site: 'tongmen-tap',
  siteName: '通门村东侧水龙头',
  village: 'tongmen',
  villageName: '通门村',
  township: 'qiaotou',
  metric: 'turbidity',
  unit: 'NTU',
  lastValue: 4.2,
  peakValue: 5.1,
  source: 'GB 5749-2022 Table 1, turbidity ≤ 1 NTU',
  openedAt: Date.parse('2026-12-01T01:00:00Z'),
  advice: '请先放冷水数分钟，水清前勿饮用',
  ackUrl: 'https://cw.example.cn/a/42?s=Zx9',
};

export interface NoticeParts {
  readonly kind?: Notice['kind'];
  readonly recipient?: Recipient;
  readonly tickets?: readonly NoticeTicket[];
  readonly sms?: Notice['rendered']['sms'];
  readonly email?: Partial<Notice['rendered']['email']>;
  readonly deliveryKey?: string;
}

/** A notice of one yellow-water ticket; SMS text and params agree, as the templates make them. */
export function noticeOf(parts: NoticeParts = {}): Notice {
  const recipient = parts.recipient ?? villageAdmin;
  const ticket = yellowWaterTicket;
  const params = { site: ticket.siteName, value: '4.2', unit: 'NTU', advice: ticket.advice, ack: ticket.ackUrl ?? '' };
  return {
    kind: parts.kind ?? 'opened',
    language: recipient.language,
    recipient,
    tickets: parts.tickets ?? [ticket],
    rendered: {
      markdown: { title: ticket.titleZh, text: `### ${ticket.titleZh}` },
      sms: parts.sms ?? { text: `${params.site}浊度${params.value}${params.unit}，${params.advice}。确认：${params.ack}`, params },
      email: {
        subject: `【严重】${ticket.titleZh}`,
        text: `${ticket.siteName} 浊度 4.2 NTU（限值 1 NTU）。\n${ticket.advice}\n确认：${ticket.ackUrl}`,
        html: `<p><b>${ticket.siteName}</b> 浊度 4.2 NTU（限值 1 NTU）。</p><p>${ticket.advice}</p><p><a href="${ticket.ackUrl}">确认</a></p>`,
        ...parts.email,
      },
    },
    deliveryKey: parts.deliveryKey ?? `7:${recipient.id}:sms`,
  };
}
