/**
 * How long an SMS is as the carriers bill it, and how to make one fit. Pure.
 *
 * Both gateways count the 【signature】 with the text, one character per UCS-2 unit whatever the
 * script (a Chinese character, a Latin letter and a full-width comma are one each; a character
 * outside the BMP, an emoji, is a surrogate pair: two). At most 70 is one message; longer ones
 * are sent as concatenated segments of 67 (the other 3 carry the concatenation header) and
 * each segment is billed:
 * - Alibaba Cloud SMS billing: "短信字数＝短信模板内容字数＋签名字数", 70 characters per message,
 *   67 per segment for longer ones (https://help.aliyun.com/zh/sms/product-overview/billing-overview).
 * - Tencent Cloud SMS length rules, mainland China: ≤ 70 characters one message, > 70 billed per 67
 *   (https://cloud.tencent.com/document/product/382/18058).
 */

export const SINGLE_SMS_UNITS = 70;
export const SEGMENT_UNITS = 67;

/** The 【signature】 as the gateway prepends it; empty when there is none. */
export function signatureText(signName: string): string {
  return signName === '' ? '' : `【${signName}】`;
}

/** UCS-2 units of the text as the recipient receives it, signature included. */
export function smsUnits(signName: string, text: string): number {
  return signatureText(signName).length + text.length;
}

/** Billed messages for a text of `units` UCS-2 units (0 for nothing to send). */
export function segmentsFor(units: number): number {
  if (units <= 0) return 0;
  return units <= SINGLE_SMS_UNITS ? 1 : Math.ceil(units / SEGMENT_UNITS);
}

/** Most units that fit in `segments` billed messages. */
export function unitsFor(segments: number): number {
  return segments <= 1 ? SINGLE_SMS_UNITS : segments * SEGMENT_UNITS;
}

export interface SmsContent {
  readonly text: string;
  readonly params: Readonly<Record<string, string>>;
}

export type Fitted =
  | { readonly ok: true; readonly content: SmsContent; readonly segments: number; readonly shortened: readonly string[] }
  | { readonly ok: false; readonly units: number; readonly segments: number; readonly reason: string };

export interface FitRules {
  readonly signName: string;
  readonly maxSegments: number;
  /** Parameters never cut, beyond those that are links or numbers. */
  readonly keepParams: readonly string[];
  /** A cut parameter keeps at least this many units (its ellipsis included). */
  readonly minParamUnits: number;
  /** A gateway's limit per template parameter, applied before the length; undefined: none. */
  readonly maxParamUnits?: number | undefined;
}

const ELLIPSIS = '…';

/**
 * The content cut to `maxSegments`: the template parameters that may be cut (not links, not
 * numbers, not in `keepParams`) are shortened, longest first, each to no less than
 * `minParamUnits`, with an ellipsis; the text follows, each parameter's value replaced where it
 * appears in it. When that is not enough, no content: the caller refuses the notice.
 *
 * The text is taken to be the template filled with the params, each value shown as it is (the
 * renderer makes both from one template). A param whose value the text does not show is not
 * cut for length: cutting it would not shorten what is measured.
 */
export function fitToSegments(content: SmsContent, rules: FitRules): Fitted {
  let current = capParams(content, rules);
  const budget = unitsFor(rules.maxSegments);
  const shortened = new Set<string>(Object.keys(current.params).filter((name) => current.params[name] !== content.params[name]));
  for (;;) {
    const units = smsUnits(rules.signName, current.text);
    if (units <= budget) return { ok: true, content: current, segments: segmentsFor(units), shortened: [...shortened] };
    const name = longestCuttable(current, rules);
    if (name === undefined) {
      const segments = segmentsFor(units);
      return {
        ok: false,
        units,
        segments,
        reason: `SMS of ${units} characters (【signature】 included) needs ${segments} segments, more than maxSegments ${rules.maxSegments}, even with its parameters cut`,
      };
    }
    const value = current.params[name] ?? '';
    const target = Math.max(rules.minParamUnits, value.length - (units - budget));
    current = replaceParam(current, name, cut(value, target));
    shortened.add(name);
  }
}

function capParams(content: SmsContent, rules: FitRules): SmsContent {
  const max = rules.maxParamUnits;
  if (max === undefined) return content;
  let current = content;
  for (const [name, value] of Object.entries(content.params)) {
    if (value.length > max && mayCut(name, value, rules)) current = replaceParam(current, name, cut(value, max));
  }
  return current;
}

/** The cuttable parameter that appears in the text and is longest above the floor. */
function longestCuttable(content: SmsContent, rules: FitRules): string | undefined {
  let best: string | undefined;
  let bestLength = rules.minParamUnits;
  for (const [name, value] of Object.entries(content.params)) {
    if (!mayCut(name, value, rules) || !content.text.includes(value)) continue;
    if (value.length > bestLength) {
      best = name;
      bestLength = value.length;
    }
  }
  return best;
}

/** Links and numbers are never cut: half a link or half a reading is worse than none. */
function mayCut(name: string, value: string, rules: FitRules): boolean {
  if (rules.keepParams.includes(name)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^www\./i.test(value)) return false;
  return !/^[+-]?\d+([.,]\d+)?$/.test(value.trim());
}

/** `value` cut to `units` UCS-2 units with an ellipsis, never splitting a surrogate pair. */
export function cut(value: string, units: number): string {
  if (value.length <= units) return value;
  let end = Math.max(0, units - ELLIPSIS.length);
  const last = value.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}${ELLIPSIS}`;
}

function replaceParam(content: SmsContent, name: string, value: string): SmsContent {
  const old = content.params[name] ?? '';
  const text = old === '' ? content.text : content.text.split(old).join(value);
  return { text, params: { ...content.params, [name]: value } };
}
