/**
 * The Alertmanager channel against a real Prometheus Alertmanager (Debian's 0.25, started by
 * test/support/alertmanager.ts): an opened ticket is listed with its labels, annotations and
 * generatorURL; its resolved notice ends it; a notice Alertmanager refuses is permanent. Read
 * as a timeline: the clock is injected and moved by hand; Alertmanager keeps its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertmanagerChannel } from '../rules/notify/channels/alertmanager.ts';
import { startAlertmanager, type Alertmanager, type GettableAlert } from './support/alertmanager.ts';
import { noticeOf, yellowWaterTicket } from './support/channel-notices.ts';

let am: Alertmanager;
beforeAll(async () => {
  am = await startAlertmanager();
});
afterAll(async () => {
  await am?.stop();
});

/** Alertmanager files a pushed alert asynchronously: read until the condition holds (bounded by attempts, not time). */
async function until(read: () => Promise<GettableAlert[]>, holds: (alerts: GettableAlert[]) => boolean): Promise<GettableAlert[]> {
  let alerts: GettableAlert[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    alerts = await read();
    if (holds(alerts)) return alerts;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return alerts;
}

describe('the Alertmanager channel and prometheus-alertmanager', () => {
  it('an opened ticket is an active alert with its labels; the resolved notice ends it', async () => {
    // The injected clock starts a moment before Alertmanager's: a resolved notice at "now" has ended for it.
    const clock = { now: Date.now() - 1000 };
    const channel = createAlertmanagerChannel({ url: am.url, linkBase: 'https://cw.example.cn', extraLabels: { county: 'qingshui' } }, { now: () => clock.now });
    const ticket = { ...yellowWaterTicket, openedAt: clock.now - 3_600_000 };

    // t = opened
    expect(await channel.send(noticeOf({ kind: 'opened', tickets: [ticket] }))).toEqual({ ok: true, detail: '1 alert(s), HTTP 200' });
    const listed = await until(() => am.alerts(['ticket_id="42"']), (alerts) => alerts[0]?.status.state === 'active');
    expect(listed).toHaveLength(1);
    const [alert] = listed;
    expect(alert?.labels).toEqual({
      alertname: 'yellow-water-tap',
      ticket_id: '42',
      site: 'tongmen-tap',
      village: 'tongmen',
      township: 'qiaotou',
      severity: 'critical',
      source: 'clearwater',
      county: 'qingshui',
    });
    expect(alert?.annotations).toMatchObject({ summary: '通门村水龙头黄水（通门村 通门村东侧水龙头）', description: expect.stringContaining('GB 5749-2022 Table 1, turbidity ≤ 1 NTU') });
    expect(alert?.generatorURL).toBe('https://cw.example.cn/api/tickets/42');
    expect(Date.parse(alert?.startsAt ?? '')).toBe(ticket.openedAt);
    // No endsAt was sent: Alertmanager gives the alert its resolve_timeout (5 min) from now.
    expect(Date.parse(alert?.endsAt ?? '')).toBeGreaterThan(clock.now);
    expect(alert?.receivers).toEqual([{ name: 'null' }]);

    // t = escalated: the same labels, the same alert
    expect(await channel.send(noticeOf({ kind: 'escalated', tickets: [{ ...ticket, tier: 'township' }] }))).toMatchObject({ ok: true });
    const again = await until(() => am.alerts(['ticket_id="42"']), (alerts) => alerts[0]?.annotations.tier === 'township');
    expect(again.map((a) => a.fingerprint)).toEqual([alert?.fingerprint]);

    // t = resolved
    clock.now += 500;
    expect(await channel.send(noticeOf({ kind: 'resolved', tickets: [{ ...ticket, state: 'resolved' }] }))).toMatchObject({ ok: true });
    // Alertmanager took it as resolved, and lists no alert whose endsAt has passed.
    expect(await am.received('resolved')).toBe(1);
    expect(await until(() => am.alerts(['ticket_id="42"']), (alerts) => alerts.length === 0)).toEqual([]);
  });

  it('a resolved notice that would end before the ticket began: Alertmanager\'s 400, permanent', async () => {
    const clock = { now: Date.now() };
    const channel = createAlertmanagerChannel({ url: am.url, linkBase: 'https://cw.example.cn' }, { now: () => clock.now });
    const result = await channel.send(noticeOf({ kind: 'resolved', tickets: [{ ...yellowWaterTicket, id: 43, openedAt: clock.now + 3_600_000 }] }));
    expect(result).toEqual({ ok: false, failure: 'permanent', reason: 'Alertmanager: HTTP 400 "start time must be before end time"' });
  });

  it('an Alertmanager that has stopped: transient', async () => {
    const stopped = await startAlertmanager();
    await stopped.stop();
    const channel = createAlertmanagerChannel({ url: stopped.url, linkBase: 'https://cw.example.cn' }, { now: () => Date.now() });
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'transient', reason: expect.stringMatching(/ECONNREFUSED/) });
  });
});
