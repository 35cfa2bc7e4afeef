/**
 * Malformed telemetry, one entry per kind of mistake seen from field devices. Shared by the
 * decoder's table test (ingest/decode.test.ts) and the end-to-end bad-input test, which sends
 * them over MQTT to the real broker and InfluxDB (test/bad-input.test.ts).
 *
 * Every case is published by `DEVICE` (a Tongmen tap water-quality station declaring turbidity,
 * free_chlorine, ph, temperature, color and iron) on its own telemetry topic unless `topic` says
 * otherwise; `good` is how many readings of the message must still land.
 */
export const DEVICE = { id: 'tongmen-tap-wq', site: 'tongmen-tap' } as const;
export const OWN_TOPIC = `water/${DEVICE.site}/${DEVICE.id}/telemetry`;

export interface MalformedCase {
  readonly name: string;
  readonly payload: (now: number) => string | Buffer;
  readonly topic?: string;
  /** Rejection reasons expected, one per rejected reading or message, sorted. */
  readonly reasons: readonly string[];
  readonly good: number;
}

const json = (value: unknown) => JSON.stringify(value);
const one = (now: number, readings: Record<string, unknown>) => json({ ts: now - 1000, readings });

export const malformedCases: readonly MalformedCase[] = [
  { name: 'truncated JSON', payload: (now) => one(now, { turbidity: 0.2 }).slice(0, 20), reasons: ['invalid_json'], good: 0 },
  { name: 'not JSON at all', payload: () => 'turbidity=0.2', reasons: ['invalid_json'], good: 0 },
  { name: 'empty payload', payload: () => '', reasons: ['invalid_json'], good: 0 },
  { name: 'invalid UTF-8 bytes', payload: () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), reasons: ['invalid_utf8'], good: 0 },
  { name: 'JSON array', payload: () => '[0.2, 7.1]', reasons: ['invalid_envelope'], good: 0 },
  { name: 'JSON null', payload: () => 'null', reasons: ['invalid_envelope'], good: 0 },
  { name: 'bare number', payload: () => '0.2', reasons: ['invalid_envelope'], good: 0 },
  { name: 'no readings', payload: (now) => json({ ts: now }), reasons: ['invalid_envelope'], good: 0 },
  { name: 'readings is an array', payload: (now) => json({ ts: now, readings: [0.2] }), reasons: ['invalid_envelope'], good: 0 },
  { name: 'negative seq', payload: (now) => json({ ts: now, seq: -1, readings: { turbidity: 0.2 } }), reasons: ['invalid_envelope'], good: 0 },
  { name: 'seq as string', payload: (now) => json({ ts: now, seq: '7', readings: { turbidity: 0.2 } }), reasons: ['invalid_envelope'], good: 0 },
  { name: 'empty samples batch', payload: () => json({ samples: [] }), reasons: ['invalid_envelope'], good: 0 },
  { name: 'no ts', payload: () => json({ readings: { turbidity: 0.2 } }), reasons: ['invalid_timestamp'], good: 0 },
  { name: 'ts in words', payload: () => json({ ts: 'yesterday', readings: { turbidity: 0.2 } }), reasons: ['invalid_timestamp'], good: 0 },
  { name: 'ts without zone', payload: () => json({ ts: '2026-11-28T10:00:00', readings: { turbidity: 0.2 } }), reasons: ['invalid_timestamp'], good: 0 },
  { name: 'negative ts', payload: () => json({ ts: -5, readings: { turbidity: 0.2 } }), reasons: ['invalid_timestamp'], good: 0 },
  { name: 'fractional ts', payload: (now) => json({ ts: now + 0.5, readings: { turbidity: 0.2 } }), reasons: ['invalid_timestamp'], good: 0 },
  { name: 'ts in seconds (1970)', payload: (now) => json({ ts: Math.floor(now / 1000), readings: { turbidity: 0.2 } }), reasons: ['ancient_timestamp'], good: 0 },
  { name: 'future ts', payload: (now) => json({ ts: now + 10 * 60_000, readings: { turbidity: 0.2 } }), reasons: ['future_timestamp'], good: 0 },
  { name: 'ancient RFC 3339 ts', payload: () => json({ ts: '1999-12-31T23:59:59Z', readings: { turbidity: 0.2 } }), reasons: ['ancient_timestamp'], good: 0 },
  { name: 'empty readings', payload: (now) => one(now, {}), reasons: ['empty_readings'], good: 0 },
  { name: 'unknown metric', payload: (now) => one(now, { sparkle: 1 }), reasons: ['unknown_metric'], good: 0 },
  { name: '__proto__ as a metric', payload: (now) => `{"ts":${now},"readings":{"__proto__":1}}`, reasons: ['unknown_metric'], good: 0 },
  { name: 'metric the device does not declare', payload: (now) => one(now, { pressure: 300 }), reasons: ['undeclared_metric'], good: 0 },
  { name: 'number as a string', payload: (now) => one(now, { turbidity: '0.2' }), reasons: ['invalid_value'], good: 0 },
  { name: 'NaN as a string', payload: (now) => one(now, { turbidity: 'NaN' }), reasons: ['invalid_value'], good: 0 },
  { name: 'null reading', payload: (now) => one(now, { turbidity: null }), reasons: ['invalid_value'], good: 0 },
  { name: 'boolean reading', payload: (now) => one(now, { turbidity: true }), reasons: ['invalid_value'], good: 0 },
  { name: 'array reading', payload: (now) => one(now, { turbidity: [0.2] }), reasons: ['invalid_value'], good: 0 },
  { name: 'value as a string with unit', payload: (now) => one(now, { turbidity: { value: '0.2', unit: 'NTU' } }), reasons: ['invalid_value'], good: 0 },
  { name: 'value without unit', payload: (now) => one(now, { turbidity: { value: 0.2 } }), reasons: ['invalid_value'], good: 0 },
  { name: 'value with extra keys', payload: (now) => one(now, { turbidity: { value: 0.2, unit: 'NTU', q: 1 } }), reasons: ['invalid_value'], good: 0 },
  { name: 'unit that does not exist', payload: (now) => one(now, { turbidity: { value: 0.2, unit: 'furlongs' } }), reasons: ['unknown_unit'], good: 0 },
  { name: 'unit of another metric', payload: (now) => one(now, { iron: { value: 0.2, unit: 'kPa' } }), reasons: ['unknown_unit'], good: 0 },
  { name: 'negative turbidity', payload: (now) => one(now, { turbidity: -1 }), reasons: ['out_of_range'], good: 0 },
  { name: 'pH above 14', payload: (now) => one(now, { ph: 15.2 }), reasons: ['out_of_range'], good: 0 },
  { name: 'boiling water', payload: (now) => one(now, { temperature: 1000 }), reasons: ['out_of_range'], good: 0 },
  { name: 'overflowing number', payload: (now) => `{"ts":${now},"readings":{"turbidity":1e400}}`, reasons: ['non_finite'], good: 0 },
  {
    name: 'good and bad readings mixed',
    payload: (now) => one(now, { turbidity: 0.21, ph: 15, free_chlorine: { value: 310, unit: 'ug/L' }, sparkle: 2 }),
    reasons: ['out_of_range', 'unknown_metric'],
    good: 2,
  },
  {
    name: 'batch with a good and a future sample',
    payload: (now) => json({ samples: [{ ts: now - 60_000, readings: { turbidity: 0.22 } }, { ts: now + 3_600_000, readings: { turbidity: 0.23 } }] }),
    reasons: ['future_timestamp'],
    good: 1,
  },
  { name: 'own subtree, unknown channel', topic: `water/${DEVICE.site}/${DEVICE.id}/commands`, payload: (now) => one(now, { turbidity: 0.2 }), reasons: ['invalid_topic'], good: 0 },
  { name: 'status that is neither online nor offline', topic: `water/${DEVICE.site}/${DEVICE.id}/status`, payload: () => 'maybe', reasons: ['invalid_status'], good: 0 },
];
