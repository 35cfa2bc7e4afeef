/**
 * The adapter around PacketSizeGuard: one guard per connection, fed every chunk Aedes reads from
 * it; a packet announcing more than its phase allows closes the connection there and then.
 *
 * Aedes reads with `conn.on('readable')` and `conn.read(null)`. A Node stream emits 'data' for
 * every chunk read() hands out, just before read() returns it, and a 'data' listener added after
 * a 'readable' one leaves the stream paused. So the guard sees each chunk right before the MQTT
 * parser does, and nothing Aedes has not asked for: back-pressure is unchanged. This holds for
 * every stream Aedes is handed (TCP and TLS sockets, the WebSocket stream).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PacketSizeGuard, type PacketSizeLimits, type PacketSizeRefusal } from './packet-size-guard.ts';

export interface RefusedConnection {
  readonly refusal: PacketSizeRefusal;
  readonly stream: Duplex;
  readonly request: IncomingMessage | undefined;
  /** Who had logged in on it, if anyone. */
  readonly loggedInAs: string | undefined;
}

interface Watched {
  readonly guard: PacketSizeGuard;
  loggedInAs?: string;
}

export class PacketSizeWatch {
  private readonly watched = new WeakMap<Duplex, Watched>();

  constructor(private readonly limits: PacketSizeLimits, private readonly onRefused: (refused: RefusedConnection) => void) {}

  /** Call right after `aedes.handle(stream)`, so that Aedes's 'readable' listener comes first (see above). */
  watch(stream: Duplex, request?: IncomingMessage): void {
    const watched: Watched = { guard: new PacketSizeGuard(this.limits) };
    this.watched.set(stream, watched);
    const onChunk = (chunk: Buffer | string) => {
      const verdict = watched.guard.feed(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (verdict.ok) return;
      stream.off('data', onChunk); // once per connection
      stream.destroy();
      this.onRefused({ refusal: verdict, stream, request, loggedInAs: watched.loggedInAs });
    };
    stream.on('data', onChunk);
  }

  /** The login on `stream` succeeded: its packets may be as large as maxPacketBytes from now on. */
  loggedIn(stream: Duplex, who: string): void {
    const watched = this.watched.get(stream);
    if (!watched) return;
    watched.guard.loggedIn();
    watched.loggedInAs = who;
  }
}
