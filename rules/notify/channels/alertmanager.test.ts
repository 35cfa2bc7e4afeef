/**
 * The Alertmanager channel's pure parts as tables, and its request against a local HTTP peer
 * (credentials, status codes). The real Alertmanager is test/alertmanager-channel.test.ts's.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK, redact } from '../../../app/redact.ts';
import { noticeOf, villageAdmin, yellowWaterTicket } from '../../../test/support/channel-notices.ts';
import type { HttpExchange } from './http-exchange.ts';
import { alertmanagerChannelSchema, alertsOf, classifyAlertmanager, createAlertmanagerChannel } from './alertmanager.ts';

const NOW = Date.parse('2026-12-01T03:00:00Z');
const config = alertmanagerChannelSchema.parse({ url: 'http://alertmanager:9093', linkBase: 'https://cw.example.cn/' });

describe('alertsOf', () => {
  it('an opened ticket: its labels, annotations in Chinese, startsAt, no endsAt, the ticket\'s URL', () => {
    expect(alertsOf(noticeOf(), NOW, config)).toEqual([
      {
        labels: { alertname: 'yellow-water-tap', ticket_id: '42', site: 'tongmen-tap', village: 'tongmen', township: 'qiaotou', severity: 'critical', source: 'clearwater' },
        annotations: {
          summary: '通门村水龙头黄水（通门村 通门村东侧水龙头）',
          description: 'turbidity 当前 4.2 NTU，峰值 5.1 NTU；限值依据：GB 5749-2022 Table 1, turbidity ≤ 1 NTU',
          advice: '请先放冷水数分钟，水清前勿饮用',
          tier: 'village',
          state: 'open',
        },
        startsAt: '2026-12-01T01:00:00.000Z',
        generatorURL: 'https://cw.example.cn/api/tickets/42',
      },
    ]);
  });

  it.each([
    ['resolved notice: ends now', noticeOf({ kind: 'resolved' }), ['2026-12-01T03:00:00.000Z']],
    ['escalated: still firing', noticeOf({ kind: 'escalated' }), [undefined]],
    ['worse: still firing', noticeOf({ kind: 'worse' }), [undefined]],
    [
      'a digest: each ticket by its own state',
      noticeOf({ kind: 'digest', tickets: [yellowWaterTicket, { ...yellowWaterTicket, id: 43, state: 'resolved' }, { ...yellowWaterTicket, id: 44, state: 'closed' }, { ...yellowWaterTicket, id: 45, state: 'acknowledged' }] }),
      [undefined, '2026-12-01T03:00:00.000Z', '2026-12-01T03:00:00.000Z', undefined],
    ],
  ])('%s', (_, notice, endsAt) => {
    expect(alertsOf(notice, NOW, config).map((alert) => alert.endsAt)).toEqual(endsAt);
  });

  it('in English for an English reader; no village label outside a village; extra labels; another link path', () => {
    const notice = noticeOf({ recipient: { ...villageAdmin, language: 'en' }, tickets: [{ ...yellowWaterTicket, village: null, villageName: null }] });
    const [alert] = alertsOf(notice, NOW, { linkBase: 'https://cw.example.cn', linkPath: '/console/#/tickets/{id}', extraLabels: { county: 'qingshui' } });
    expect(alert?.labels).toEqual({ county: 'qingshui', alertname: 'yellow-water-tap', ticket_id: '42', site: 'tongmen-tap', township: 'qiaotou', severity: 'critical', source: 'clearwater' });
    expect(alert?.annotations.summary).toBe('Yellow water at Tongmen tap (通门村东侧水龙头)');
    expect(alert?.annotations.description).toBe('turbidity 4.2 NTU, peak 5.1 NTU; limit: GB 5749-2022 Table 1, turbidity ≤ 1 NTU');
    expect(alert?.generatorURL).toBe('https://cw.example.cn/console/#/tickets/42');
  });
});

describe('config', () => {
  it.each([
    ['an extra label that would override the ticket\'s', { extraLabels: { severity: 'x' } }],
    ['an extra label that is no label name', { extraLabels: { 'county-name': 'x' } }],
    ['a link path without {id}', { linkPath: '/tickets' }],
  ])('refuses %s', (_, extra) => {
    expect(alertmanagerChannelSchema.safeParse({ url: 'http://am:9093', linkBase: 'https://cw.example.cn', ...extra }).success).toBe(false);
  });

  it('masks the credentials', () => {
    expect(redact(alertmanagerChannelSchema.parse({ url: 'http://am:9093', linkBase: 'https://cw', auth: { type: 'basic', username: 'cw', password: 'am-pw' } }))).toMatchObject({ auth: { username: 'cw', password: MASK } });
    expect(redact(alertmanagerChannelSchema.parse({ url: 'http://am:9093', linkBase: 'https://cw', auth: { type: 'bearer', token: 'am-token' } }))).toMatchObject({ auth: { token: MASK } });
  });
});

const answer = (status: number, text = '', headers: Record<string, string> = {}): HttpExchange => ({ kind: 'answer', status, headers: new Headers(headers), text });

describe('classifyAlertmanager', () => {
  it.each([
    ['200', answer(200), { ok: true }],
    ['400 bad alert', answer(400, '"start time must be before end time"'), { ok: false, failure: 'permanent', reason: 'Alertmanager: HTTP 400 "start time must be before end time"' }],
    ['401 from a proxy', answer(401, 'Unauthorized'), { ok: false, failure: 'permanent' }],
    ['404: a wrong route prefix', answer(404, '404 page not found'), { ok: false, failure: 'permanent' }],
    ['429 with Retry-After', answer(429, '', { 'retry-after': '5' }), { ok: false, failure: 'throttled', retryAfterMs: 5000 }],
    ['500', answer(500, 'internal'), { ok: false, failure: 'transient' }],
    ['503 while starting', answer(503, 'Service Unavailable'), { ok: false, failure: 'transient' }],
    ['no answer', { kind: 'network', reason: 'fetch failed: connect ECONNREFUSED 127.0.0.1:9093' } as HttpExchange, { ok: false, failure: 'transient' }],
  ])('%s', (_, given, expected) => {
    expect(classifyAlertmanager(given, NOW)).toMatchObject(expected);
  });
});

describe('createAlertmanagerChannel against a local peer', () => {
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let status = 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status).end(status === 200 ? '' : 'boom');
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/am`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('POSTs the alerts as JSON to {url}/api/v2/alerts with basic auth', async () => {
    const channel = createAlertmanagerChannel({ url: `${url}/`, linkBase: 'https://cw.example.cn', auth: { type: 'basic', username: 'cw', password: 'pw' } }, { now: () => NOW });
    expect(await channel.send(noticeOf())).toEqual({ ok: true, detail: '1 alert(s), HTTP 200' });
    const last = seen.at(-1);
    expect(last?.url).toBe('/am/api/v2/alerts');
    expect(last?.headers.authorization).toBe(`Basic ${Buffer.from('cw:pw').toString('base64')}`);
    expect(last?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(last?.body ?? '')).toEqual(alertsOf(noticeOf(), NOW, alertmanagerChannelSchema.parse({ url, linkBase: 'https://cw.example.cn' })));
  });

  it('with a bearer token; a 500 is transient', async () => {
    status = 500;
    const channel = createAlertmanagerChannel({ url, linkBase: 'https://cw.example.cn', auth: { type: 'bearer', token: 'tok' } }, { now: () => NOW });
    expect(await channel.send(noticeOf())).toMatchObject({ ok: false, failure: 'transient', reason: 'Alertmanager: HTTP 500 boom' });
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer tok');
    status = 200;
  });

  it('reaches everyone; the destination is the Alertmanager; open tickets are pushed again every minute', () => {
    const channel = createAlertmanagerChannel({ url, linkBase: 'https://cw.example.cn' }, { now: () => NOW });
    expect(channel.kind).toBe('alertmanager');
    expect(channel.reaches({ ...villageAdmin, phone: undefined, email: undefined })).toBe(true);
    expect(channel.destination(villageAdmin)).toBe(url);
    expect(channel.resendEveryMs).toBe(60_000);
  });
});
