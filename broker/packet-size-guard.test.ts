import mqttPacket from 'mqtt-packet';
import { fixedHeader } from '../test/support/raw-mqtt.ts';
import { describe, expect, it } from 'vitest';
import { PacketSizeGuard, type PacketSizeVerdict } from './packet-size-guard.ts';

const limits = { maxConnectPacketBytes: 100, maxPacketBytes: 1000 };

/** A whole packet with `remaining` body bytes. */
const header = (typeByte: number, remaining: number) => [...fixedHeader(typeByte, remaining)];
const packet = (typeByte: number, remaining: number) => [...header(typeByte, remaining), ...Array<number>(remaining).fill(0)];
const CONNECT = 0x10;
const PUBLISH = 0x30;
const PINGREQ = 0xc0;

function feedAll(chunks: number[][], loggedInAfter?: number): PacketSizeVerdict[] {
  const guard = new PacketSizeGuard(limits);
  return chunks.map((chunk, i) => {
    const verdict = guard.feed(Uint8Array.from(chunk));
    if (i === loggedInAfter) guard.loggedIn();
    return verdict;
  });
}

describe('PacketSizeGuard', () => {
  it.each([
    ['a packet with no body (PINGREQ)', [[PINGREQ, 0]], { ok: true }],
    ['a CONNECT exactly at the limit', [packet(CONNECT, 98)], { ok: true }],
    ['a CONNECT one byte over it', [packet(CONNECT, 99)], { ok: false, reason: 'too_large', announced: 101, limit: 100, phase: 'before_connect' }],
    ['a header alone announcing 256 MiB', [[CONNECT, 0xff, 0xff, 0xff, 0x7f]], { ok: false, reason: 'too_large', announced: 268_435_455 + 5, limit: 100, phase: 'before_connect' }],
    ['a two-byte length: 128 is 0x80 0x01', [[CONNECT, 0x80, 0x01]], { ok: false, reason: 'too_large', announced: 131, limit: 100, phase: 'before_connect' }],
    ['a fourth length byte that says a fifth follows', [[CONNECT, 0x80, 0x80, 0x80, 0x80]], { ok: false, reason: 'malformed_length', phase: 'before_connect' }],
    ['a fourth continuation byte, the fifth not yet sent', [[CONNECT, 0xff, 0xff, 0xff, 0xff]], { ok: false, reason: 'malformed_length', phase: 'before_connect' }],
    ['a zero-padded length within four bytes (0x80 0x80 0x80 0x00)', [[PINGREQ, 0x80, 0x80, 0x80, 0x00]], { ok: true }],
  ])('%s', (_name, chunks, verdict) => {
    expect(feedAll(chunks).at(-1)).toEqual(verdict);
  });

  it('reads a header split across chunks, byte by byte', () => {
    const bytes = header(CONNECT, 200);
    const verdicts = feedAll(bytes.map((b) => [b]));
    expect(verdicts.slice(0, -1).every((v) => v.ok)).toBe(true); // undecided until the length is complete
    expect(verdicts.at(-1)).toMatchObject({ ok: false, announced: 203 });
  });

  it('waits for the fifth byte the fourth announces, in a later chunk', () => {
    expect(feedAll([[CONNECT, 0x80, 0x80], [0x80], [0x80]]).map((v) => v.ok)).toEqual([true, true, false]);
  });

  it('judges every packet in a chunk: a small one, then a large one', () => {
    expect(feedAll([[...packet(CONNECT, 20), ...packet(PUBLISH, 20), ...header(PUBLISH, 500)]]).at(-1)).toMatchObject({ ok: false, announced: 503, phase: 'before_connect' });
  });

  it('skips a body spread over chunks and reads the header after it', () => {
    const body = packet(PUBLISH, 90);
    const verdicts = feedAll([body.slice(0, 1), body.slice(1, 40), body.slice(40), [...header(PUBLISH, 98)], Array(98).fill(0), header(PUBLISH, 99)]);
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, true, true, true, false]);
  });

  it('does not take body bytes for a header (a body full of 0xff)', () => {
    const body = [...header(PUBLISH, 50), ...Array<number>(50).fill(0xff)];
    expect(feedAll([body, [PINGREQ, 0]]).map((v) => v.ok)).toEqual([true, true]);
  });

  it('allows larger packets once the login succeeded', () => {
    const verdicts = feedAll([packet(CONNECT, 50), packet(PUBLISH, 997), packet(PUBLISH, 998)], 0);
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, false]);
    expect(verdicts.at(-1)).toEqual({ ok: false, reason: 'too_large', announced: 1001, limit: 1000, phase: 'after_connect' });
  });

  it('stays refused once it refused', () => {
    const guard = new PacketSizeGuard(limits);
    const first = guard.feed(Uint8Array.from(header(CONNECT, 5000)));
    expect(guard.feed(Uint8Array.from([PINGREQ, 0]))).toBe(first);
  });

  it.each([
    ['CONNECT', { cmd: 'connect', clientId: 'tongmen-tap-wq-1', username: 'tongmen-tap-wq', password: Buffer.from('p'.repeat(60)) }],
    ['PUBLISH, one-byte length', { cmd: 'publish', topic: 'water/tongmen-tap/tongmen-tap-wq/telemetry', payload: Buffer.alloc(40), qos: 1, messageId: 7 }],
    ['PUBLISH, two-byte length', { cmd: 'publish', topic: 'water/tongmen-tap/tongmen-tap-wq/telemetry', payload: Buffer.alloc(900), qos: 1, messageId: 7 }],
    ['PUBLISH, three-byte length', { cmd: 'publish', topic: 'water/tongmen-tap/tongmen-tap-wq/telemetry', payload: Buffer.alloc(70_000), qos: 0 }],
  ] as const)('announces what mqtt-packet writes: %s', (_name, fields) => {
    const bytes = mqttPacket.generate(fields as mqttPacket.Packet);
    const exact = new PacketSizeGuard({ maxConnectPacketBytes: bytes.length, maxPacketBytes: bytes.length });
    expect(exact.feed(bytes)).toEqual({ ok: true });
    const under = new PacketSizeGuard({ maxConnectPacketBytes: bytes.length - 1, maxPacketBytes: bytes.length - 1 });
    expect(under.feed(bytes)).toMatchObject({ ok: false, reason: 'too_large', announced: bytes.length });
  });
});
