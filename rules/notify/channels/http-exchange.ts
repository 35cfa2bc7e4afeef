/**
 * One HTTP request and its answer, for the channels that speak HTTP (SMS gateways,
 * Alertmanager): the answer as status, headers and text, or the reason it never came. The
 * channel classifies it; this file only moves bytes and reads `Retry-After`.
 */

export interface HttpRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** The whole exchange, connect to last byte, ms. */
  readonly timeoutMs: number;
}

export type HttpExchange =
  | { readonly kind: 'answer'; readonly status: number; readonly headers: Headers; readonly text: string }
  /** No answer: refused, reset, DNS, TLS or timed out. Always transient. */
  | { readonly kind: 'network'; readonly reason: string };

/** Answers bigger than this are cut: a gateway's JSON is a few hundred bytes. */
const MAX_ANSWER_CHARS = 64 * 1024;

export async function exchange(request: HttpRequest): Promise<HttpExchange> {
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
      redirect: 'manual',
    });
    const text = await response.text();
    return { kind: 'answer', status: response.status, headers: response.headers, text: text.slice(0, MAX_ANSWER_CHARS) };
  } catch (error) {
    return { kind: 'network', reason: networkReason(error, request.timeoutMs) };
  }
}

/**
 * Whether a URL carries credentials in its userinfo: fetch refuses such URLs (WHATWG Fetch:
 * "Request cannot be constructed from a URL that includes credentials"), so configs keep
 * credentials in their own, masked fields.
 */
export function hasUserinfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

export const NO_USERINFO = 'put credentials in their own field, not in the URL';

/** `fetch failed` says little: the cause (ECONNREFUSED 127.0.0.1:9) says what happened. */
function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = error.cause;
    if (cause instanceof Error) return `${error.message}: ${cause.message}`;
    return error.message;
  }
  return String(error);
}

/**
 * `Retry-After` as a wait in ms: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined
 * when absent or unreadable; never negative.
 */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The first `max` characters of an answer, on one line, for a failure reason. */
export function excerpt(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
