import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { admitDeviceConnection, admitSubscription, limitsShape, topicLevels } from './limits.ts';

describe('topicLevels', () => {
  it.each([
    ['water', 1],
    ['water/tongmen-tap/tongmen-tap-wq/telemetry', 4],
    ['a/b/', 3],
    ['/a', 2],
    ['#', 1],
    ['water/+/+/#', 4],
  ])('%s has %i', (topic, levels) => {
    expect(topicLevels(topic)).toBe(levels);
  });
});

describe('admitDeviceConnection', () => {
  const takeOver = { maxConnectionsPerDevice: 1, onDeviceConnectionLimit: 'take_over' } as const;
  const refuse = { maxConnectionsPerDevice: 1, onDeviceConnectionLimit: 'refuse' } as const;
  const two = { maxConnectionsPerDevice: 2, onDeviceConnectionLimit: 'take_over' } as const;

  it.each([
    ['the first connection', [], 'a', takeOver, { ok: true, takeOver: [] }],
    ['the same client id again: Aedes takes over [MQTT-3.1.4-2]', ['a'], 'a', takeOver, { ok: true, takeOver: [] }],
    ['the same client id again, refuse policy', ['a'], 'a', refuse, { ok: true, takeOver: [] }],
    ['a second client id takes over the first', ['a'], 'b', takeOver, { ok: true, takeOver: ['a'] }],
    ['a second client id is refused', ['a'], 'b', refuse, { ok: false }],
    ['within a limit of two', ['a'], 'b', two, { ok: true, takeOver: [] }],
    ['past a limit of two, the oldest goes', ['a', 'b'], 'c', two, { ok: true, takeOver: ['a'] }],
    ['after the limit was lowered, all the excess goes', ['a', 'b', 'c'], 'd', takeOver, { ok: true, takeOver: ['a', 'b', 'c'] }],
  ] as const)('%s', (_name, connected, clientId, limit, verdict) => {
    expect(admitDeviceConnection(connected, clientId, limit)).toEqual(verdict);
  });
});

describe('admitSubscription', () => {
  const limit = { maxSubscriptionsPerClient: 2, maxTopicLevels: 8 };
  it.each([
    ['a first filter', [], 'water/s/d/#', true],
    ['a second filter', ['water/s/d/a'], 'water/s/d/b', true],
    ['a third filter', ['water/s/d/a', 'water/s/d/b'], 'water/s/d/c', false],
    ['a held filter again (replaces)', ['water/s/d/a', 'water/s/d/b'], 'water/s/d/a', true],
    ['eight levels', [], 'water/s/d/1/2/3/4/5', true],
    ['nine levels', [], 'water/s/d/1/2/3/4/5/6', false],
  ] as const)('%s', (_name, held, filter, ok) => {
    expect(admitSubscription(new Set(held), filter, limit).ok).toBe(ok);
  });

  it('says why', () => {
    expect(admitSubscription(new Set(), 'a/b/c/d/e/f/g/h/i', limit)).toMatchObject({ reason: 'topic_too_deep' });
    expect(admitSubscription(new Set(['a', 'b']), 'c', limit)).toMatchObject({ reason: 'too_many' });
  });
});

it('has safe defaults', () => {
  expect(z.object(limitsShape).parse({})).toEqual({
    maxConnections: 10_000,
    maxConnectionsPerAddress: 1000,
    maxConnectionsPerDevice: 1,
    onDeviceConnectionLimit: 'take_over',
    maxSubscriptionsPerClient: 16,
    maxTopicLevels: 8,
  });
});
