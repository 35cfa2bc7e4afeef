import { describe, expect, it } from 'vitest';
import { deviceSubtree, parseTopic, statusTopic, telemetryTopic } from './topic.ts';

describe('parseTopic', () => {
  it.each([
    ['water/tongmen-tap-1/tm-tap-1-turb/telemetry', { site: 'tongmen-tap-1', device: 'tm-tap-1-turb', channel: 'telemetry' }],
    ['water/p1/d1/status', { site: 'p1', device: 'd1', channel: 'status' }],
  ])('accepts %s', (topic, expected) => {
    expect(parseTopic(topic)).toEqual({ ok: true, topic: expected });
  });

  it.each([
    ['water/p1/d1', 'is not water'],
    ['water/p1/d1/telemetry/extra', 'is not water'],
    ['air/p1/d1/telemetry', 'is not water'],
    ['water/P1/d1/telemetry', 'site id'],
    ['water/p1/-d1/telemetry', 'device id'],
    ['water/p1/d1/commands', 'channel'],
    ['water//d1/telemetry', 'site id'],
  ])('rejects %s', (topic, why) => {
    const parsed = parseTopic(topic);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.detail).toContain(why);
  });

  it('builds the topics it parses', () => {
    expect(parseTopic(telemetryTopic('s', 'd'))).toMatchObject({ ok: true, topic: { channel: 'telemetry' } });
    expect(parseTopic(statusTopic('s', 'd'))).toMatchObject({ ok: true, topic: { channel: 'status' } });
    expect(telemetryTopic('s', 'd').startsWith(deviceSubtree('s', 'd'))).toBe(true);
  });
});
