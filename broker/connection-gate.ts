/**
 * The gate every listener's sockets pass as they are accepted: a cap on the open sockets of the
 * whole broker, and one on those from a single address (an IPv6 /64 counts as one, as in the
 * login throttle), so one host cannot take every slot. Over either cap the socket is closed at
 * once, before a TLS handshake or a CONNECT costs anything.
 *
 * Behind a reverse proxy every socket comes from the proxy: that listener's sockets are admitted
 * without an address (`admitFromProxy`), and the address the proxy forwarded is claimed once the
 * request is read (`claimAddress`).
 */
import type { Socket } from 'node:net';
import { addressKey } from './login-throttle.ts';

export interface GateLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

export type GateRefusal = 'max_connections' | 'max_connections_per_address';

export type GateEvent =
  | { readonly kind: 'open' }
  | { readonly kind: 'close' }
  /** `first`: the first refusal since this address reached its limit (log it; count the rest). */
  | { readonly kind: 'refused'; readonly reason: GateRefusal; readonly address: string | undefined; readonly first: boolean };

/** May one more socket open, with `open` sockets in all and `fromAddress` from its address? Pure. */
export function admitSocket(open: number, fromAddress: number, limits: GateLimits): GateRefusal | undefined {
  if (open >= limits.maxConnections) return 'max_connections';
  if (fromAddress >= limits.maxConnectionsPerAddress) return 'max_connections_per_address';
  return undefined;
}

export class ConnectionGate {
  /** Each open socket, and the address key it counts against (none: not attributed yet). */
  private readonly sockets = new Map<Socket, string | undefined>();
  /** Open sockets per address key; keys leave with their last socket, so bounded by `sockets`. */
  private readonly perAddress = new Map<string, number>();
  /** Addresses refused since they reached their limit and logged once; they leave when one closes. */
  private readonly full = new Set<string>();
  private readonly drained: (() => void)[] = [];

  constructor(private readonly limits: GateLimits, private readonly onEvent: (event: GateEvent) => void = () => {}) {}

  get open(): number {
    return this.sockets.size;
  }

  /** Registered as the first 'connection' listener of every server whose sockets come from their clients. */
  readonly admit = (socket: Socket): void => {
    const key = socket.remoteAddress === undefined ? undefined : addressKey(socket.remoteAddress);
    const refusal = admitSocket(this.sockets.size, key === undefined ? 0 : (this.perAddress.get(key) ?? 0), this.limits);
    if (refusal) return this.refuse(socket, refusal, key);
    this.track(socket, key);
  };

  /** For a listener behind a reverse proxy: the total cap now, the address once `claimAddress` names it. */
  readonly admitFromProxy = (socket: Socket): void => {
    const refusal = admitSocket(this.sockets.size, 0, this.limits);
    if (refusal) return this.refuse(socket, refusal, undefined);
    this.track(socket, undefined);
  };

  /** Counts a socket admitted by `admitFromProxy` against the client address the proxy forwarded; false: over its limit (close it). */
  claimAddress(socket: Socket, address: string | undefined): boolean {
    if (address === undefined || !this.sockets.has(socket) || this.sockets.get(socket) !== undefined) return true;
    const key = addressKey(address);
    if (admitSocket(0, this.perAddress.get(key) ?? 0, this.limits)) {
      this.refused('max_connections_per_address', key);
      return false;
    }
    this.sockets.set(socket, key);
    this.perAddress.set(key, (this.perAddress.get(key) ?? 0) + 1);
    return true;
  }

  /** Closes every socket still open, e.g. those that never sent CONNECT, on stop; resolves when all are closed. */
  destroyAll(): Promise<void> {
    const gone = new Promise<void>((resolve) => (this.sockets.size === 0 ? resolve() : this.drained.push(resolve)));
    for (const socket of this.sockets.keys()) socket.destroy();
    return gone;
  }

  private track(socket: Socket, key: string | undefined): void {
    this.sockets.set(socket, key);
    if (key !== undefined) this.perAddress.set(key, (this.perAddress.get(key) ?? 0) + 1);
    this.onEvent({ kind: 'open' });
    socket.once('close', () => this.untrack(socket));
  }

  private untrack(socket: Socket): void {
    const key = this.sockets.get(socket);
    this.sockets.delete(socket);
    if (key !== undefined) {
      const left = (this.perAddress.get(key) ?? 1) - 1;
      if (left > 0) this.perAddress.set(key, left);
      else this.perAddress.delete(key);
      this.full.delete(key);
    }
    this.onEvent({ kind: 'close' });
    if (this.sockets.size === 0) for (const resolve of this.drained.splice(0)) resolve();
  }

  private refuse(socket: Socket, reason: GateRefusal, key: string | undefined): void {
    this.refused(reason, key);
    socket.destroy();
  }

  private refused(reason: GateRefusal, key: string | undefined): void {
    const first = reason === 'max_connections_per_address' && key !== undefined && !this.full.has(key);
    if (first) this.full.add(key);
    this.onEvent({ kind: 'refused', reason, address: key, first });
  }
}
