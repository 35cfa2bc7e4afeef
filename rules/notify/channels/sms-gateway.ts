/**
 * What the SMS channel hands a gateway preset and what it gets back: one message, fitted to its
 * segments, for one number; a verdict on the gateway's answer.
 */

/** One SMS as the gateway is asked to send it. */
export interface SmsMessage {
  /** E.164, +8613800000000. */
  readonly phone: string;
  readonly signName: string;
  /** The text the recipient reads, without the 【signature】 (generic gateways send it). */
  readonly text: string;
  /** Template parameters (template gateways send them; the vendor fills its approved template). */
  readonly params: Readonly<Record<string, string>>;
  /** Unique per (ticket change, recipient, channel): passed on where a gateway keeps one. */
  readonly deliveryKey: string;
}

/** A gateway's answer, classified. */
export type SmsVerdict =
  | { readonly ok: true; readonly detail: string; /** Messages the gateway says it billed, when it says. */ readonly billed?: number }
  | {
      readonly ok: false;
      readonly failure: 'transient' | 'throttled' | 'permanent';
      readonly reason: string;
      readonly retryAfterMs?: number;
      /** The gateway refuses the number for the rest of its day window: the channel blocks it until then. */
      readonly numberAtDailyLimit?: boolean;
    };

/**
 * A number as mainland gateways like it: a +86 number as its 11 digits, any other without its +
 * (Alibaba's PhoneNumbers: "国内短信:+/+86/0086/86 或无任何前缀的手机号码 … 国际/港澳台消息:国际区号+号码").
 */
export function nationalNumber(e164: string): string {
  return e164.startsWith('+86') ? e164.slice(3) : e164.replace(/^\+/, '');
}
