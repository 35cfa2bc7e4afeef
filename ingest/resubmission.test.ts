/** The pure decisions of `clearwater deadletters resubmit`: what a re-decode gives, where a page ends. */
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../network/catalog.ts';
import { oneTapCatalog } from './fixtures.ts';
import { DEFAULT_LIMITS } from './decode.ts';
import { INFLUX_REJECTED_TOPIC, KEPT_PAYLOAD_BYTES, type DeadLetter, type StoredDeadLetter } from './dead-letters.ts';
import { messageKey, planResubmission, wholeMessages } from './resubmission.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const TOPIC = 'water/tongmen-tap/tap-1/telemetry';
const bytes = (text: string) => Buffer.from(text);

const catalogOf = (tapMetrics: string[]): Catalog => oneTapCatalog(tapMetrics);

let nextId = 1;
function stored(overrides: Partial<DeadLetter> & { payloadBytes?: number }): StoredDeadLetter {
  const letter = { receivedAt: T0, topic: TOPIC, device: 'tap-1', reason: 'invalid_json', detail: 'Unexpected token', payload: bytes('{oops'), ...overrides };
  return { payloadBytes: letter.payload.byteLength, ...letter, id: nextId++ };
}

describe('planResubmission', () => {
  const fixed = catalogOf(['turbidity', 'free_chlorine']);
  const message = bytes(JSON.stringify({ ts: T0 - 60_000, readings: { turbidity: 0.3, free_chlorine: 0.42, bogus: 1 } }));

  it('accepts a reading whose metric the catalog declares now, keeps the sibling that is still unknown', () => {
    const chlorine = stored({ reason: 'undeclared_metric', metric: 'free_chlorine', payload: message });
    const bogus = stored({ reason: 'unknown_metric', metric: 'bogus', payload: message });
    const [a, b] = planResubmission(fixed, [chlorine, bogus], DEFAULT_LIMITS);
    const line = `telemetry,device=tap-1,site=tongmen-tap,site_kind=tap,township=tongmen,village=tongmen,zone=north turbidity=0.3,free_chlorine=0.42 ${T0 - 60_000}`;
    expect(a).toEqual({ kind: 'accepted', letter: chlorine, lines: [line] });
    expect(b).toMatchObject({ kind: 'rejected', lines: [line], verdicts: [{ reason: 'unknown_metric', metric: 'bogus' }] });
  });

  it('reports the reason a letter is rejected for now', () => {
    const payload = bytes(JSON.stringify({ ts: T0, readings: { free_chlorine: { value: 0.4, unit: 'furlong' } } }));
    const [plan] = planResubmission(fixed, [stored({ reason: 'undeclared_metric', metric: 'free_chlorine', payload })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', lines: [], verdicts: [{ reason: 'unknown_unit', metric: 'free_chlorine' }] });
  });

  it('checks timestamps against the arrival time, not today', () => {
    const payload = bytes(JSON.stringify({ ts: T0 - 60_000, readings: { turbidity: 0.3 } }));
    const [onTime] = planResubmission(fixed, [stored({ reason: 'unknown_device', payload })], DEFAULT_LIMITS);
    expect(onTime?.kind).toBe('accepted');
    const late = bytes(JSON.stringify({ ts: T0 + 3_600_000, readings: { turbidity: 0.3 } }));
    const [future] = planResubmission(fixed, [stored({ reason: 'future_timestamp', payload: late })], DEFAULT_LIMITS);
    expect(future).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'future_timestamp' }] });
  });

  it('keeps a message-level letter when a reading of it is still refused and no sibling stands for that reading', () => {
    const [plan] = planResubmission(fixed, [stored({ reason: 'unknown_device', payload: message })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'unknown_metric', metric: 'bogus' }] });
    expect(plan?.kind === 'rejected' && plan.lines).toHaveLength(1);
  });

  it('keeps a letter when its device has left the catalog', () => {
    const payload = bytes(JSON.stringify({ ts: T0, readings: { turbidity: 0.3 } }));
    const [plan] = planResubmission(fixed, [stored({ topic: 'water/tongmen-tap/tap-9/telemetry', device: 'tap-9', reason: 'undeclared_metric', metric: 'turbidity', payload })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'unknown_device' }] });
  });

  it('re-sends a line InfluxDB refused as it is', () => {
    const line = 'telemetry,device=tap-1 turbidity=0.3 1764324000000';
    const [plan] = planResubmission(fixed, [stored({ topic: INFLUX_REJECTED_TOPIC, device: undefined, reason: 'influx_rejected', payload: bytes(`${line}\n`) })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'accepted', lines: [line] });
  });

  it.each([
    ['a broker refusal', { reason: 'acl_denied', topic: 'water/tongmen-tap/tap-2/telemetry' }, 'acl_denied is not a telemetry rejection'],
    ['a status message', { reason: 'invalid_status', topic: 'water/tongmen-tap/tap-1/status' }, 'invalid_status is not a telemetry rejection'],
    ['a status topic with a decode reason', { reason: 'invalid_json', topic: 'water/tongmen-tap/tap-1/status' }, 'not a telemetry topic'],
    ['a publish on another device\'s topic', { reason: 'undeclared_metric', device: 'tap-2' }, 'device tap-2 published on the topic of tap-1'],
  ])('skips %s', (_, overrides, why) => {
    const [plan] = planResubmission(fixed, [stored({ payload: message, ...overrides })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'skipped', why });
  });

  it('never resubmits a letter whose payload was kept only in part, even an InfluxDB line', () => {
    const head = Buffer.alloc(KEPT_PAYLOAD_BYTES, 0x20);
    const [oversize, line] = planResubmission(
      fixed,
      [stored({ reason: 'oversize', payload: head, payloadBytes: 70_000 }), stored({ topic: INFLUX_REJECTED_TOPIC, reason: 'influx_rejected', payload: head, payloadBytes: 65_537 })],
      DEFAULT_LIMITS,
    );
    expect(oversize).toMatchObject({ kind: 'skipped', why: `payload truncated (${KEPT_PAYLOAD_BYTES} of 70000 bytes kept)` });
    expect(line).toMatchObject({ kind: 'skipped', why: `payload truncated (${KEPT_PAYLOAD_BYTES} of 65537 bytes kept)` });
  });

  it('keeps malformed input malformed', () => {
    const [plan] = planResubmission(fixed, [stored({ reason: 'invalid_json', payload: bytes('{oops') })], DEFAULT_LIMITS);
    expect(plan).toMatchObject({ kind: 'rejected', verdicts: [{ reason: 'invalid_json' }] });
  });
});

