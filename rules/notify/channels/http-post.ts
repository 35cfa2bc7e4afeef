/**
 * The one HTTP exchange the HTTP channels (DingTalk, webhook) make: POST a JSON body, wait at
 * most `timeoutMs` for the whole answer, follow no redirect (a signed body is never re-sent to
 * a place the configuration does not name), and say what came back or why nothing did. It
 * classifies nothing: each channel reads the answer in its peer's terms.
 */

export type HttpAnswer =
  | { readonly kind: 'answer'; readonly status: number; readonly retryAfterMs?: number; readonly text: string }
  | { readonly kind: 'unreachable'; readonly reason: string };

export interface HttpPost {
  readonly url: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** For an HTTP-date Retry-After: the channel's clock, epoch ms. */
  readonly now: number;
}

/** Longest answer body read; DingTalk's and a webhook receiver's answers are a few hundred bytes. */
const MAX_ANSWER_CHARS = 4096;

export async function postJson(post: HttpPost): Promise<HttpAnswer> {
  try {
    const response = await fetch(post.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...post.headers },
      body: post.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(post.timeoutMs),
    });
    const text = (await response.text()).slice(0, MAX_ANSWER_CHARS);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), post.now);
    return retryAfterMs === undefined ? { kind: 'answer', status: response.status, text } : { kind: 'answer', status: response.status, retryAfterMs, text };
  } catch (error) {
    return { kind: 'unreachable', reason: unreachableReason(error, post.timeoutMs) };
  }
}

/**
 * `Retry-After` in ms from now (RFC 9110 §10.2.3: delay-seconds or an HTTP-date); undefined
 * when absent, unreadable or not in the future. Pure.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return seconds > 0 ? seconds * 1000 : undefined;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at) || at <= now) return undefined;
  return at - now;
}

/**
 * Why no answer came: a timeout, or the socket error's code (ECONNREFUSED, ENOTFOUND, …). Never
 * the URL: undici's messages do not carry it, and only the code and the cause's message are used.
 */
export function unreachableReason(error: unknown, timeoutMs: number): string {
  const e = error as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (typeof code === 'string') return `connection failed: ${code}`;
  const cause = e?.cause?.message;
  if (typeof cause === 'string') return `connection failed: ${cause}`;
  return `connection failed: ${String(e?.message ?? error)}`;
}
