/**
 * The per-number daily cap of the SMS channel: at most `cap` messages to one number per day,
 * then `throttled` until a slot frees. In memory, per process: a restart forgets what was sent
 * (the gateway's own limit still holds, and its answer is classified as throttled); the sender
 * may persist it later.
 *
 * Two windows, because the vendors count differently:
 * - `calendar-day`: the day ends at local midnight (`timeZone`, Asia/Shanghai by default).
 *   Tencent Cloud counts its per-number limit per calendar day ("A maximum of 2 messages can be
 *   sent to the same mobile number on a calendar day", SMS FAQ, Security,
 *   https://www.tencentcloud.com/document/product/382/13303).
 * - `rolling-24h`: a message counts for 24 hours from when it was accepted. Alibaba Cloud:
 *   "短信通知: 使用同一个签名和同一个短信模板Code,对同一个手机号码发送短信通知,最多支持50条/天";
 *   "天的计算方式是从发送时间起24小时内"; "短信提交成功就会计入短信发送流控"
 *   (短信发送规则, https://help.aliyun.com/document_detail/44335.htm).
 */

export const capWindows = ['calendar-day', 'rolling-24h'] as const;
export type CapWindow = (typeof capWindows)[number];

const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface CapRules {
  readonly cap: number;
  readonly window: CapWindow;
  readonly timeZone: string;
}

export type CapTake = { readonly ok: true; release(): void } | { readonly ok: false; readonly retryAfterMs: number; readonly sent: number };

export class DailyCap {
  /** Accepted (or in-flight) sends per number, oldest first. */
  private readonly sent = new Map<string, number[]>();
  /** Numbers the gateway itself refused as over its limit, until when. */
  private readonly blocked = new Map<string, number>();
  private lastSweep = 0;
  private readonly clock: LocalClock;

  constructor(private readonly rules: CapRules) {
    this.clock = new LocalClock(rules.timeZone);
  }

  /** Takes a slot for `number` now; `release()` gives it back when the send did not go out. */
  take(number: string, now: number): CapTake {
    this.sweep(now);
    const until = this.blocked.get(number);
    if (until !== undefined && until > now) return { ok: false, retryAfterMs: until - now, sent: this.count(number, now) };
    const times = this.live(number, now);
    if (times.length >= this.rules.cap) return { ok: false, retryAfterMs: this.freeAt(times, now) - now, sent: times.length };
    times.push(now);
    this.sent.set(number, times);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const current = this.sent.get(number) ?? [];
        const index = current.indexOf(now);
        if (index !== -1) current.splice(index, 1);
      },
    };
  }

  /**
   * The gateway says the number is at its daily limit although our count is lower (a restart,
   * another sender): refuse it here until the window frees. Returns the wait, ms.
   */
  block(number: string, now: number): number {
    const until = this.rules.window === 'calendar-day' ? this.clock.nextMidnight(now) : now + DAY_MS;
    this.blocked.set(number, until);
    return until - now;
  }

  count(number: string, now: number): number {
    return this.live(number, now).length;
  }

  /** The sends that still count, with the expired ones dropped. */
  private live(number: string, now: number): number[] {
    const times = this.sent.get(number) ?? [];
    const from = this.rules.window === 'calendar-day' ? this.clock.lastMidnight(now) : now - DAY_MS;
    // A rolling window frees a message exactly 24 h after it; a calendar day starts at its midnight.
    const kept = times.filter((at) => (this.rules.window === 'calendar-day' ? at >= from : at > from));
    if (kept.length !== times.length) this.sent.set(number, kept);
    return kept;
  }

  /** When the next slot frees: local midnight, or 24 h after the oldest send that counts. */
  private freeAt(times: readonly number[], now: number): number {
    if (this.rules.window === 'calendar-day') return this.clock.nextMidnight(now);
    const excess = times.length - this.rules.cap;
    return (times[excess] ?? now) + DAY_MS;
  }

  /** Forgets numbers with nothing left in the window, once an hour: memory stays bounded by the directory. */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const number of [...this.sent.keys()]) if (this.live(number, now).length === 0) this.sent.delete(number);
    for (const [number, until] of this.blocked) if (until <= now) this.blocked.delete(number);
  }
}

/** Local midnights in an IANA time zone, without a time-zone library. Pure. */
export class LocalClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
  }

  /** The local calendar day of `at`, YYYY-MM-DD. */
  day(at: number): string {
    const p = this.parts(at);
    return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
  }

  /** The instant the local day of `at` began. */
  lastMidnight(at: number): number {
    const p = this.parts(at);
    return this.instantOf(Date.UTC(p.year, p.month - 1, p.day), at);
  }

  /** The instant the next local day begins. */
  nextMidnight(at: number): number {
    const p = this.parts(at);
    return this.instantOf(Date.UTC(p.year, p.month - 1, p.day + 1), at);
  }

  /** The instant whose local wall time is `wall` (a wall time written as if UTC), near `hint`. */
  private instantOf(wall: number, hint: number): number {
    const guess = wall - this.offset(hint);
    return wall - this.offset(guess);
  }

  /** Local wall time minus UTC at `at`, ms (+8 h for Asia/Shanghai). */
  private offset(at: number): number {
    const p = this.parts(at);
    const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    return wall - Math.floor(at / 1000) * 1000;
  }

  private parts(at: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(at)) if (part.type !== 'literal') fields[part.type] = Number(part.value);
    return { year: fields.year ?? 0, month: fields.month ?? 1, day: fields.day ?? 1, hour: fields.hour ?? 0, minute: fields.minute ?? 0, second: fields.second ?? 0 };
  }
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
