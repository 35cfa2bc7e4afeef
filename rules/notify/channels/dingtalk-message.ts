/**
 * What a DingTalk custom robot is sent, as pure functions (table-tested in
 * dingtalk-message.test.ts): the signed webhook URL, the mobile numbers it @-mentions, and the
 * markdown body kept under the body limit.
 *
 * Sources: DingTalk Open Platform, custom robot: "security settings" (加签) and "send message"
 * (custom robots send group messages: body fields, `at`, `msgUuid`, 20 messages a minute).
 */
import { createHmac } from 'node:crypto';
import type { Language } from '../channel.ts';

/**
 * `sign` as DingTalk specifies it (custom robot, security settings, 加签): HmacSHA256 with the
 * secret as key over `timestamp + "\n" + secret` (UTF-8), Base64, then URL-encoded. `timestampMs`
 * is epoch milliseconds and must be within an hour of DingTalk's clock. Pure.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(digest);
}

/** The webhook with `timestamp` and `sign` appended to its query (custom robot, security settings). Pure. */
export function signedWebhookUrl(webhook: string, secret: string, timestampMs: number): string {
  const separator = webhook.includes('?') ? '&' : '?';
  return `${webhook}${separator}timestamp=${timestampMs}&sign=${dingtalkSign(secret, timestampMs)}`;
}

/**
 * The number as DingTalk's `atMobiles` takes it: a mainland number without its +86 prefix, the
 * 11 digits the account is registered with (send message, `at.atMobiles`, e.g. "150xxxx8888").
 * Other E.164 numbers are passed as they are: DingTalk does not document them for robots. Pure.
 */
export function dingtalkMobile(phone: string): string {
  const compact = phone.replace(/[\s-]/g, '');
  const mainland = /^(?:\+86|0086)?(1\d{10})$/.exec(compact);
  return mainland?.[1] ?? compact;
}

export interface MarkdownInput {
  readonly title: string;
  readonly text: string;
  /** Mobile numbers to @-mention, E.164; each is also written into the text as `@<number>`. */
  readonly mentions: readonly string[];
  /** The robot's custom keyword (security settings, 自定义关键词): added to the text when the text lacks it. */
  readonly keyword?: string | undefined;
  readonly language: Language;
  /** DingTalk's idempotency key (send message, `msgUuid`): a retry with the same one is not shown twice. */
  readonly msgUuid: string;
}

export interface MarkdownBody {
  /** The JSON body, at most `maxBodyBytes` UTF-8 bytes. */
  readonly body: string;
  /** Lines of the rendered text left out to fit (0: the whole text went). */
  readonly omittedLines: number;
}

/**
 * A title longer than this is cut (at a character): it is the one-line notification preview,
 * and a bounded title keeps the text's share of the body predictable.
 */
export const MAX_TITLE_BYTES = 256;

/**
 * The markdown message body: `{"msgtype":"markdown","markdown":{title,text},"at":{atMobiles,isAtAll}}`
 * (send message). The @-mentions and the keyword go at the end of the text and are never cut;
 * the rendered text is cut at a line boundary, with a note of how many lines were left out, so
 * the body stays within `maxBodyBytes` (DingTalk refuses more than 20,000 bytes: 460101). Pure.
 */
export function markdownBody(input: MarkdownInput, maxBodyBytes: number): MarkdownBody {
  const atMobiles = [...new Set(input.mentions.map(dingtalkMobile))];
  const title = cutToBytes(input.title.trim() === '' ? fallbackTitle(input.text) : input.title, MAX_TITLE_BYTES);
  const tail = tailLines(input, atMobiles);
  const message = (text: string) => ({
    msgtype: 'markdown',
    markdown: { title, text },
    at: { atMobiles, isAtAll: false },
    msgUuid: input.msgUuid,
  });
  const overhead = utf8Bytes(JSON.stringify(message(tail)));
  const fitted = fitText(input.text, maxBodyBytes - overhead, (n) => omittedNote(n, input.language));
  return { body: JSON.stringify(message(fitted.text + tail)), omittedLines: fitted.omittedLines };
}

/** `@<number>` for every mention the text lacks (an @ works only when it is also in the text), then the keyword if absent. */
function tailLines(input: MarkdownInput, atMobiles: readonly string[]): string {
  const lines: string[] = [];
  const missing = atMobiles.filter((mobile) => !input.text.includes(`@${mobile}`));
  if (missing.length > 0) lines.push(missing.map((mobile) => `@${mobile}`).join(' '));
  const keyword = input.keyword;
  // In the text even when the title has it: the text is the content DingTalk surely checks.
  if (keyword !== undefined && !input.text.includes(keyword)) lines.push(keyword);
  return lines.map((line) => `\n\n${line}`).join('');
}

function fallbackTitle(text: string): string {
  const first = text.split('\n').find((line) => line.trim() !== '') ?? '';
  const plain = first.replace(/^[\s#>*-]+/, '').trim();
  return plain === '' ? 'Clearwater' : plain;
}

export function omittedNote(lines: number, language: Language): string {
  return language === 'zh-CN' ? `…(另有 ${lines} 行，详见控制台)` : `…(${lines} more, see the console)`;
}

/**
 * The longest head of `text` whose JSON string form (without its quotes) takes at most
 * `budgetBytes` UTF-8 bytes, cut after a whole line and followed by `note(lines left out)`.
 * Only when not even the first line fits is a line cut, at a code point: a UTF-8 character (or a
 * UTF-16 surrogate pair) is never split. Pure.
 */
export function fitText(text: string, budgetBytes: number, note: (omittedLines: number) => string): { text: string; omittedLines: number } {
  if (jsonBytes(text) <= budgetBytes) return { text, omittedLines: 0 };
  const lines = text.split('\n');
  // used = bytes of lines[0..k) each followed by "\n" (2 bytes in JSON).
  let used = 0;
  let best = -1;
  for (let k = 1; k < lines.length; k++) {
    used += jsonBytes(lines[k - 1] ?? '') + 2;
    if (used + jsonBytes(note(lines.length - k)) > budgetBytes) break;
    best = k;
  }
  if (best > 0) return { text: `${lines.slice(0, best).join('\n')}\n${note(lines.length - best)}`, omittedLines: lines.length - best };
  const ending = note(lines.length);
  const room = budgetBytes - jsonBytes(ending);
  if (room < 0) return { text: cutToJsonBytes(ending, budgetBytes), omittedLines: lines.length };
  return { text: cutToJsonBytes(lines[0] ?? '', room) + ending, omittedLines: lines.length };
}

/** The longest head of `text` (whole code points) of at most `maxBytes` UTF-8 bytes. Pure. */
export function cutToBytes(text: string, maxBytes: number): string {
  return cutBy(text, maxBytes, utf8Bytes);
}

function cutToJsonBytes(text: string, maxBytes: number): string {
  return cutBy(text, maxBytes, jsonBytes);
}

function cutBy(text: string, maxBytes: number, size: (s: string) => number): string {
  if (size(text) <= maxBytes) return text;
  let kept = '';
  let used = 0;
  // for…of walks code points: a surrogate pair stays whole.
  for (const char of text) {
    const bytes = size(char);
    if (used + bytes > maxBytes) break;
    kept += char;
    used += bytes;
  }
  return kept;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Bytes `text` takes inside a JSON string: escapes (\n, \", \u0001) count as written. */
function jsonBytes(text: string): number {
  return utf8Bytes(JSON.stringify(text)) - 2;
}
