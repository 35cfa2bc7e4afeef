/**
 * Seeded mutations of telemetry payloads and topics for the fuzz test: byte flips, truncation,
 * splices of junk, wrong types, odd numbers, deep nesting, random metric names and units.
 */
import type { Random } from '../../simulators/random.ts';

const JUNK = ['', 'null', 'NaN', '-', '1e999', '"', '{', '}', '[', ']', ',', ':', '\\u0000', '\u{1F4A7}', 'true', '[]', '{}', '0x1F'];
const METRICS = ['turbidity', 'free_chlorine', 'ph', 'temperature', 'pressure', 'sparkle', '', '__proto__', 'constructor', 'turbidity '.repeat(10)];
const UNITS = ['NTU', 'FNU', 'mg/L', 'kPa', 'furlongs', '', 'µS/cm', 'ppm'];

export function mutatePayload(random: Random, now: number): Buffer {
  const valid = JSON.stringify({ ts: now - 1000, seq: random.int(0, 1e6), readings: { turbidity: 0.2, ph: 7.2 } });
  switch (random.int(0, 11)) {
    case 0: // flip bytes
      return Buffer.from(Buffer.from(valid).map((b) => (random.next() < 0.05 ? random.int(0, 255) : b)));
    case 1: // truncate
      return Buffer.from(valid.slice(0, random.int(0, valid.length)));
    case 2: // splice junk
      return Buffer.from(valid.slice(0, random.int(0, valid.length)) + pick(random, JUNK) + valid.slice(random.int(0, valid.length)));
    case 3: // random bytes
      return Buffer.from(Array.from({ length: random.int(0, 300) }, () => random.int(0, 255)));
    case 4: // wrong types
      return Buffer.from(JSON.stringify({ ts: pick(random, [now, String(now), null, [], {}, -1, 1e20, 'now']), readings: { turbidity: pick(random, [0.2, '0.2', null, [], {}, true, -5, 1e308]) } }));
    case 5: // random metrics and units
      return Buffer.from(JSON.stringify({ ts: now - random.int(0, 600_000), readings: { [pick(random, METRICS)]: { value: random.next() * 10, unit: pick(random, UNITS) } } }));
    case 6: // deep nesting
      return Buffer.from('['.repeat(random.int(1, 5000)) + ']'.repeat(random.int(0, 5000)));
    case 7: // timestamps far off
      return Buffer.from(JSON.stringify({ ts: now + pick(random, [-1e13, -86_400_000 * 400, 600_000, 86_400_000 * 365]), readings: { turbidity: 0.2 } }));
    case 8: // batches of mixed samples
      return Buffer.from(JSON.stringify({ samples: Array.from({ length: random.int(0, 50) }, (_, i) => ({ ts: now - i * 1000 + pick(random, [0, 1e9]), readings: { ph: pick(random, [7.1, 15, '7', null]) } })) }));
    case 9: // many readings
      return Buffer.from(JSON.stringify({ ts: now - 1000, readings: Object.fromEntries(Array.from({ length: random.int(0, 2000) }, (_, i) => [`m${i}`, i])) }));
    case 10: // valid
      return Buffer.from(valid);
    default: // unicode noise
      return Buffer.from(Array.from({ length: random.int(0, 100) }, () => String.fromCodePoint(random.int(0, 0x10ffff) & 0xd7ff)).join(''));
  }
}

/** Mostly the device's own telemetry topic, sometimes its own subtree with odd channels. */
export function mutateTopic(random: Random, site: string, device: string): string {
  const own = `water/${site}/${device}`;
  const roll = random.next();
  if (roll < 0.9) return `${own}/telemetry`;
  if (roll < 0.95) return `${own}/status`;
  if (roll < 0.97) return pick(random, [`water/other-site/other-device/telemetry`, `${own}/`, '$SYS/fake', `${own}/a/b/c/d/e/f`]); // refused by the broker
  return `${own}/${pick(random, ['commands', 'telemetry/extra', 'Telemetry', 'x'.repeat(200)])}`;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[random.int(0, items.length - 1)]!;
}
