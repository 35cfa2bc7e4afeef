/**
 * What `clearwater deadletters resubmit` does with dead letters after a catalog fix, decided
 * without I/O: which letters are accepted now and the lines to write for them (`planResubmission`),
 * and where a page of letters may end without splitting a message (`wholeMessages`). Pure.
 */
import { createHash } from 'node:crypto';
import type { Catalog } from '../network/catalog.ts';
import { parseTopic } from '../network/topic.ts';
import { INFLUX_REJECTED_TOPIC, isTruncated, type StoredDeadLetter } from './dead-letters.ts';
import { decodeTelemetry, rejectReasons, type DecodeLimits } from './decode.ts';
import { telemetryLine } from '../network/line-protocol.ts';

/** Why a dead letter is still rejected after a re-decode (a decode reason or `influx_rejected`). */
export interface Verdict {
  readonly reason: string;
  readonly detail: string;
  readonly metric?: string | undefined;
}

/**
 * What re-decoding one dead letter with the current catalog gives:
 * - `accepted`: every reading the letter stands for is accepted now; it is resubmitted once all
 *   `lines` are written;
 * - `rejected`: still refused, with the reasons now; `lines` holds the readings of its message
 *   that are accepted now (written all the same: a duplicate point only overwrites itself);
 * - `skipped`: not something a catalog fix can change (a broker refusal, a status message, a
 *   publish on another device's topic, a payload kept only in part): left as it is.
 */
export type Resubmission =
  | { readonly kind: 'accepted'; readonly letter: StoredDeadLetter; readonly lines: readonly string[] }
  | { readonly kind: 'rejected'; readonly letter: StoredDeadLetter; readonly lines: readonly string[]; readonly verdicts: readonly Verdict[] }
  | { readonly kind: 'skipped'; readonly letter: StoredDeadLetter; readonly why: string };

const decodeReasons: ReadonlySet<string> = new Set(rejectReasons);

/**
 * Letters of one message (one per rejected reading) share their arrival, topic and payload; the
 * payload enters the key as a digest, so a page of keys holds no second copy of its payloads.
 */
export function messageKey(letter: StoredDeadLetter): string {
  const digest = createHash('sha256').update(letter.payload).digest('base64');
  return `${letter.receivedAt} ${letter.topic} ${letter.payloadBytes} ${digest}`;
}

/**
 * How many of `fetched` (a page read with one letter more than `pageLetters`, in store order) to
 * take so that no message is split between this page and the next: when the letter after the
 * page belongs to the message the page ends with, that message is left for the next page. A
 * message longer than the page is taken in pieces, so paging always moves on (the ingest keeps
 * at most MAX_LETTERS_PER_MESSAGE letters per message, far fewer than a page). Pure.
 */
export function wholeMessages(fetched: readonly StoredDeadLetter[], pageLetters: number): number {
  const next = fetched[pageLetters];
  if (!next) return fetched.length;
  const key = messageKey(next);
  let take = pageLetters;
  while (take > 0 && messageKey(fetched[take - 1]!) === key) take -= 1;
  return take === 0 ? pageLetters : take;
}

/**
 * Re-decodes dead letters with the current catalog and limits, each at its own `receivedAt`, so
 * the timestamp checks are the ones it met on arrival. Letters of one message (same topic,
 * arrival and payload: one per rejected reading) are decoded once and judged together. Pure.
 */
export function planResubmission(catalog: Catalog, letters: readonly StoredDeadLetter[], limits: DecodeLimits): Resubmission[] {
  const plans = new Map<number, Resubmission>();
  const messages = new Map<string, StoredDeadLetter[]>();
  for (const letter of letters) {
    const early = triage(letter);
    if (early) plans.set(letter.id, early);
    else {
      const key = messageKey(letter);
      messages.set(key, [...(messages.get(key) ?? []), letter]);
    }
  }
  for (const siblings of messages.values()) {
    const [first] = siblings;
    if (!first) continue;
    const decoded = decodeTelemetry(catalog, first.topic, first.payload, first.receivedAt, limits);
    const lines = [...new Set(decoded.points.map(telemetryLine))];
    for (const letter of siblings) plans.set(letter.id, judge(letter, siblings, decoded.rejections, lines));
  }
  return letters.map((letter) => plans.get(letter.id)!);
}

/** Letters that are not re-decoded: InfluxDB refusals (re-sent as they are) and what cannot be fixed. */
function triage(letter: StoredDeadLetter): Resubmission | undefined {
  // Only the head of the payload is kept: what is left would decode to something else than the
  // device sent (and a payload this long is `oversize` for the ingest whatever the catalog).
  if (isTruncated(letter)) return { kind: 'skipped', letter, why: `payload truncated (${letter.payload.byteLength} of ${letter.payloadBytes} bytes kept)` };
  if (letter.topic === INFLUX_REJECTED_TOPIC) {
    const line = Buffer.from(letter.payload).toString('utf8').trim();
    return line ? { kind: 'accepted', letter, lines: [line] } : { kind: 'skipped', letter, why: 'empty line' };
  }
  if (!decodeReasons.has(letter.reason)) return { kind: 'skipped', letter, why: `${letter.reason} is not a telemetry rejection` };
  const topic = parseTopic(letter.topic);
  if (topic.ok && topic.topic.channel !== 'telemetry') return { kind: 'skipped', letter, why: `not a telemetry topic` };
  // The ACL refuses these before the ingest; a letter from another source must not be credited
  // to a device that did not send it either.
  if (topic.ok && letter.device !== undefined && letter.device !== topic.topic.device) {
    return { kind: 'skipped', letter, why: `device ${letter.device} published on the topic of ${topic.topic.device}` };
  }
  return undefined;
}

/**
 * A letter for one reading (`metric` set) stands for that metric; a letter without one for its
 * message or sample. A rejection left after the re-decode keeps a letter when it is about the
 * letter's metric, or when no sibling letter stands for it (it concerns the letter's readings).
 */
function judge(letter: StoredDeadLetter, siblings: readonly StoredDeadLetter[], rejections: readonly Verdict[], lines: readonly string[]): Resubmission {
  const siblingMetrics = new Set(siblings.map((l) => l.metric));
  const blocking = rejections.filter((r) =>
    letter.metric !== undefined
      ? r.metric === letter.metric || (r.metric === undefined && !siblingMetrics.has(undefined))
      : r.metric === undefined || !siblingMetrics.has(r.metric),
  );
  if (blocking.length > 0) return { kind: 'rejected', letter, lines, verdicts: blocking };
  if (lines.length === 0) {
    const verdicts = rejections.length > 0 ? rejections : [{ reason: letter.reason, detail: 'no reading of this message is accepted' }];
    return { kind: 'rejected', letter, lines, verdicts };
  }
  return { kind: 'accepted', letter, lines };
}
