/**
 * Who is behind each connection, and which connections each device holds. Adapter state for the
 * broker's hooks; the decisions live in acl.ts and limits.ts.
 */
import type { Client } from 'aedes';
import type { Principal } from './acl.ts';

export interface Session {
  readonly principal: Principal;
  /** Topic filters this connection holds (maxSubscriptionsPerClient). */
  readonly subscriptions: Set<string>;
}

export class Sessions {
  private readonly byClient = new WeakMap<Client, Session>();
  /** A device's live connections, oldest first. */
  private readonly byDevice = new Map<string, Client[]>();

  get(client: Client): Session | undefined {
    return this.byClient.get(client);
  }

  /** Connections the device holds now, oldest first. */
  ofDevice(deviceId: string): readonly Client[] {
    return this.byDevice.get(deviceId) ?? [];
  }

  /** Records a logged-in connection until its socket closes. */
  open(client: Client, principal: Principal): Session {
    const session: Session = { principal, subscriptions: new Set() };
    this.byClient.set(client, session);
    if (principal.kind === 'device') {
      const { deviceId } = principal;
      this.byDevice.set(deviceId, [...this.ofDevice(deviceId), client]);
      client.conn.once('close', () => {
        const rest = this.ofDevice(deviceId).filter((c) => c !== client);
        if (rest.length > 0) this.byDevice.set(deviceId, rest);
        else this.byDevice.delete(deviceId);
      });
    }
    return session;
  }
}
