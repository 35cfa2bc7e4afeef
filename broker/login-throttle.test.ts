import { describe, expect, it } from 'vitest';
import { addressKey, afterFailure, LoginThrottle, loginThrottleSchema, type FailureRecord, type ThrottleRule } from './login-throttle.ts';

const rule: ThrottleRule = { maxFailures: 3, windowMs: 60_000, lockoutMs: 300_000 };

describe('afterFailure', () => {
  const run = (failuresAt: number[]) => {
    let record: FailureRecord | undefined;
    return failuresAt.map((at) => {
      const step = afterFailure(record, rule, at);
      record = step.record;
      return step.locked;
    });
  };

  it.each([
    ['fewer failures than the limit lock nothing', [0, 1000], [false, false]],
    ['the limit-th failure in the window locks', [0, 1000, 2000], [false, false, true]],
    ['failures spread over more than the window never lock', [0, 30_000, 60_000, 90_000, 120_000], [false, false, false, false, false]],
    ['the count restarts after a lockout', [0, 1, 2, 400_000, 400_001], [false, false, true, false, false]],
  ])('%s', (_name, times, locks) => {
    expect(run(times)).toEqual(locks);
  });
});

describe('LoginThrottle', () => {
  const config = loginThrottleSchema.parse({ perAddress: { maxFailures: 5, windowMs: 60_000, lockoutMs: 120_000 }, perUsername: rule });
  const from = (address: string, username: string) => ({ address, username });

  it('locks a user name after its failures, from any address, until the lockout ends', () => {
    const throttle = new LoginThrottle(config);
    expect(throttle.failed(from('10.0.0.1', 'tap-1'), 0)).toEqual([]);
    expect(throttle.failed(from('10.0.0.2', 'tap-1'), 10)).toEqual([]);
    expect(throttle.failed(from('10.0.0.3', 'tap-1'), 20)).toEqual(['username']);
    expect(throttle.check(from('10.9.9.9', 'tap-1'), 21)).toEqual({ ok: false, by: 'username', retryInMs: 299_999, refusedBefore: 0 });
    expect(throttle.check(from('10.0.0.1', 'tap-2'), 21)).toEqual({ ok: true });
    expect(throttle.check(from('10.0.0.1', 'tap-1'), 300_020)).toEqual({ ok: true });
  });

  it('counts the attempts each lockout refuses, from 0 again in the next lockout', () => {
    const throttle = new LoginThrottle(config);
    const lockOut = (at: number) => [0, 1, 2].forEach((i) => throttle.failed(from('10.0.0.1', 'tap-1'), at + i));
    const refusedBefore = (at: number) => {
      const verdict = throttle.check(from('10.0.0.1', 'tap-1'), at);
      return verdict.ok ? 'admitted' : verdict.refusedBefore;
    };
    lockOut(0);
    expect([10, 11, 12].map(refusedBefore)).toEqual([0, 1, 2]);
    expect(refusedBefore(300_003)).toBe('admitted');
    lockOut(400_000);
    expect([400_010, 400_011].map(refusedBefore)).toEqual([0, 1]);
  });

  it('locks an address that sprays user names', () => {
    const throttle = new LoginThrottle(config);
    const started = ['a', 'b', 'c', 'd', 'e'].map((name, i) => throttle.failed(from('192.0.2.7', name), i));
    expect(started.at(-1)).toEqual(['address']);
    expect(throttle.check(from('192.0.2.7', 'fresh-name'), 10)).toMatchObject({ ok: false, by: 'address' });
    expect(throttle.check(from('192.0.2.8', 'fresh-name'), 10)).toEqual({ ok: true });
  });

  it('forgets a user name\'s failures after a correct password, but not the address\'s', () => {
    const throttle = new LoginThrottle(config);
    throttle.failed(from('10.0.0.1', 'tap-1'), 0);
    throttle.failed(from('10.0.0.1', 'tap-1'), 1);
    throttle.succeeded({ username: 'tap-1' });
    expect(throttle.failed(from('10.0.0.1', 'tap-1'), 2)).toEqual([]);
    throttle.failed(from('10.0.0.1', 'x'), 3);
    expect(throttle.failed(from('10.0.0.1', 'y'), 4)).toEqual(['address']);
  });

  it('treats an IPv6 /64 as one address', () => {
    const throttle = new LoginThrottle(config);
    for (let i = 0; i < 5; i += 1) throttle.failed(from(`2001:db8:0:1::${i + 1}`, `n${i}`), i);
    expect(throttle.check(from('2001:db8:0:1:ffff::9', 'other'), 10)).toMatchObject({ ok: false, by: 'address' });
    expect(throttle.check(from('2001:db8:0:2::1', 'other'), 10)).toEqual({ ok: true });
  });

  it('switches a key off with maxFailures 0', () => {
    const throttle = new LoginThrottle(loginThrottleSchema.parse({ perUsername: { maxFailures: 0 }, perAddress: { maxFailures: 0 } }));
    for (let i = 0; i < 100; i += 1) expect(throttle.failed(from('10.0.0.1', 'tap-1'), i)).toEqual([]);
    expect(throttle.check(from('10.0.0.1', 'tap-1'), 100)).toEqual({ ok: true });
    expect(throttle.tracked()).toBe(0);
  });

  it('stays bounded under a spray of made-up user names', () => {
    const throttle = new LoginThrottle(loginThrottleSchema.parse({ maxTracked: 100, perAddress: { maxFailures: 0 } }));
    for (let i = 0; i < 1000; i += 1) throttle.failed({ username: `ghost-${i}` }, i);
    expect(throttle.tracked()).toBeLessThanOrEqual(100);
  });

  it('has visible defaults', () => {
    expect(loginThrottleSchema.parse({})).toEqual({
      perAddress: { maxFailures: 50, windowMs: 300_000, lockoutMs: 300_000 },
      perUsername: { maxFailures: 10, windowMs: 300_000, lockoutMs: 300_000 },
      maxTracked: 10_000,
    });
  });
});

describe('addressKey', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:0:1:2:3:4:5', '2001:db8:0:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['2001:db8:1:2::', '2001:db8:1:2::/64'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
