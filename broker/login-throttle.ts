/**
 * Login throttling, pure decisions plus a bounded table. After `maxFailures` failed logins from one
 * remote address, or for one user name, within `windowMs`, further attempts are refused at once
 * for `lockoutMs`, without running scrypt: a password guesser gets neither answers nor our CPU.
 *
 * Two keys, because the attacks differ: one address trying many user names (spraying) and many
 * addresses trying one user name (a botnet after one device). Attempts refused during a lockout
 * are not failures: a misconfigured device retrying every second stays locked out by its user
 * name, but does not push the shared address of a carrier NAT, with healthy devices behind it,
 * into a lockout of its own.
 *
 * The price of any lockout is that it can be triggered on purpose: someone who knows a device id
 * can keep that device from reconnecting. Set `maxFailures: 0` to switch a key off.
 */
import { isIPv6 } from 'node:net';
import { z } from 'zod';

const rule = (defaults: { maxFailures: number; windowMs: number; lockoutMs: number }, what: string) =>
  z
    .object({
      maxFailures: z.number().int().nonnegative().default(defaults.maxFailures).describe(`Failed logins ${what} that start a lockout; 0 switches this key off`),
      windowMs: z.number().int().positive().default(defaults.windowMs).describe('Failures older than this are forgotten, ms'),
      lockoutMs: z.number().int().positive().default(defaults.lockoutMs).describe('How long attempts are refused without a password check, ms'),
    })
    .prefault({})
    .describe(`Lockout of logins ${what}`);

export const loginThrottleSchema = z
  .object({
    perAddress: rule({ maxFailures: 50, windowMs: 5 * 60_000, lockoutMs: 5 * 60_000 }, 'from one remote address (an IPv6 /64 counts as one address)'),
    perUsername: rule({ maxFailures: 10, windowMs: 5 * 60_000, lockoutMs: 5 * 60_000 }, 'for one user name'),
    maxTracked: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .describe('Addresses and user names remembered each; past it the oldest are forgotten first (bounds memory under a spray of made-up names)'),
  });
export type LoginThrottleConfig = z.infer<typeof loginThrottleSchema>;
export type ThrottleRule = LoginThrottleConfig['perAddress'];

/** What the table remembers about one address or one user name. */
export interface FailureRecord {
  readonly failures: number;
  readonly windowStartMs: number;
  readonly lockedUntilMs: number;
  /** Attempts refused during the current lockout (the broker logs the first, counts them all). */
  readonly refused?: number;
}

/** Remaining lockout, ms; 0 when attempts are allowed. */
export function lockoutLeft(record: FailureRecord | undefined, nowMs: number): number {
  return record ? Math.max(0, record.lockedUntilMs - nowMs) : 0;
}

/** The record after one more failed login; `locked` when this failure started a lockout. */
export function afterFailure(record: FailureRecord | undefined, rule: ThrottleRule, nowMs: number): { record: FailureRecord; locked: boolean } {
  const fresh = !record || nowMs - record.windowStartMs >= rule.windowMs;
  const failures = (fresh ? 0 : record.failures) + 1;
  const windowStartMs = fresh ? nowMs : record.windowStartMs;
  const lockedUntilMs = record?.lockedUntilMs ?? 0;
  if (failures >= rule.maxFailures) return { record: { failures: 0, windowStartMs: nowMs, lockedUntilMs: nowMs + rule.lockoutMs }, locked: true };
  return { record: { failures, windowStartMs, lockedUntilMs }, locked: false };
}

/** The record after one more attempt refused during its lockout. */
export function afterRefusal(record: FailureRecord): FailureRecord {
  return { ...record, refused: (record.refused ?? 0) + 1 };
}

/** A record that no longer changes any decision. */
export function isStale(record: FailureRecord, rule: ThrottleRule, nowMs: number): boolean {
  return lockoutLeft(record, nowMs) === 0 && nowMs - record.windowStartMs >= rule.windowMs;
}

/**
 * The address a lockout applies to: IPv4 as is (also when IPv4-mapped), IPv6 by its /64, since
 * one subscriber usually holds a whole /64 and could otherwise step through it.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = (address.split('%')[0] ?? '').split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}

export type ThrottleKey = 'address' | 'username';
/** `refusedBefore`: attempts this lockout refused before this one (0: the first, log it). */
export type ThrottleVerdict = { ok: true } | { ok: false; by: ThrottleKey; retryInMs: number; refusedBefore: number };

/** The two tables, bounded. Every method takes the time, so tests step the clock. */
export class LoginThrottle {
  private readonly tables: Record<ThrottleKey, Map<string, FailureRecord>> = { address: new Map(), username: new Map() };

  constructor(private readonly config: LoginThrottleConfig) {}

  /** Is this attempt locked out? A refusal is recorded against the lockout that refused it. */
  check(attempt: { address?: string | undefined; username?: string | undefined }, nowMs: number): ThrottleVerdict {
    for (const [by, key] of this.keys(attempt)) {
      const record = this.tables[by].get(key);
      const left = lockoutLeft(record, nowMs);
      if (record && left > 0) {
        this.tables[by].set(key, afterRefusal(record));
        return { ok: false, by, retryInMs: left, refusedBefore: record.refused ?? 0 };
      }
    }
    return { ok: true };
  }

  /** Records a failed login; returns the keys whose lockout it started. */
  failed(attempt: { address?: string | undefined; username?: string | undefined }, nowMs: number): ThrottleKey[] {
    const started: ThrottleKey[] = [];
    for (const [by, key] of this.keys(attempt)) {
      const table = this.tables[by];
      const { record, locked } = afterFailure(table.get(key), this.rule(by), nowMs);
      table.delete(key); // re-inserted last: the table forgets the least recently failing first
      this.makeRoom(by, nowMs);
      table.set(key, record);
      if (locked) started.push(by);
    }
    return started;
  }

  /** A correct password clears the user name's failures; the address keeps its count. */
  succeeded(attempt: { username?: string | undefined }): void {
    if (attempt.username !== undefined) this.tables.username.delete(attempt.username);
  }

  /** Addresses and user names currently remembered. */
  tracked(): number {
    return this.tables.address.size + this.tables.username.size;
  }

  private rule(by: ThrottleKey): ThrottleRule {
    return by === 'address' ? this.config.perAddress : this.config.perUsername;
  }

  private *keys(attempt: { address?: string | undefined; username?: string | undefined }): Generator<[ThrottleKey, string]> {
    if (attempt.address !== undefined && this.config.perAddress.maxFailures > 0) yield ['address', addressKey(attempt.address)];
    if (attempt.username !== undefined && this.config.perUsername.maxFailures > 0) yield ['username', attempt.username];
  }

  private makeRoom(by: ThrottleKey, nowMs: number): void {
    const table = this.tables[by];
    if (table.size < this.config.maxTracked) return;
    const rule = this.rule(by);
    for (const [key, record] of table) if (isStale(record, rule, nowMs)) table.delete(key);
    while (table.size >= this.config.maxTracked) {
      const oldest = table.keys().next();
      if (oldest.done) break;
      table.delete(oldest.value);
    }
  }
}
