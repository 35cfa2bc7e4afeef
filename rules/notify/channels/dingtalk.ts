/**
 * DingTalk custom robots (group robots, 自定义机器人): one markdown message per notice, signed
 * (加签), to the robot of the recipient's group, @-mentioning the recipient's mobile number.
 *
 * In: a rendered `Notice` (its `rendered.markdown`). Out: a POST to the robot's webhook,
 * `?access_token=…&timestamp=…&sign=…`. Failure, as `SendResult` (classifyDingtalkAnswer):
 * DingTalk answers HTTP 200 with an `errcode`; a throttled robot (130101) refuses for 10 minutes;
 * a refused signature, keyword, token or body is permanent; no answer or a 5xx is transient.
 *
 * Sources: DingTalk Open Platform, custom robot: "security settings" (加签, keyword, IP ranges)
 * and "send message" (body, `at`, `msgUuid`; 20 messages a minute per robot, then 10 minutes
 * throttled; large volumes merged into markdown digests).
 */
import { z } from 'zod';
import type { Channel, ChannelDeps, Notice, Recipient, SendResult } from '../channel.ts';
import { markdownBody, signedWebhookUrl } from './dingtalk-message.ts';
import { postJson, type HttpAnswer } from './http-post.ts';

/** HTTPS, or plain HTTP to this machine only (test peers): the URL carries the robot's token. */
const webhookUrlSchema = z.url().refine((text) => {
  const url = new URL(text);
  return url.searchParams.get('access_token') !== null && (url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}, 'an https:// robot webhook with its ?access_token= (http:// only to 127.0.0.1, localhost or [::1])');

export const dingtalkRobotSchema = z.strictObject({
  webhook: webhookUrlSchema.describe(
    'Secret: the robot\'s webhook, https://oapi.dingtalk.com/robot/send?access_token=…; the access_token is a credential (masked by `clearwater config check`, never logged)',
  ),
  secret: z
    .string()
    .regex(/^SEC\w+$/, 'the 加签 secret starts with SEC')
    .describe('Secret: the 加签 (sign) key of the robot\'s security settings, SEC…; never logged'),
  keyword: z
    .string()
    .min(1)
    .optional()
    .describe('The custom keyword of the robot\'s security settings, when it has one: written into every message that lacks it'),
});

export const dingtalkChannelSchema = z.strictObject({
  robots: z
    .record(z.string().min(1), dingtalkRobotSchema)
    .describe('Robots by id (a recipient\'s `dingtalkRobot`): one group each, e.g. a village\'s group or county dispatch'),
  perMinute: z
    .number()
    .int()
    .positive()
    .max(20)
    .default(20)
    .describe('Most messages per robot per minute (DingTalk: 20); beyond it the sender merges notices into digests. Default 20'),
  throttleMs: z
    .number()
    .int()
    .positive()
    .default(600_000)
    .describe('How long a robot is left alone after DingTalk answered 130101 (send too fast), ms; DingTalk throttles for 10 minutes. Default 600000'),
  maxBodyBytes: z
    .number()
    .int()
    .min(1000)
    .max(20_000)
    .default(20_000)
    .describe('Largest request body, UTF-8 bytes (DingTalk refuses more than 20,000 with 460101); longer texts are cut at a line. Default 20000'),
  timeoutMs: z.number().int().positive().default(10_000).describe('Longest wait for DingTalk\'s whole answer, ms; no answer in time is transient. Default 10000'),
});

export type DingtalkChannelConfig = z.output<typeof dingtalkChannelSchema>;
export type DingtalkRobot = z.output<typeof dingtalkRobotSchema>;

/** errcodes whose request will never succeed as it is (send message; security settings). */
const PERMANENT_ERRCODES: Readonly<Record<number, string>> = {
  310000: 'refused by the robot\'s security settings (keyword not in the content, sign mismatch, timestamp over an hour off, or IP not allowed)',
  300001: 'the robot\'s access_token does not exist (robot removed or webhook reset)',
  400402: 'markdown title missing',
  460101: 'message body over DingTalk\'s 20,000-byte limit',
};

/**
 * A DingTalk answer as a `SendResult`. Pure.
 * - errcode 0: delivered.
 * - 130101 (send too fast, over 20 a minute): throttled for `throttleMs` (DingTalk: 10 minutes).
 * - -1 (system busy; DingTalk's global codes ask for a retry): transient.
 * - 310000, 300001, 400402, 460101 and every other errcode: permanent. DingTalk's other codes
 *   name a fault of the request or the robot (bad parameters, robot stopped, group dissolved),
 *   which the same message meets again; permanent keeps it with DingTalk's reason for an
 *   operator, surfaced at once instead of retried unseen for hours.
 * - HTTP 429, 408 or 5xx, or no answer: transient, after `Retry-After` when given. Any other
 *   HTTP status (3xx, 4xx) is not DingTalk answering (a proxy, a wrong URL): permanent.
 * - HTTP 200 that is not a DingTalk answer (not JSON, no errcode): transient; the message may
 *   have gone, and `msgUuid` keeps a retry from showing it twice.
 */
export function classifyDingtalkAnswer(answer: HttpAnswer, throttleMs: number): SendResult {
  if (answer.kind === 'unreachable') return { ok: false, failure: 'transient', reason: answer.reason };
  const { status, retryAfterMs } = answer;
  const after = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status === 408 || status === 429 || status >= 500) return { ok: false, failure: 'transient', reason: `HTTP ${status}`, ...after };
  if (status < 200 || status > 299) return { ok: false, failure: 'permanent', reason: `HTTP ${status}: not a DingTalk answer (check the webhook URL)` };
  const reply = readReply(answer.text);
  if (reply === undefined) return { ok: false, failure: 'transient', reason: `HTTP ${status} without a DingTalk errcode` };
  const said = `errcode ${reply.errcode}: ${reply.errmsg}`;
  if (reply.errcode === 0) return { ok: true, detail: reply.errmsg };
  if (reply.errcode === 130101) return { ok: false, failure: 'throttled', reason: said, retryAfterMs: throttleMs };
  if (reply.errcode === -1) return { ok: false, failure: 'transient', reason: said, ...after };
  const meaning = PERMANENT_ERRCODES[reply.errcode];
  return { ok: false, failure: 'permanent', reason: meaning === undefined ? said : `${said} (${meaning})` };
}

