/**
 * The webhook channel against a receiver on 127.0.0.1 that does what the channel's README asks
 * of one: recompute the HMAC over the bytes received (node:crypto here, not the channel's code),
 * compare in constant time, refuse a timestamp more than 5 minutes off its own clock, and drop a
 * delivery key it has seen.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../app/free-port.ts';
import { notice, villageAdmin, yellowWaterTicket } from '../notice.fixtures.ts';
import { classifyWebhookAnswer, createWebhookChannel, webhookChannelSchema, webhookSignature, type WebhookPayload } from './webhook.ts';

const SECRET = 'whsec-0123456789abcdef';
const TOLERANCE_MS = 300_000;

describe('webhookSignature', () => {
  it('matches openssl', () => {
    // printf '%s' '1700000000000.{"a":1}' | openssl dgst -sha256 -hmac whsec-test -hex
    expect(webhookSignature('whsec-test', 1_700_000_000_000, '{"a":1}')).toBe('sha256=18e0b637acd0e3f549ccafaf6c68c8464e953c78038b5e038c3b45a9fc14db0d');
  });
});

describe('classifyWebhookAnswer', () => {
  const http = (status: number, retryAfterMs?: number) => ({ kind: 'answer' as const, status, text: '', ...(retryAfterMs ? { retryAfterMs } : {}) });
  it.each([
    [http(200), { ok: true }],
    [http(202), { ok: true }],
    [http(204), { ok: true }],
    [http(408), { ok: false, failure: 'transient' }],
    [http(429, 60_000), { ok: false, failure: 'transient', retryAfterMs: 60_000 }],
    [http(500), { ok: false, failure: 'transient' }],
    [http(503, 5000), { ok: false, failure: 'transient', retryAfterMs: 5000 }],
    [http(301), { ok: false, failure: 'permanent' }],
    [http(400), { ok: false, failure: 'permanent' }],
    [http(401), { ok: false, failure: 'permanent' }],
    [http(404), { ok: false, failure: 'permanent' }],
    [http(410), { ok: false, failure: 'permanent' }],
    [{ kind: 'unreachable' as const, reason: 'no answer within 10000 ms' }, { ok: false, failure: 'transient', reason: 'no answer within 10000 ms' }],
  ])('%o', (answer, result) => {
    expect(classifyWebhookAnswer(answer)).toMatchObject(result);
  });
});

describe('webhookChannelSchema', () => {
  it('fills the defaults', () => {
    expect(webhookChannelSchema.parse({ url: 'https://dispatch.example/in', secret: SECRET })).toEqual({ url: 'https://dispatch.example/in', secret: SECRET, timeoutMs: 10_000 });
  });
  it.each([
    ['a short secret', { url: 'https://dispatch.example/in', secret: 'short' }],
    ['not http', { url: 'ftp://dispatch.example/in', secret: SECRET }],
    ['a header the channel sets', { url: 'https://dispatch.example/in', secret: SECRET, headers: { 'X-Clearwater-Delivery': 'x' } }],
    ['a header name with a space', { url: 'https://dispatch.example/in', secret: SECRET, headers: { 'Bad Name': 'x' } }],
  ])('refuses %s', (_, config) => {
    expect(webhookChannelSchema.safeParse(config).success).toBe(false);
  });
});

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly payload: WebhookPayload;
}

/** A receiver as the README describes one. `answer` overrides the status of the next request. */
async function startReceiver(now: () => number) {
  const delivered: Received[] = [];
  const seen = new Set<string>();
  const state: { answer?: { status: number; headers?: Record<string, string> } } = {};
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    if (state.answer) {
      const { status, headers } = state.answer;
      delete state.answer;
      response.writeHead(status, headers).end();
      return;
    }
    const verdict = verify(request.headers, raw, now());
    if (verdict !== 'ok') {
      response.writeHead(401, { 'content-type': 'text/plain' }).end(verdict);
      return;
    }
    const key = String(request.headers['x-clearwater-delivery']);
    if (!seen.has(key)) {
      seen.add(key);
      delivered.push({ headers: request.headers, raw, payload: JSON.parse(raw.toString('utf8')) as WebhookPayload });
    }
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/clearwater`;
  return {
    url,
    delivered,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function verify(headers: IncomingHttpHeaders, raw: Buffer, now: number): string {
  const timestamp = String(headers['x-clearwater-timestamp'] ?? '');
  const signature = String(headers['x-clearwater-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > TOLERANCE_MS) return 'timestamp outside the tolerance';
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.`).update(raw).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'ok' : 'signature mismatch';
}

