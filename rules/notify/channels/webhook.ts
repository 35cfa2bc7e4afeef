/**
 * A generic webhook: the notice's structured content as JSON, signed, to one URL (a county
 * dispatch system, a ticketing bridge, a chat relay).
 *
 * In: a `Notice`. Out: `POST <url>` with the JSON below and three headers:
 * - `X-Clearwater-Timestamp: <epoch ms>` (the channel's clock);
 * - `X-Clearwater-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`;
 * - `X-Clearwater-Delivery: <deliveryKey>`: the same on every retry, so a receiver drops a repeat.
 *
 * The signature follows Stripe's scheme for what is signed (the timestamp, ".", the raw body,
 * HMAC-SHA256, hex; the receiver rejects timestamps outside a tolerance, Stripe's default being
 * 5 minutes, against replays: Stripe docs, Webhooks, verifying signatures manually and
 * preventing replay attacks) and GitHub's for how it is written (`sha256=<hex>` as in `X-Hub-Signature-256`, and
 * a delivery id header as `X-GitHub-Delivery`: GitHub Docs, "Validating webhook deliveries").
 * A receiver recomputes the HMAC over the bytes it received and compares in constant time.
 *
 * Failure (classifyWebhookAnswer): 2xx delivered; 408, 429, 5xx or no answer transient after
 * `Retry-After` when given (RFC 9110 §10.2.3; 408: §15.5.9, 5xx: §15.6, 429: RFC 6585 §4); any
 * other status permanent.
 * Retries and their backoff are the sender's.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Channel, ChannelDeps, Notice, SendResult } from '../channel.ts';
import { postJson, type HttpAnswer } from './http-post.ts';

export const webhookChannelSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .describe('Where notices are POSTed (http or https); may hold a credential in its query, masked by `clearwater config check` when named like one'),
  secret: z
    .string()
    .min(16)
    .describe('Secret: the HMAC-SHA256 key of X-Clearwater-Signature, at least 16 characters, shared with the receiver; never sent, never logged'),
  headers: z
    .record(
      z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name (RFC 9110 §5.1)').refine((name) => !/^(x-clearwater-|content-type$|content-length$|host$)/i.test(name), 'set by the channel'),
      z.string(),
    )
    .optional()
    .describe('Extra request headers, e.g. Authorization for the receiver (masked by `clearwater config check`); not X-Clearwater-*, Content-Type, Content-Length or Host'),
  timeoutMs: z.number().int().positive().default(10_000).describe('Longest wait for the receiver\'s whole answer, ms; no answer in time is transient. Default 10000'),
});

export type WebhookChannelConfig = z.output<typeof webhookChannelSchema>;

/** What a receiver gets: the notice's facts, not only its rendered strings. */
export interface WebhookPayload {
  /** Version of this shape; a receiver refuses one it does not know. */
  readonly version: 1;
  readonly deliveryKey: string;
  /** Epoch ms, the same instant as X-Clearwater-Timestamp. */
  readonly sentAt: number;
  readonly kind: Notice['kind'];
  readonly language: Notice['language'];
  /** Who the notice is for; phone and e-mail stay home. */
  readonly recipient: { readonly id: string; readonly name: string; readonly role: Notice['recipient']['role'] };
  /** Others the same notice is for (one webhook call serves everyone a ticket change tells). */
  readonly alsoFor: readonly { readonly id: string; readonly name: string; readonly role: Notice['recipient']['role'] }[];
  readonly tickets: Notice['tickets'];
  /** The markdown rendering, for receivers that only relay text. */
  readonly rendered: Notice['rendered']['markdown'];
}

/** The body sent for a notice at `sentAt`. Pure. */
export function webhookPayload(notice: Notice, sentAt: number): WebhookPayload {
  const { id, name, role } = notice.recipient;
  return {
    version: 1,
    deliveryKey: notice.deliveryKey,
    sentAt,
    kind: notice.kind,
    language: notice.language,
    recipient: { id, name, role },
    alsoFor: (notice.alsoFor ?? []).map((other) => ({ id: other.id, name: other.name, role: other.role })),
    tickets: notice.tickets,
    rendered: notice.rendered.markdown,
  };
}

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, over the body's UTF-8 bytes. Pure. */
export function webhookSignature(secret: string, timestampMs: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampMs}.${body}`, 'utf8').digest('hex')}`;
}

/** The request headers for a body signed at `timestampMs`. Pure. */
export function webhookHeaders(config: Pick<WebhookChannelConfig, 'secret' | 'headers'>, deliveryKey: string, timestampMs: number, body: string): Record<string, string> {
  return {
    ...config.headers,
    'x-clearwater-timestamp': String(timestampMs),
    'x-clearwater-signature': webhookSignature(config.secret, timestampMs, body),
    'x-clearwater-delivery': deliveryKey,
  };
}

/** A receiver's answer as a `SendResult`. Pure. */
export function classifyWebhookAnswer(answer: HttpAnswer): SendResult {
  if (answer.kind === 'unreachable') return { ok: false, failure: 'transient', reason: answer.reason };
  const { status, retryAfterMs } = answer;
  if (status >= 200 && status <= 299) return { ok: true, detail: `HTTP ${status}` };
  const said = answer.text.trim().slice(0, 200);
  const reason = said === '' ? `HTTP ${status}` : `HTTP ${status}: ${said}`;
  if (status === 408 || status === 429 || status >= 500) return retryAfterMs === undefined ? { ok: false, failure: 'transient', reason } : { ok: false, failure: 'transient', reason, retryAfterMs };
  // 3xx too: a signed notice is not re-sent to a place the configuration does not name.
  return { ok: false, failure: 'permanent', reason };
}

/** Parses nothing (give it `webhookChannelSchema.parse(…)`'s output) and touches no network. */
export function createWebhookChannel(config: WebhookChannelConfig, deps: ChannelDeps): Channel {
  return {
    kind: 'webhook',
    // One receiver for everyone; it sets no rate of its own (429 + Retry-After when it must).
    reaches: () => true,
    destination: () => 'webhook',
    async send(notice: Notice): Promise<SendResult> {
      const now = deps.now();
      const body = JSON.stringify(webhookPayload(notice, now));
      const headers = webhookHeaders(config, notice.deliveryKey, now, body);
      return classifyWebhookAnswer(await postJson({ url: config.url, body, headers, timeoutMs: config.timeoutMs, now }));
    },
  };
}