describe('messageKey and wholeMessages', () => {
  const message = (payload: string, count: number) => Array.from({ length: count }, () => stored({ payload: bytes(payload) }));

  it('gives the letters of one message one key, and other messages others', () => {
    const [a, b] = message('{"ts":1}', 2);
    expect(messageKey(a!)).toBe(messageKey(b!));
    expect(messageKey(stored({ payload: bytes('{"ts":2}') }))).not.toBe(messageKey(a!));
    expect(messageKey(stored({ payload: bytes('{"ts":1}'), receivedAt: T0 + 1 }))).not.toBe(messageKey(a!));
    expect(messageKey(stored({ payload: bytes('{"ts":1}'), topic: 'water/tongmen-tap/tap-2/telemetry' }))).not.toBe(messageKey(a!));
  });

  it.each([
    ['the last page: all of it', [1, 2, 2], 5, 5],
    ['a page whose last message goes on after it: up to that message', [1, 2, 2], 4, 3],
    ['a page that ends where a message ends: all of it', [2, 1, 1], 3, 3],
    ['a message longer than the page: the page, so paging moves on', [3, 1], 2, 2],
    ['nothing left', [], 3, 0],
  ])('%s', (_, sizes, pageLetters, take) => {
    const fetched = sizes.flatMap((count, i) => message(`{"m":${i}}`, count)).slice(0, pageLetters + 1);
    expect(wholeMessages(fetched, pageLetters)).toBe(take);
  });
});
