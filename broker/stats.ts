/**
 * The broker's counters, read by the app's /metrics at scrape time. Counters only grow; `connected`,
 * `sockets` and `publishesHeld` are gauges.
 */
import type { GateRefusal } from './connection-gate.ts';
import type { PacketPhase } from './packet-size-guard.ts';

/** Why a publish was refused; all but `rate_limited` are bad input and go to `onRefused` (dead letters). */
export type RefusalReason = 'acl_denied' | 'oversize' | 'topic_too_deep';
export type PublishRefusal = RefusalReason | 'rate_limited';
export type SubscriptionRefusal = 'acl_denied' | 'too_many' | 'topic_too_deep';
/** Why a socket or a login was refused by a connection limit. */
export type ConnectionRefusal = GateRefusal | 'max_connections_per_device' | 'client_id_taken';

export interface BrokerStats {
  /** MQTT sessions (logged-in clients) now. */
  connected: number;
  /** Open sockets on all listeners now, logged in or not (maxConnections counts these). */
  sockets: number;
  /**
   * Sockets closed at accept (max_connections, max_connections_per_address), logins answered
   * CONNACK 3 (max_connections_per_device) and CONNACK 2 (client_id_taken: the client id belongs
   * to another device or observer).
   */
  connectionsRefused: Record<ConnectionRefusal, number>;
  /** Sockets closed because they had not sent a whole CONNECT within connectTimeoutMs. */
  connectTimeouts: number;
  /** Logged-in clients closed for sending nothing within 1.5 × their keep-alive [MQTT-3.1.2-24]. */
  keepaliveTimeouts: number;
  /** Logged-in clients closed on an error of their connection (reset, write after close, bad packet), by its code or message. */
  clientErrors: Record<string, number>;
  /** Connections closed for announcing a packet over the limit of their phase (maxConnectPacketBytes before the login, maxPacketBytes after). */
  packetsTooLarge: Record<PacketPhase, number>;
  /** Connections closed for a Remaining Length longer than four bytes (MQTT 3.1.1 §2.2.3). */
  packetLengthsMalformed: number;
  /** A device's older connection closed for its newer one (onDeviceConnectionLimit: take_over). */
  connectionsTakenOver: number;
  /** Logins refused after a password check (unknown user, wrong password, no credentials). */
  loginsRefused: number;
  /** Logins refused during a lockout, without a password check (CONNACK 3). */
  loginsThrottled: number;
  /** Logins whose password the credential cache verified (no scrypt). */
  loginsCached: number;
  /** Logins refused because the password-check queue was full, before any hashing (CONNACK 3). */
  loginsBusy: number;
  /** Password checks (scrypt) running and waiting now (gauges). */
  passwordChecksRunning: number;
  passwordChecksQueued: number;
  /** Lockouts started, by the key that tripped. */
  loginLockouts: Record<'address' | 'username', number>;
  /** Failed TLS handshakes (client does not trust our certificate, has none when one is required, speaks plain MQTT…). */
  tlsHandshakeFailures: number;
  publishesRefused: Record<PublishRefusal, number>;
  /** Publishes held back by the rate limit, and the time they were held in total. */
  publishesDelayed: number;
  publishDelayMs: number;
  /** Publishes held back right now. */
  publishesHeld: number;
  /** Retained publishes (wills included) passed on unretained: only a device's own status topic is retained. */
  retainFlagsCleared: number;
  /** Messages not forwarded to a client because its principal may not read their topic (a safety net: subscriptions are checked already). */
  forwardsRefused: number;
  /** Subscriptions answered SUBACK 0x80, all reasons together, and by reason. */
  subscriptionsRefused: number;
  subscriptionsRefusedByReason: Record<SubscriptionRefusal, number>;
}

export function emptyStats(): BrokerStats {
  return {
    connected: 0,
    sockets: 0,
    connectionsRefused: { max_connections: 0, max_connections_per_address: 0, max_connections_per_device: 0, client_id_taken: 0 },
    connectTimeouts: 0,
    keepaliveTimeouts: 0,
    clientErrors: {},
    packetsTooLarge: { before_connect: 0, after_connect: 0 },
    packetLengthsMalformed: 0,
    connectionsTakenOver: 0,
    loginsRefused: 0,
    loginsThrottled: 0,
    loginsCached: 0,
    loginsBusy: 0,
    passwordChecksRunning: 0,
    passwordChecksQueued: 0,
    loginLockouts: { address: 0, username: 0 },
    tlsHandshakeFailures: 0,
    publishesRefused: { acl_denied: 0, oversize: 0, topic_too_deep: 0, rate_limited: 0 },
    publishesDelayed: 0,
    publishDelayMs: 0,
    publishesHeld: 0,
    retainFlagsCleared: 0,
    forwardsRefused: 0,
    subscriptionsRefused: 0,
    subscriptionsRefusedByReason: { acl_denied: 0, too_many: 0, topic_too_deep: 0 },
  };
}
