/**
 * Topic access control, pure. The wire contract (README.md, "Wire contract in one glance";
 * broker/README.md, "Policy"):
 * - a device publishes only under its own `water/{site}/{device}/…` and subscribes to nothing but
 *   its own subtree;
 * - `$SYS/…` is the broker's: nobody publishes there [MQTT-4.7.2-1 reserves `$` topics for the
 *   server]; observers (dashboards, an external ingest) may read it;
 * - the broker retains a device's status topic only (retained `online` / `offline`, its last will).
 */
import { deviceSubtree, statusTopic } from '../network/topic.ts';

export type Principal =
  | { readonly kind: 'device'; readonly deviceId: string; readonly siteId: string }
  | { readonly kind: 'observer'; readonly username: string };

export type Verdict = { ok: true } | { ok: false; reason: string };

const allowed: Verdict = { ok: true };
const denied = (reason: string): Verdict => ({ ok: false, reason });

export function canPublish(principal: Principal, topic: string): Verdict {
  if (topic.startsWith('$')) return denied(`$-topics are read-only (${topic.slice(0, 40)})`);
  if (principal.kind === 'observer') return denied(`observer ${principal.username} may not publish`);
  const own = deviceSubtree(principal.siteId, principal.deviceId);
  if (!topic.startsWith(own) || topic.length === own.length) {
    return denied(`device ${principal.deviceId} may publish only under ${own}`);
  }
  return allowed;
}

/** `filter` may hold wildcards; a device's filter must stay inside its subtree. */
export function canSubscribe(principal: Principal, filter: string): Verdict {
  // A filter inside the subtree starts with the literal prefix; wildcards only after it.
  return readable(principal, filter, 'subscribe');
}

/**
 * May a message on `topic` be forwarded to `principal`? The subscription rule, applied again to
 * every message on its way out (live, queued for a kept session, or retained), so that a session
 * or a subscription that is not the principal's own delivers nothing.
 */
export function canReceive(principal: Principal, topic: string): Verdict {
  return readable(principal, topic, 'receive');
}

/** Is a retained publish of `principal` on `topic` kept? Only a device's own status topic; anything else is passed on unretained. */
export function mayRetain(principal: Principal, topic: string): boolean {
  return principal.kind === 'device' && topic === statusTopic(principal.siteId, principal.deviceId);
}

function readable(principal: Principal, topicOrFilter: string, what: 'subscribe' | 'receive'): Verdict {
  if (topicOrFilter.startsWith('$clearwater/')) return denied(`the broker's quarantine is not for subscribers`);
  if (principal.kind === 'observer') return allowed;
  const own = deviceSubtree(principal.siteId, principal.deviceId);
  if (!topicOrFilter.startsWith(own) || topicOrFilter.length === own.length) {
    return denied(`device ${principal.deviceId} may ${what} only under ${own}`);
  }
  return allowed;
}
