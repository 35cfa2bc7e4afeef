import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import { malformedCases, OWN_TOPIC } from './cases/malformed.ts';
import { decodeTelemetry } from './decode.ts';
import { telemetryLine } from '../network/line-protocol.ts';

const NOW = Date.parse('2026-11-28T10:00:00Z');
let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog(fileURLToPath(new URL('../network/sample/county.yaml', import.meta.url)));
});

const decode = (payload: string | Buffer, topic = OWN_TOPIC) => decodeTelemetry(catalog, topic, Buffer.from(payload), NOW);

describe('decodeTelemetry accepts the wire contract', () => {
  it('reads a single sample with canonical and converted units', () => {
    const result = decode(JSON.stringify({ ts: NOW, seq: 17, readings: { turbidity: 0.31, free_chlorine: { value: 420, unit: 'ug/L' } } }));
    expect(result.rejections).toEqual([]);
    expect(result.points).toHaveLength(1);
    const [point] = result.points;
    expect(point?.seq).toBe(17);
    expect(point?.values.get('free_chlorine')).toBeCloseTo(0.42, 9);
    expect(telemetryLine(point!)).toBe(
      `telemetry,device=tongmen-tap-wq,site=tongmen-tap,site_kind=tap,township=tongmen,village=tongmen,zone=north turbidity=0.31,free_chlorine=0.42 ${NOW}`,
    );
  });

  it('reads a batch with RFC 3339 timestamps in any zone', () => {
    const result = decode(JSON.stringify({ samples: [{ ts: '2026-11-28T17:59:00+08:00', readings: { ph: 7.4 } }, { ts: '2026-11-28T09:59:30.5Z', readings: { ph: 7.5 } }] }));
    expect(result.points.map((p) => p.ts)).toEqual([NOW - 60_000, NOW - 29_500]);
  });

  it.each([
    [{ value: 0.32, unit: 'MPa' }, 320],
    [{ value: 3.2, unit: 'bar' }, 320],
    [{ value: 10, unit: 'm' }, 98.0665],
    [{ value: 50, unit: 'psi' }, 344.73786],
  ])('converts pressure %o to %d kPa', (reading, kpa) => {
    const result = decodeTelemetry(catalog, 'water/tongmen-tap/tongmen-tap-pt/telemetry', Buffer.from(JSON.stringify({ ts: NOW, readings: { pressure: reading } })), NOW);
    expect(result.points[0]?.values.get('pressure')).toBeCloseTo(kpa, 3);
  });

  it('ignores unknown envelope keys such as firmware metadata', () => {
    expect(decode(JSON.stringify({ ts: NOW, fw: '1.2.0', readings: { ph: 7 } })).points).toHaveLength(1);
  });
});

describe('decodeTelemetry rejects malformed messages with a reason', () => {
  it('has at least 30 kinds of malformed message', () => {
    expect(malformedCases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(malformedCases.filter((c) => !c.topic))('$name', (c) => {
    const result = decode(c.payload(NOW));
    expect(result.rejections.map((r) => r.reason).sort()).toEqual([...c.reasons].sort());
    for (const r of result.rejections) expect(r.detail.length).toBeGreaterThan(5);
    expect(result.points.reduce((n, p) => n + p.values.size, 0)).toBe(c.good);
  });

  it('refuses devices that are not in the catalog or at another site', () => {
    expect(decode('{}', 'water/tongmen-tap/ghost/telemetry').rejections[0]?.reason).toBe('unknown_device');
    expect(decode('{}', 'water/xiwan-tap/tongmen-tap-wq/telemetry').rejections[0]?.reason).toBe('topic_mismatch');
    expect(decode('{}', 'water/Tongmen/x/telemetry').rejections[0]?.reason).toBe('invalid_topic');
  });

  it('refuses oversize payloads before parsing them', () => {
    const big = JSON.stringify({ ts: NOW, readings: { turbidity: 0.2 }, pad: 'x'.repeat(70_000) });
    expect(decode(big).rejections.map((r) => r.reason)).toEqual(['oversize']);
  });
});