describe('the webhook channel against a receiver', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  async function setUp(extra: Record<string, unknown> = {}) {
    const clock = { receiver: Date.UTC(2025, 5, 1, 8), channel: Date.UTC(2025, 5, 1, 8) };
    receiver = await startReceiver(() => clock.receiver);
    const channel = createWebhookChannel(webhookChannelSchema.parse({ url: receiver.url, secret: SECRET, ...extra }), { now: () => clock.channel });
    return { receiver, channel, clock };
  }

  it('delivers the notice\'s facts, signed, with its delivery key', async () => {
    const { receiver, channel, clock } = await setUp({ headers: { Authorization: 'Bearer county-dispatch' } });
    expect(await channel.send(notice())).toEqual({ ok: true, detail: 'HTTP 204' });
    const [received] = receiver.delivered;
    expect(received?.headers['x-clearwater-delivery']).toBe('1042:tongmen-admin:dingtalk');
    expect(received?.headers['x-clearwater-timestamp']).toBe(String(clock.channel));
    expect(received?.headers.authorization).toBe('Bearer county-dispatch');
    expect(received?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(received?.payload).toEqual({
      version: 1,
      deliveryKey: '1042:tongmen-admin:dingtalk',
      sentAt: clock.channel,
      kind: 'opened',
      language: 'zh-CN',
      recipient: { id: villageAdmin.id, name: villageAdmin.name, role: 'village_admin' },
      alsoFor: [],
      tickets: [yellowWaterTicket],
      rendered: notice().rendered.markdown,
    });
    expect(received?.raw.toString('utf8')).not.toContain('13800000001');
  });

  it('a repeat is dropped by the receiver by its delivery key, and still answered 2xx', async () => {
    const { receiver, channel, clock } = await setUp();
    expect(await channel.send(notice())).toMatchObject({ ok: true });
    clock.channel += 30_000;
    clock.receiver += 30_000;
    expect(await channel.send(notice())).toMatchObject({ ok: true });
    expect(receiver.delivered).toHaveLength(1);
  });

  it('the receiver rejects a tampered body and a replay outside the window', async () => {
    const { receiver, channel, clock } = await setUp();
    await channel.send(notice());
    const [received] = receiver.delivered;
    if (!received) throw new Error('nothing delivered');
    const headers = Object.fromEntries(['x-clearwater-timestamp', 'x-clearwater-signature', 'x-clearwater-delivery'].map((name) => [name, String(received.headers[name])]));
    const tampered = received.raw.toString('utf8').replace('"lastValue":4.6', '"lastValue":0.4');
    expect(tampered).not.toBe(received.raw.toString('utf8'));
    const refused = await fetch(receiver.url, { method: 'POST', headers, body: tampered });
    expect([refused.status, await refused.text()]).toEqual([401, 'signature mismatch']);
    clock.receiver += TOLERANCE_MS + 1;
    const replayed = await fetch(receiver.url, { method: 'POST', headers, body: received.raw });
    expect([replayed.status, await replayed.text()]).toEqual([401, 'timestamp outside the tolerance']);
  });

  it('a channel secret the receiver does not share: permanent, with the receiver\'s reason', async () => {
    const { receiver } = await setUp();
    const wrong = createWebhookChannel(webhookChannelSchema.parse({ url: receiver.url, secret: 'another-secret-0123' }), { now: () => Date.UTC(2025, 5, 1, 8) });
    expect(await wrong.send(notice())).toEqual({ ok: false, failure: 'permanent', reason: 'HTTP 401: signature mismatch' });
  });

  it.each([
    [503, { 'retry-after': '120' }, { ok: false, failure: 'transient', reason: 'HTTP 503', retryAfterMs: 120_000 }],
    [429, { 'retry-after': 'Sun, 01 Jun 2025 08:00:30 GMT' }, { ok: false, failure: 'transient', reason: 'HTTP 429', retryAfterMs: 30_000 }],
    [408, {}, { ok: false, failure: 'transient', reason: 'HTTP 408' }],
    [404, {}, { ok: false, failure: 'permanent', reason: 'HTTP 404' }],
    [302, { location: 'http://127.0.0.1:1/elsewhere' }, { ok: false, failure: 'permanent', reason: 'HTTP 302' }],
  ])('HTTP %d → %o', async (status, headers, result) => {
    const { receiver, channel } = await setUp();
    receiver.state.answer = { status, headers };
    expect(await channel.send(notice())).toEqual(result);
  });

  it('a receiver that is down: transient', async () => {
    const port = await freePort();
    const channel = createWebhookChannel(webhookChannelSchema.parse({ url: `http://127.0.0.1:${port}/in`, secret: SECRET, timeoutMs: 2000 }), { now: () => Date.UTC(2025, 5, 1, 8) });
    expect(await channel.send(notice())).toEqual({ ok: false, failure: 'transient', reason: 'connection failed: ECONNREFUSED' });
  });

  it('reaches everyone through one destination, with no rate of its own', async () => {
    const { channel } = await setUp();
    expect([channel.reaches(villageAdmin), channel.destination(villageAdmin), channel.perMinute]).toEqual([true, 'webhook', undefined]);
  });
});
