/**
 * Connection and subscription limits, pure. The broker's hooks ask these; they decide nothing
 * themselves.
 */
import { z } from 'zod';

export const limitsShape = {
  maxConnections: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('Open sockets on all listeners together, logged in or not; one more is closed as soon as it is accepted (mind the process file limit, ulimit -n)'),
  maxConnectionsPerAddress: z
    .number()
    .int()
    .positive()
    .default(1000)
    .describe(
      'Open sockets from one remote address on all listeners together (an IPv6 /64 counts as one), logged in or not; one more is closed as soon as it is accepted. High, because carrier-grade NAT (RFC 6888) and private-APN gateways put many cellular devices behind one public address: 1000 lets that many share one, while a single host can hold at most a tenth of the default maxConnections. Raise it when more devices share an address',
    ),
  maxConnectionsPerDevice: z
    .number()
    .int()
    .positive()
    .default(1)
    .describe('Connections one device may hold at once with different client ids (the same client id always takes over [MQTT-3.1.4-2])'),
  onDeviceConnectionLimit: z
    .enum(['take_over', 'refuse'])
    .default('take_over')
    .describe(
      'A device over maxConnectionsPerDevice: take_over closes its oldest connection (a rebooted device with a fresh client id gets in at once), refuse answers the new one CONNACK 3',
    ),
  maxSubscriptionsPerClient: z.number().int().positive().default(16).describe('Topic filters one connection may hold; more are refused with SUBACK 0x80'),
  maxTopicLevels: z.number().int().min(4).max(100).default(8).describe('Deepest topic accepted, in levels; a deeper PUBLISH disconnects, a deeper SUBSCRIBE filter gets SUBACK 0x80'),
};

/** Levels of a topic or filter, as Aedes and its router count them (`a/b/` has 3). */
export function topicLevels(topic: string): number {
  let levels = 1;
  for (let i = 0; i < topic.length; i += 1) if (topic.charCodeAt(i) === 0x2f) levels += 1;
  return levels;
}

export type DeviceConnectionVerdict = { ok: true; takeOver: readonly string[] } | { ok: false };

/**
 * May a device that just proved its password open one more connection? `connected` are the client
 * ids it holds now, oldest first. A connection with one of those client ids replaces it, so it
 * does not count [MQTT-3.1.4-2]; Aedes closes the old one itself.
 */
export function admitDeviceConnection(
  connected: readonly string[],
  clientId: string,
  limit: { maxConnectionsPerDevice: number; onDeviceConnectionLimit: 'take_over' | 'refuse' },
): DeviceConnectionVerdict {
  const others = connected.filter((id) => id !== clientId);
  const excess = others.length + 1 - limit.maxConnectionsPerDevice;
  if (excess <= 0) return { ok: true, takeOver: [] };
  if (limit.onDeviceConnectionLimit === 'refuse') return { ok: false };
  return { ok: true, takeOver: others.slice(0, excess) };
}

export type SubscriptionVerdict = { ok: true } | { ok: false; reason: 'too_many' | 'topic_too_deep'; detail: string };

/** May a connection holding the filters `held` subscribe to `filter`? Re-subscribing replaces, so it is free. */
export function admitSubscription(held: ReadonlySet<string>, filter: string, limit: { maxSubscriptionsPerClient: number; maxTopicLevels: number }): SubscriptionVerdict {
  const levels = topicLevels(filter);
  if (levels > limit.maxTopicLevels) return { ok: false, reason: 'topic_too_deep', detail: `filter has ${levels} levels, limit ${limit.maxTopicLevels}` };
  if (!held.has(filter) && held.size >= limit.maxSubscriptionsPerClient) {
    return { ok: false, reason: 'too_many', detail: `already ${held.size} subscriptions, limit ${limit.maxSubscriptionsPerClient}` };
  }
  return { ok: true };
}
