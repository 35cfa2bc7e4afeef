/**
 * Which principal owns each client id. MQTT lets a new connection with a client id take the
 * session of the connection that holds it [MQTT-3.1.4-2], and a session kept with CleanSession 0
 * holds its subscriptions and the messages queued for them [MQTT-3.1.2-4]. Aedes does so for
 * anyone who logs in, so one device's password would be enough to disconnect another device (its
 * last will then says `offline`) or to read its queued messages. Here a client id belongs to the
 * principal that holds it: another principal asking for it is refused at CONNECT, the owner
 * itself takes over as MQTT says.
 *
 * An id is held while a connection with it is open, and afterwards while the session it left is
 * kept (CleanSession 0): the session, and with it the binding, end when the owner connects with
 * CleanSession 1 and that connection ends [MQTT-3.1.2-6], or when the process stops (Aedes keeps
 * sessions in memory). So the table holds the open connections plus the kept sessions, the
 * same sessions Aedes itself keeps.
 */

/** Who logged in, as a key: `device:{id}` or `observer:{name}`. */
export type Owner = string;

interface Binding {
  readonly owner: Owner;
  /** Open connections with this id (two for a moment during a takeover). */
  readonly live: number;
  /** The latest connection asked to keep its session (CleanSession 0). */
  readonly persistent: boolean;
}

export class ClientIdOwners {
  private readonly bindings = new Map<string, Binding>();

  /** The owner of `clientId` when it is not `owner`: that principal's connection must be refused. */
  heldByOther(clientId: string, owner: Owner): Owner | undefined {
    const held = this.bindings.get(clientId)?.owner;
    return held !== undefined && held !== owner ? held : undefined;
  }

  /** A connection of `owner` with `clientId` was accepted (`heldByOther` said nothing against it). */
  claim(clientId: string, owner: Owner, persistent: boolean): void {
    const held = this.bindings.get(clientId);
    this.bindings.set(clientId, { owner, live: (held?.owner === owner ? held.live : 0) + 1, persistent });
  }

  /** That connection ended; the id stays bound while its session is kept. */
  release(clientId: string, owner: Owner): void {
    const held = this.bindings.get(clientId);
    if (held?.owner !== owner) return;
    const live = Math.max(0, held.live - 1);
    if (live === 0 && !held.persistent) this.bindings.delete(clientId);
    else this.bindings.set(clientId, { ...held, live });
  }

  /** Client ids bound now. */
  get size(): number {
    return this.bindings.size;
  }
}

/** The owner key of a principal. */
export function ownerOf(principal: { readonly kind: 'device'; readonly deviceId: string } | { readonly kind: 'observer'; readonly username: string }): Owner {
  return principal.kind === 'device' ? `device:${principal.deviceId}` : `observer:${principal.username}`;
}
