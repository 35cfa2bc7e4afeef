/**
 * The Alertmanager channel: the notice's tickets pushed as alerts to a Prometheus Alertmanager
 * (`POST {url}/api/v2/alerts`), which routes, groups, silences and notifies by its own config.
 *
 * One alert per ticket (alertsOf, pure). Its labels are its identity in Alertmanager (the
 * fingerprint is the label set): alertname = rule id, ticket_id, site, village, township,
 * severity, source = "clearwater", and the config's extraLabels; nothing that changes while the
 * ticket lives (state, tier) is a label. A severity change ("worse") therefore starts a second
 * alert for the same ticket; the first one ends by itself after resolve_timeout, as it is no
 * longer pushed. Annotations carry the summary in the notice's language, the value, the
 * limit's citation and the advice. startsAt = the ticket's opening; endsAt = now on a resolved
 * ticket, unset otherwise.
 *
 * An alert without endsAt is resolved by Alertmanager after its resolve_timeout (5 min by
 * default) unless pushed again, as Prometheus re-sends firing alerts (at least every
 * --rules.alert.resend-delay, 1 min by default): the channel asks the sender to re-send the
 * latest notice of each open ticket every `resendEveryMs` (Channel.resendEveryMs). Pushing the
 * same ticket again is harmless: same labels, same alert.
 *
 * Prometheus Alertmanager API v2 (api/v2/openapi.yaml, v0.25.0,
 * https://github.com/prometheus/alertmanager/blob/v0.25.0/api/v2/openapi.yaml): postableAlert =
 * labels (required), annotations, startsAt, endsAt (date-time), generatorURL (uri); 200 "Create
 * alerts response", 400 BadRequest (a string: "at least one label pair required", "start time
 * must be before end time"), 500.
 */
import { z } from 'zod';
import type { Channel, ChannelDeps, Notice, NoticeTicket, SendResult } from '../channel.ts';
import { exchange, excerpt, hasUserinfo, NO_USERINFO, retryAfterMs, type HttpExchange } from './http-exchange.ts';

/** Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*, and __* is reserved (data model). */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const OWN_LABELS = ['alertname', 'ticket_id', 'site', 'village', 'township', 'severity', 'source'];

export const alertmanagerChannelSchema = z
  .object({
    url: z
      .url()
      .refine((url) => !hasUserinfo(url), NO_USERINFO)
      .describe('Alertmanager base URL, with its --web.route-prefix if any, e.g. http://alertmanager:9093'),
    linkBase: z.url().describe('Base URL of the Clearwater console/API, for each alert\'s generatorURL'),
    linkPath: z
      .string()
      .regex(/\{id\}/, 'expected {id} in the path')
      .default('/api/tickets/{id}')
      .describe('Path of a ticket under linkBase; {id} is the ticket id'),
    auth: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('basic').describe('HTTP basic auth (Alertmanager --web.config.file basic_auth_users)'), username: z.string().min(1).describe('User name'), password: z.string().min(1).describe('Its password (masked in `clearwater config check`)') }),
        z.object({ type: z.literal('bearer').describe('A bearer token, for a proxy in front of Alertmanager'), token: z.string().min(1).describe('The token (masked in `clearwater config check`)') }),
      ])
      .optional()
      .describe('Credentials, when Alertmanager or a proxy before it asks for them'),
    extraLabels: z
      .record(z.string().regex(LABEL_NAME, 'expected a Prometheus label name').refine((name) => !name.startsWith('__') && !OWN_LABELS.includes(name), 'reserved label name'), z.string())
      .default({})
      .describe('Labels added to every alert, e.g. { county: qingshui } for routing'),
    timeoutMs: z.number().int().positive().default(10_000).describe('Whole request, ms'),
    resendEveryMs: z
      .number()
      .int()
      .positive()
      .default(60_000)
      .describe('How often open tickets are pushed again, ms: well under Alertmanager\'s resolve_timeout (5 min), like Prometheus\'s resend delay (1 min)'),
  })
  .describe('Tickets as alerts in a Prometheus Alertmanager');
export type AlertmanagerChannelConfig = z.infer<typeof alertmanagerChannelSchema>;

/** postableAlert of the API v2. */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly generatorURL: string;
}

