import { describe, expect, it } from 'vitest';
import { canPublish, canReceive, canSubscribe, mayRetain, type Principal } from './acl.ts';

const device: Principal = { kind: 'device', deviceId: 'tongmen-tap-wq', siteId: 'tongmen-tap' };
const observer: Principal = { kind: 'observer', username: 'grafana' };

describe('canPublish', () => {
  it.each([
    [device, 'water/tongmen-tap/tongmen-tap-wq/telemetry', true],
    [device, 'water/tongmen-tap/tongmen-tap-wq/status', true],
    [device, 'water/tongmen-tap/tongmen-tap-pt/telemetry', false],
    [device, 'water/xiwan-tap/tongmen-tap-wq/telemetry', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq/', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq-2/telemetry', false],
    [device, '$SYS/broker/uptime', false],
    [observer, 'water/tongmen-tap/tongmen-tap-wq/telemetry', false],
    [observer, '$SYS/x', false],
  ] as const)('%o publishing %s → %s', (principal, topic, ok) => {
    expect(canPublish(principal, topic).ok).toBe(ok);
  });
});

describe('canSubscribe', () => {
  it.each([
    [device, 'water/tongmen-tap/tongmen-tap-wq/#', true],
    [device, 'water/tongmen-tap/tongmen-tap-wq/commands', true],
    [device, '#', false],
    [device, 'water/#', false],
    [device, 'water/tongmen-tap/+/telemetry', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq', false],
    [device, '$SYS/#', false],
    [observer, '#', true],
    [observer, '$SYS/#', true],
    [observer, '$clearwater/refused', false],
  ] as const)('%o subscribing %s → %s', (principal, filter, ok) => {
    expect(canSubscribe(principal, filter).ok).toBe(ok);
  });
});

describe('canReceive', () => {
  it.each([
    [device, 'water/tongmen-tap/tongmen-tap-wq/commands', true],
    [device, 'water/tongmen-tap/tongmen-tap-wq/status', true],
    [device, 'water/tongmen-tap/tongmen-tap-pt/telemetry', false],
    [device, 'water/xiwan-tap/xiwan-tap-wq/telemetry', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq-2/telemetry', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq', false],
    [device, '$SYS/broker/uptime', false],
    [device, '$clearwater/refused', false],
    [observer, 'water/xiwan-tap/xiwan-tap-wq/telemetry', true],
    [observer, '$SYS/broker/uptime', true],
    [observer, '$clearwater/refused', false],
  ] as const)('%o receiving %s → %s', (principal, topic, ok) => {
    expect(canReceive(principal, topic).ok).toBe(ok);
  });
});

describe('mayRetain', () => {
  it.each([
    [device, 'water/tongmen-tap/tongmen-tap-wq/status', true],
    [device, 'water/tongmen-tap/tongmen-tap-wq/telemetry', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq/status/extra', false],
    [device, 'water/tongmen-tap/tongmen-tap-wq/anything', false],
    [device, 'water/tongmen-tap/tongmen-tap-pt/status', false],
    [observer, 'water/tongmen-tap/tongmen-tap-wq/status', false],
  ] as const)('%o retaining %s → %s', (principal, topic, ok) => {
    expect(mayRetain(principal, topic)).toBe(ok);
  });
});
