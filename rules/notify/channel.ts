/**
 * What every notification channel is: one file per channel (`channels/<kind>.ts`) exporting a
 * zod config schema and a `create(config, deps)` that gives a `Channel`. The sender (sender.ts)
 * hands a channel one rendered `Notice` for one recipient and gets a `SendResult` back, in the
 * three kinds of failure every boundary has: delivered; transient (retry after a delay, honour
 * `Retry-After`, or the peer is throttling this destination); permanent (never retry; kept with
 * its reason, re-sendable by hand).
 *
 * A channel does no retrying, queueing or de-duplication of its own: the outbox does that, per
 * (ticket change, recipient, channel), so one channel's failure never re-sends on another.
 */

export const channelKinds = ['dingtalk', 'sms', 'email', 'webhook', 'alertmanager', 'log'] as const;
export type ChannelKind = (typeof channelKinds)[number];

export const languages = ['zh-CN', 'en'] as const;
export type Language = (typeof languages)[number];

/** Who is told: a person of the catalog's directory (village administrator, township official, county dispatch). */
export interface Recipient {
  readonly id: string;
  readonly name: string;
  readonly role: 'village_admin' | 'township_official' | 'county_dispatch';
  readonly language: Language;
  /** DingTalk custom robot (a group) this person reads, by its id in the `notify.dingtalk.robots` config. */
  readonly dingtalkRobot?: string | undefined;
  /** Mobile number in E.164 (+8613800000000): SMS, and the @-mention in DingTalk. */
  readonly phone?: string | undefined;
  readonly email?: string | undefined;
}

export const noticeKinds = ['opened', 'escalated', 'worse', 'resolved', 'digest', 'test'] as const;
/**
 * opened: a ticket asks for someone (new, reopened, or out of a silence); escalated: it went up
 * a tier unacknowledged; worse: its severity rose; resolved: the condition cleared; digest:
 * several tickets in one message (maintenance once a day, or a robot at its rate limit); test:
 * `clearwater notify test`.
 */
export type NoticeKind = (typeof noticeKinds)[number];

/** One ticket as a message shows it: the facts a village administrator needs. */
export interface NoticeTicket {
  readonly id: number;
  /** The audit event that caused the notice (the de-duplication key's first part). */
  readonly eventId: number;
  readonly ruleId: string;
  readonly title: string;
  readonly titleZh: string;
  readonly severity: 'maintenance' | 'warning' | 'critical';
  readonly state: string;
  readonly tier: 'village' | 'township' | 'county';
  readonly site: string;
  readonly siteName: string;
  readonly village: string | null;
  readonly villageName: string | null;
  readonly township: string;
  readonly metric: string;
  /** Canonical unit of the metric (NTU, kPa, mg/L, …). */
  readonly unit: string;
  readonly lastValue: number;
  readonly peakValue: number;
  /** The citation behind the limit, e.g. "GB 5749-2022 Table 1, turbidity ≤ 1 NTU". */
  readonly source: string;
  /** Since when, epoch ms. */
  readonly openedAt: number;
  /** What to do, in the notice's language (e.g. for yellow water: run the cold tap, do not drink). */
  readonly advice: string;
  /** The phone page to acknowledge it (a signed, expiring link), when the recipient may. */
  readonly ackUrl?: string | undefined;
  /** In a digest: what this ticket's line reports (opened, escalated, worse, resolved). */
  readonly change?: NoticeKind | undefined;
}

/** One message to one recipient, rendered in every format a channel may want. */
export interface Notice {
  readonly kind: NoticeKind;
  readonly language: Language;
  readonly recipient: Recipient;
  /**
   * Others the same message is for, where they share its destination (a DingTalk group): one
   * message in the group, every one of them @-mentioned.
   */
  readonly alsoFor?: readonly Recipient[] | undefined;
  readonly tickets: readonly NoticeTicket[];
  /** Rendered from the templates of this kind and language. */
  readonly rendered: {
    /** DingTalk markdown: a title (the notification preview) and the body. */
    readonly markdown: { readonly title: string; readonly text: string };
    /** SMS text, without the 【signature】 the gateway adds; template parameters for template gateways. */
    readonly sms: { readonly text: string; readonly params: Readonly<Record<string, string>> };
    /** E-mail subject, plain text and HTML. */
    readonly email: { readonly subject: string; readonly text: string; readonly html: string };
  };
  /** Unique per (ticket change, recipient, channel): lets a peer that keeps it drop a repeat. */
  readonly deliveryKey: string;
}

export type SendResult =
  | { readonly ok: true; readonly detail?: string }
  | {
      readonly ok: false;
      /** transient: try again later; throttled: the destination refuses for a while (e.g. DingTalk 130101); permanent: never again. */
      readonly failure: 'transient' | 'throttled' | 'permanent';
      readonly reason: string;
      /** How long to wait before the next try, when the peer or the channel's rules say (Retry-After, a 10-minute throttle). */
      readonly retryAfterMs?: number;
    };

export interface Channel {
  readonly kind: ChannelKind;
  /** Whether this channel can reach the recipient at all (a robot, a phone, an address). */
  reaches(recipient: Recipient): boolean;
  /**
   * The destination that rate limits apply to (a DingTalk robot, a phone number): notices for one
   * destination beyond its budget are merged into a digest by the sender.
   */
  destination(recipient: Recipient): string;
  /** Most messages per destination per minute (DingTalk: 20 per robot); undefined: no limit. */
  readonly perMinute?: number | undefined;
  /**
   * For a peer that forgets a firing notice unless told again (Alertmanager ends an alert
   * without endsAt after its resolve_timeout, 5 min by default): how often the sender re-sends
   * the latest notice of each ticket still open, ms. Undefined: never.
   */
  readonly resendEveryMs?: number | undefined;
  send(notice: Notice): Promise<SendResult>;
  /** Releases connections (SMTP pool, HTTP agents). */
  close?(): Promise<void>;
}

/** What a channel may be given: the clock and where to log. */
export interface ChannelDeps {
  readonly now: () => number;
  readonly log?: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
}