/** The tickets of a notice as alerts. Pure. */
export function alertsOf(notice: Notice, now: number, config: Pick<AlertmanagerChannelConfig, 'linkBase' | 'linkPath' | 'extraLabels'>): PostableAlert[] {
  return notice.tickets.map((ticket) => {
    const ended = notice.kind === 'resolved' || ticket.state === 'resolved' || ticket.state === 'closed';
    return {
      labels: {
        ...config.extraLabels,
        alertname: ticket.ruleId,
        ticket_id: String(ticket.id),
        site: ticket.site,
        // An empty label value is no label in Alertmanager: a plant outside a village has none.
        ...(ticket.village === null ? {} : { village: ticket.village }),
        township: ticket.township,
        severity: ticket.severity,
        source: 'clearwater',
      },
      annotations: annotationsOf(ticket, notice.language),
      startsAt: new Date(ticket.openedAt).toISOString(),
      ...(ended ? { endsAt: new Date(now).toISOString() } : {}),
      generatorURL: `${config.linkBase.replace(/\/+$/, '')}${config.linkPath.replace('{id}', encodeURIComponent(String(ticket.id)))}`,
    };
  });
}

function annotationsOf(ticket: NoticeTicket, language: Notice['language']): Record<string, string> {
  const place = ticket.villageName === null ? ticket.siteName : `${ticket.villageName} ${ticket.siteName}`;
  if (language === 'zh-CN') {
    return {
      summary: `${ticket.titleZh}（${place}）`,
      description: `${ticket.metric} 当前 ${ticket.lastValue} ${ticket.unit}，峰值 ${ticket.peakValue} ${ticket.unit}；限值依据：${ticket.source}`,
      advice: ticket.advice,
      tier: ticket.tier,
      state: ticket.state,
    };
  }
  return {
    summary: `${ticket.title} (${place})`,
    description: `${ticket.metric} ${ticket.lastValue} ${ticket.unit}, peak ${ticket.peakValue} ${ticket.unit}; limit: ${ticket.source}`,
    advice: ticket.advice,
    tier: ticket.tier,
    state: ticket.state,
  };
}

/** 2xx delivered; 400 and other 4xx permanent (a bad alert, wrong credentials or URL); 429 throttled; 408, 5xx and no answer transient. */
export function classifyAlertmanager(answer: HttpExchange, now: number): SendResult {
  if (answer.kind === 'network') return { ok: false, failure: 'transient', reason: `Alertmanager: ${answer.reason}` };
  const reason = `Alertmanager: HTTP ${answer.status} ${excerpt(answer.text)}`.trim();
  if (answer.status >= 200 && answer.status < 300) return { ok: true, detail: `HTTP ${answer.status}` };
  if (answer.status === 429) {
    const wait = retryAfterMs(answer.headers.get('retry-after'), now);
    return { ok: false, failure: 'throttled', reason, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  if (answer.status >= 500 || answer.status === 408) return { ok: false, failure: 'transient', reason };
  return { ok: false, failure: 'permanent', reason };
}

export function createAlertmanagerChannel(input: z.input<typeof alertmanagerChannelSchema>, deps: ChannelDeps): Channel {
  const config = alertmanagerChannelSchema.parse(input);
  const endpoint = `${config.url.replace(/\/+$/, '')}/api/v2/alerts`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (config.auth?.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`, 'utf8').toString('base64')}`;
  if (config.auth?.type === 'bearer') headers.authorization = `Bearer ${config.auth.token}`;

  async function send(notice: Notice): Promise<SendResult> {
    const alerts = alertsOf(notice, deps.now(), config);
    if (alerts.length === 0) return { ok: true, detail: 'no tickets, nothing to push' };
    const result = classifyAlertmanager(await exchange({ url: endpoint, method: 'POST', headers, body: JSON.stringify(alerts), timeoutMs: config.timeoutMs }), deps.now());
    return result.ok ? { ok: true, detail: `${alerts.length} alert(s), ${result.detail ?? ''}`.trim() } : result;
  }

  return {
    kind: 'alertmanager',
    // Alertmanager routes by its own config: every notice goes there, whoever it was for.
    reaches: () => true,
    destination: () => config.url,
    resendEveryMs: config.resendEveryMs,
    send,
  };
}
