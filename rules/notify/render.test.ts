import { beforeAll, describe, expect, it } from 'vitest';
import { noticeKinds, type NoticeTicket, type Recipient } from './channel.ts';
import { NoticeRenderer } from './render.ts';

let renderer: NoticeRenderer;
beforeAll(async () => {
  renderer = await NoticeRenderer.load('Asia/Shanghai');
});

const admin: Recipient = { id: 'tongmen-admin', name: '桐门村管理员', role: 'village_admin', language: 'zh-CN', dingtalkRobot: 'tongmen-group', phone: '+8613800010100' };
const ticket: NoticeTicket = {
  id: 17,
  eventId: 40,
  ruleId: 'tap-yellow-water',
  title: 'Yellow water suspected at tap',
  titleZh: '龙头疑似黄水',
  severity: 'critical',
  state: 'open',
  tier: 'village',
  site: 'tongmen-tap',
  siteName: '村口龙头',
  village: 'tongmen',
  villageName: '桐门村',
  township: 'tongmen',
  metric: 'turbidity',
  unit: 'NTU',
  lastValue: 6.2,
  peakValue: 8.04,
  source: 'GB 5749-2022 Table 1, turbidity ≤ 1 NTU',
  openedAt: Date.UTC(2026, 11, 1, 2, 5), // 10:05 in Shanghai
  advice: '',
  ackUrl: 'http://127.0.0.1:8080/ack/abc.def?x=1&y=2',
};

describe('messages from templates', () => {
  it('tells a village administrator, in Chinese, where, what against which limit, since when, what to do, and how to acknowledge', () => {
    const notice = renderer.render('opened', admin, [ticket], 'k1');
    const { text, title } = notice.rendered.markdown;
    expect(title).toBe('【严重】桐门村 村口龙头 龙头疑似黄水');
    expect(text).toContain('桐门村 村口龙头');
    expect(text).toContain('浊度 6.2 NTU(峰值 8.04 NTU)');
    expect(text).toContain('GB 5749-2022 Table 1, turbidity ≤ 1 NTU');
    expect(text).toContain('12月1日 10:05');
    expect(text).toContain('暂停饮用自来水,先打开冷水龙头放水至清澈'); // the yellow-water advice
    expect(text).toContain('(http://127.0.0.1:8080/ack/abc.def?x=1&y=2)'); // raw, not HTML-escaped, in markdown
    // SMS is billed per 67 characters: the short advice, no link.
    expect(notice.rendered.sms.text).toBe('严重:桐门村 村口龙头龙头疑似黄水,浊度6.2 NTU。勿饮用,放冷水至清澈,等通知');
    expect(notice.rendered.email.html).toContain('href="http://127.0.0.1:8080/ack/abc.def?x=1&amp;y=2"'); // HTML-escaped in HTML
  });

  it('speaks English to those who asked for it', () => {
    const notice = renderer.render('escalated', { ...admin, language: 'en', name: 'Li' }, [{ ...ticket, tier: 'township' }], 'k2');
    expect(notice.rendered.markdown.title).toBe('[Referred to township] Yellow water suspected at tap at 桐门村, 村口龙头');
    expect(notice.rendered.email.text).toContain('Tell villagers now not to drink the tap water');
    expect(notice.rendered.email.text).toContain('1 Dec, 10:05');
  });

  it('lists every ticket of a digest with what happened to each', () => {
    const many = Array.from({ length: 3 }, (_, i) => ({ ...ticket, id: 20 + i, change: i === 2 ? ('resolved' as const) : ('opened' as const) }));
    const notice = renderer.render('digest', admin, many, 'k3');
    expect(notice.rendered.markdown.title).toBe('【汇总】3 条工单');
    expect(notice.rendered.markdown.text.match(/龙头疑似黄水/g)).toHaveLength(3);
    expect(notice.rendered.markdown.text).toContain('已恢复');
  });

  it('has every kind in both languages, and escapes what people typed only in HTML', () => {
    for (const kind of noticeKinds) for (const language of ['zh-CN', 'en'] as const) expect(renderer.render(kind, { ...admin, language }, [ticket], 'k').rendered.email.subject.length).toBeGreaterThan(0);
    const sneaky = renderer.render('opened', admin, [{ ...ticket, siteName: '<b>龙头</b>' }], 'k4');
    expect(sneaky.rendered.email.html).toContain('&lt;b&gt;龙头&lt;/b&gt;');
    expect(sneaky.rendered.markdown.text).toContain('<b>龙头</b>');
  });
});
