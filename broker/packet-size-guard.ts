/**
 * Reads the size every MQTT packet announces, pure, as the bytes of a connection arrive, so that
 * a connection announcing a packet over the limit is closed before that packet is buffered.
 * mqtt-packet (under Aedes) only parses a packet once all of it arrived and has no cap of its
 * own: a CONNECT announcing 256 MiB would otherwise be held in memory until it is complete.
 *
 * The fixed header is one byte of packet type and flags, then the Remaining Length: a variable
 * byte integer of one to four bytes, 7 bits each, least significant first, the high bit saying
 * another byte follows (MQTT 3.1.1 §2.2.3). "The maximum number of bytes in the Remaining Length
 * field is four": a fourth byte with the continuation bit set is malformed.
 *
 * A packet's size is counted whole, fixed header included (as MQTT 5.0 §3.1.2.11.4 counts its
 * Maximum Packet Size). Chunks may split a header anywhere and hold several packets.
 */
import { z } from 'zod';
import { MAX_PAYLOAD_BYTES } from '../network/message.ts';

const KIB = 1024;

export const packetLimitsShape = {
  maxConnectPacketBytes: z
    .number()
    .int()
    .min(256)
    .default(8 * KIB)
    .describe(
      'Largest packet before the login succeeded (the CONNECT: client id, user name, password, will), bytes, fixed header included; a socket announcing more is closed at once. 8 KiB: a device CONNECT is a few hundred bytes',
    ),
  maxPacketBytes: z
    .number()
    .int()
    .min(MAX_PAYLOAD_BYTES + KIB)
    .default(MAX_PAYLOAD_BYTES + 8 * KIB)
    .describe(
      'Largest packet after login, bytes, fixed header included; a connection announcing more is closed at once, before the packet is buffered. 72 KiB: a 64 KiB payload (the wire contract) with its topic and headers, and room so that a payload a little over 64 KiB is acknowledged and dead-lettered rather than resent on every reconnect. Also the largest WebSocket message',
    ),
};

export type PacketPhase = 'before_connect' | 'after_connect';

export interface PacketSizeLimits {
  /** Largest packet before the login succeeded: the CONNECT (client id, user name, password, will). */
  readonly maxConnectPacketBytes: number;
  /** Largest packet after it. */
  readonly maxPacketBytes: number;
}

export type PacketSizeVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'too_large'; readonly announced: number; readonly limit: number; readonly phase: PacketPhase }
  | { readonly ok: false; readonly reason: 'malformed_length'; readonly phase: PacketPhase };

export type PacketSizeRefusal = Exclude<PacketSizeVerdict, { ok: true }>;

const OK: PacketSizeVerdict = { ok: true };
/** [MQTT 3.1.1 §2.2.3] at most four bytes of Remaining Length. */
const MAX_LENGTH_BYTES = 4;

export class PacketSizeGuard {
  private phase: PacketPhase = 'before_connect';
  /** Body bytes of the current packet still to come; its header was judged already. */
  private bodyLeft = 0;
  /** Inside a fixed header: the type byte was read, `lengthBytes` bytes of the length so far. */
  private inHeader = false;
  private lengthBytes = 0;
  private length = 0;
  private verdict: PacketSizeVerdict = OK;

  constructor(private readonly limits: PacketSizeLimits) {}

  /** The login succeeded: packets from now on may be as large as `maxPacketBytes`. */
  loggedIn(): void {
    this.phase = 'after_connect';
  }

  /** Judges the packets whose headers this chunk completes; once refused, it stays refused. */
  feed(chunk: Uint8Array): PacketSizeVerdict {
    let at = 0;
    while (this.verdict.ok && at < chunk.length) {
      if (this.bodyLeft > 0) {
        const skipped = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= skipped;
        at += skipped;
      } else if (!this.inHeader) {
        this.inHeader = true; // the type and flags byte; mqtt-packet checks the flags
        this.lengthBytes = 0;
        this.length = 0;
        at += 1;
      } else {
        this.lengthByte(chunk[at] ?? 0);
        at += 1;
      }
    }
    return this.verdict;
  }

  private lengthByte(byte: number): void {
    this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
    this.lengthBytes += 1;
    if ((byte & 0x80) !== 0) {
      if (this.lengthBytes === MAX_LENGTH_BYTES) this.verdict = { ok: false, reason: 'malformed_length', phase: this.phase };
      return;
    }
    this.inHeader = false;
    const announced = 1 + this.lengthBytes + this.length;
    const limit = this.phase === 'before_connect' ? this.limits.maxConnectPacketBytes : this.limits.maxPacketBytes;
    if (announced > limit) this.verdict = { ok: false, reason: 'too_large', announced, limit, phase: this.phase };
    else this.bodyLeft = this.length;
  }
}