function readReply(text: string): { errcode: number; errmsg: string } | undefined {
  try {
    const reply = JSON.parse(text) as { errcode?: unknown; errmsg?: unknown };
    if (typeof reply.errcode !== 'number') return undefined;
    return { errcode: reply.errcode, errmsg: typeof reply.errmsg === 'string' ? reply.errmsg : '' };
  } catch {
    return undefined;
  }
}

/** Parses nothing (give it `dingtalkChannelSchema.parse(…)`'s output) and touches no network. */
export function createDingtalkChannel(config: DingtalkChannelConfig, deps: ChannelDeps): Channel {
  const robotOf = (recipient: Recipient): DingtalkRobot | undefined => {
    const id = recipient.dingtalkRobot;
    return id !== undefined && Object.hasOwn(config.robots, id) ? config.robots[id] : undefined;
  };
  return {
    kind: 'dingtalk',
    perMinute: config.perMinute,
    reaches: (recipient) => robotOf(recipient) !== undefined,
    destination: (recipient) => recipient.dingtalkRobot ?? '',
    async send(notice: Notice): Promise<SendResult> {
      const robotId = notice.recipient.dingtalkRobot;
      const robot = robotOf(notice.recipient);
      if (robot === undefined || robotId === undefined) {
        return { ok: false, failure: 'permanent', reason: `no DingTalk robot "${robotId ?? ''}" configured for ${notice.recipient.id}` };
      }
      const { body, omittedLines } = markdownBody(
        {
          ...notice.rendered.markdown,
          mentions: [notice.recipient, ...(notice.alsoFor ?? [])].flatMap((person) => (person.phone === undefined ? [] : [person.phone])),
          keyword: robot.keyword,
          language: notice.language,
          msgUuid: notice.deliveryKey,
        },
        config.maxBodyBytes,
      );
      if (omittedLines > 0) deps.log?.info({ robot: robotId, deliveryKey: notice.deliveryKey, omittedLines }, 'DingTalk message cut to fit the body limit');
      const now = deps.now();
      const answer = await postJson({ url: signedWebhookUrl(robot.webhook, robot.secret, now), body, timeoutMs: config.timeoutMs, now });
      return scrub(classifyDingtalkAnswer(answer, config.throttleMs), robot);
    },
  };
}

/** A reason never carries the robot's token or secret, whatever a peer or a socket error echoed. */
function scrub(result: SendResult, robot: DingtalkRobot): SendResult {
  if (result.ok) return result;
  const token = new URL(robot.webhook).searchParams.get('access_token') ?? '';
  let reason = result.reason;
  for (const secret of [robot.secret, token]) if (secret !== '') reason = reason.split(secret).join('***');
  return { ...result, reason };
}
