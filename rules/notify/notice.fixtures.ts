/** A rendered notice for channel tests: yellow water at a Tongmen tap, for its village administrator. */
import type { Notice, NoticeTicket, Recipient } from './channel.ts';

export const villageAdmin: Recipient = {
  id: 'tongmen-admin',
  name: '王建国',
  role: 'village_admin',
  language: 'zh-CN',
  dingtalkRobot: 'tongmen',
  phone: '+8613800000001',
};

export const yellowWaterTicket: NoticeTicket = {
  id: 42,
  eventId: 1042,
  ruleId: 'yellow-water-tap',
  title: 'Yellow water at a tap',
  titleZh: '龙头黄水',
  severity: 'critical',
  state: 'open',
  tier: 'village',
  site: 'tongmen-tap-3',
  siteName: '桐门村3号龙头',
  village: 'tongmen',
  villageName: '桐门村',
  township: 'xiwan',
  metric: 'turbidity',
  unit: 'NTU',
  lastValue: 4.6,
  peakValue: 5.2,
  source: 'GB 5749-2022 Table 1, turbidity ≤ 1 NTU',
  openedAt: Date.UTC(2025, 5, 1, 6, 30),
  advice: '先放冷水几分钟，水未变清前不要饮用。',
  ackUrl: 'https://clearwater.example/ack/42?sig=abc',
};

export function notice(overrides: Partial<Notice> = {}): Notice {
  return {
    kind: 'opened',
    language: 'zh-CN',
    recipient: villageAdmin,
    tickets: [yellowWaterTicket],
    rendered: {
      markdown: { title: '【严重】桐门村3号龙头 黄水', text: '### 桐门村3号龙头 黄水\n- 浊度 4.6 NTU（峰值 5.2）\n- 先放冷水几分钟，水未变清前不要饮用。\n- [确认](https://clearwater.example/ack/42?sig=abc)' },
      sms: { text: '桐门村3号龙头黄水，浊度4.6NTU，请勿饮用', params: { site: '桐门村3号龙头', value: '4.6' } },
      email: { subject: 'Yellow water at 桐门村3号龙头', text: 'Turbidity 4.6 NTU', html: '<p>Turbidity 4.6 NTU</p>' },
    },
    deliveryKey: '1042:tongmen-admin:dingtalk',
    ...overrides,
  };
}
