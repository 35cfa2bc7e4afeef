/**
 * The topic grammar of the wire contract (README.md, "Wire contract in one glance"):
 *   water/{site}/{device}/telemetry   readings (JSON, see message.ts)
 *   water/{site}/{device}/status      retained "online" / "offline"; the device's last will
 * Ids match ID_PATTERN.
 */

export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const TOPIC_ROOT = 'water';

export const channels = ['telemetry', 'status'] as const;
export type Channel = (typeof channels)[number];

export interface DeviceTopic {
  readonly site: string;
  readonly device: string;
  readonly channel: Channel;
}

export type TopicParse = { ok: true; topic: DeviceTopic } | { ok: false; detail: string };

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export function telemetryTopic(site: string, device: string): string {
  return `${TOPIC_ROOT}/${site}/${device}/telemetry`;
}

export function statusTopic(site: string, device: string): string {
  return `${TOPIC_ROOT}/${site}/${device}/status`;
}

/** The subtree a device owns: `water/{site}/{device}/`. */
export function deviceSubtree(site: string, device: string): string {
  return `${TOPIC_ROOT}/${site}/${device}/`;
}

/** Parses a concrete (wildcard-free) topic. Pure. */
export function parseTopic(topic: string): TopicParse {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== TOPIC_ROOT) {
    return { ok: false, detail: `topic "${clip(topic)}" is not water/{site}/{device}/{telemetry|status}` };
  }
  const [, site = '', device = '', channel = ''] = parts;
  if (!isId(site)) return { ok: false, detail: `site id "${clip(site)}" does not match ${ID_PATTERN}` };
  if (!isId(device)) return { ok: false, detail: `device id "${clip(device)}" does not match ${ID_PATTERN}` };
  if (!(channels as readonly string[]).includes(channel)) {
    return { ok: false, detail: `channel "${clip(channel)}" is not one of ${channels.join(', ')}` };
  }
  return { ok: true, topic: { site, device, channel: channel as Channel } };
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
