/**
 * Messages from templates: one file per language and notice kind (`templates/<lang>/<kind>.yaml`),
 * each with the formats the channels use (DingTalk markdown, SMS text, e-mail subject, text and
 * HTML), rendered with Mustache; and what to do, by rule (`templates/<lang>/advice.yaml`).
 * Templates are checked when loaded: a missing file, kind or format fails the start, not a send.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Mustache from 'mustache';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { metrics, type MetricName } from '../../network/metrics.ts';
import { languages, noticeKinds, type Language, type Notice, type NoticeKind, type NoticeTicket, type Recipient } from './channel.ts';

export const TEMPLATE_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

const templateSchema = z.strictObject({
  markdown: z.strictObject({ title: z.string().min(1), text: z.string().min(1) }),
  sms: z.string().min(1),
  email: z.strictObject({ subject: z.string().min(1), text: z.string().min(1), html: z.string().min(1) }),
});
type Template = z.infer<typeof templateSchema>;
const adviceMap = z.record(z.string(), z.string().min(1)).refine((advice) => typeof advice.default === 'string', 'needs a `default` entry');
/** What to do, by rule id: `text` for messages, `short` for SMS, where every character is billed. */
const adviceSchema = z.strictObject({ text: adviceMap, short: adviceMap });
type Advice = z.infer<typeof adviceSchema>;

/** Words the templates share, by language. */
const words: Record<Language, { severity: Record<NoticeTicket['severity'], string>; tier: Record<NoticeTicket['tier'], string>; kind: Record<NoticeKind, string>; metric: Partial<Record<MetricName, string>> }> = {
  'zh-CN': {
    severity: { critical: '严重', warning: '警告', maintenance: '维护' },
    tier: { village: '村', township: '乡镇', county: '县调度中心' },
    kind: { opened: '新', escalated: '上报', worse: '加重', resolved: '已恢复', digest: '汇总', test: '测试' },
    metric: { turbidity: '浊度', filter_turbidity: '滤后水浊度', chlorine_dose: '投氯量', pressure: '水压', free_chlorine: '余氯', total_chlorine: '总氯', ph: 'pH', temperature: '水温', conductivity: '电导率', orp: 'ORP', color: '色度', iron: '铁', manganese: '锰', toc: 'TOC', flow: '流量', level: '液位' },
  },
  en: {
    severity: { critical: 'CRITICAL', warning: 'Warning', maintenance: 'Maintenance' },
    tier: { village: 'village', township: 'township', county: 'county dispatch' },
    kind: { opened: 'new', escalated: 'referred', worse: 'worse', resolved: 'resolved', digest: 'digest', test: 'test' },
    metric: { filter_turbidity: 'filter effluent turbidity', chlorine_dose: 'chlorine dose', free_chlorine: 'free chlorine', total_chlorine: 'total chlorine', ph: 'pH', orp: 'ORP', toc: 'TOC' },
  },
};

/** What a template sees of one ticket. */
export interface TicketView {
  readonly id: number;
  readonly title: string;
  readonly severityLabel: string;
  readonly tierLabel: string;
  readonly kindLabel: string;
  readonly place: string;
  readonly metricLabel: string;
  readonly valueText: string;
  readonly peakText: string;
  readonly source: string;
  readonly since: string;
  readonly advice: string;
  /** The advice in a few words, for SMS. */
  readonly adviceShort: string;
  readonly ackUrl: string | undefined;
}

/** What a template sees: the recipient, the first ticket (`ticket`) and all of them (`tickets`, `count`). */
export interface NoticeView {
  readonly recipientName: string;
  readonly count: number;
  readonly ticket: TicketView | undefined;
  readonly tickets: readonly TicketView[];
}

export class NoticeRenderer {
  private constructor(
    private readonly templates: ReadonlyMap<string, Template>,
    private readonly adviceByLanguage: ReadonlyMap<Language, Advice>,
    private readonly timeZone: string,
  ) {}

  /** Loads and checks every template and advice file; throws naming each problem. */
  static async load(timeZone: string, dir = TEMPLATE_DIR): Promise<NoticeRenderer> {
    const templates = new Map<string, Template>();
    const advice = new Map<Language, Advice>();
    const problems: string[] = [];
    for (const language of languages) {
      for (const kind of noticeKinds) {
        const parsed = templateSchema.safeParse(await readYaml(`${dir}/${language}/${kind}.yaml`));
        if (parsed.success) templates.set(`${language}/${kind}`, parsed.data);
        else problems.push(`${language}/${kind}.yaml: ${z.prettifyError(parsed.error)}`);
      }
      const parsed = adviceSchema.safeParse(await readYaml(`${dir}/${language}/advice.yaml`));
      if (parsed.success) advice.set(language, parsed.data);
      else problems.push(`${language}/advice.yaml: ${z.prettifyError(parsed.error)}`);
    }
    if (problems.length > 0) throw new Error(`notification templates in ${dir} are invalid:\n${problems.join('\n')}`);
    return new NoticeRenderer(templates, advice, timeZone);
  }

  /** What to do about a ticket of `ruleId`, in `language` (`short`: for SMS). */
  advice(language: Language, ruleId: string, length: 'text' | 'short' = 'text'): string {
    const advice: Readonly<Record<string, string>> = this.adviceByLanguage.get(language)?.[length] ?? {};
    return advice[ruleId] ?? advice.default ?? '';
  }

  /** One message for one recipient. */
  render(kind: NoticeKind, recipient: Recipient, tickets: readonly NoticeTicket[], deliveryKey: string): Notice {
    const language = recipient.language;
    const template = this.templates.get(`${language}/${kind}`);
    if (template === undefined) throw new Error(`no template ${language}/${kind}`);
    const views = tickets.map((ticket) => this.ticketView(ticket, language, kind));
    const view: NoticeView = { recipientName: recipient.name, count: views.length, ticket: views[0], tickets: views };
    const plain = (text: string) => Mustache.render(text, view, {}, { escape: (value: string) => value }).trim();
    const html = (text: string) => Mustache.render(text, view, {}, { escape: escapeHtml }).trim();
    return {
      kind,
      language,
      recipient,
      tickets,
      deliveryKey,
      rendered: {
        markdown: { title: plain(template.markdown.title), text: plain(template.markdown.text) },
        sms: { text: plain(template.sms), params: smsParams(views[0], views.length) },
        email: { subject: plain(template.email.subject), text: plain(template.email.text), html: html(template.email.html) },
      },
    };
  }

  private ticketView(ticket: NoticeTicket, language: Language, kind: NoticeKind): TicketView {
    const w = words[language];
    const unit = ticket.unit === '' ? '' : ` ${ticket.unit}`;
    // A site named after its village ("桐门村 村口龙头") is not named twice.
    const named = ticket.villageName !== null && ticket.siteName.includes(ticket.villageName);
    const place = [named ? null : ticket.villageName, ticket.siteName].filter((part): part is string => part !== null && part !== '').join(language === 'zh-CN' ? ' ' : ', ');
    return {
      id: ticket.id,
      title: language === 'zh-CN' ? ticket.titleZh : ticket.title,
      severityLabel: w.severity[ticket.severity],
      tierLabel: w.tier[ticket.tier],
      kindLabel: w.kind[ticket.change ?? kind],
      place,
      metricLabel: w.metric[ticket.metric as MetricName] ?? ticket.metric,
      valueText: `${formatValue(ticket.lastValue)}${unit}`,
      peakText: `${formatValue(ticket.peakValue)}${unit}`,
      source: ticket.source,
      since: formatLocal(ticket.openedAt, language, this.timeZone),
      advice: ticket.advice || this.advice(language, ticket.ruleId),
      adviceShort: this.advice(language, ticket.ruleId, 'short'),
      ackUrl: ticket.ackUrl,
    };
  }
}

/** Template parameters for SMS gateways that send a registered template (Alibaba, Tencent). */
function smsParams(first: TicketView | undefined, count: number): Record<string, string> {
  if (first === undefined) return {};
  return { place: first.place, title: first.title, value: `${first.metricLabel}${first.valueText}`, severity: first.severityLabel, count: String(count), link: first.ackUrl ?? '' };
}

/** The five characters HTML text and attribute values need escaped (HTML Living Standard, "Serializing HTML fragments"). */
function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Up to three decimals, no trailing zeros. */
function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : '—';
}

/** "12月1日 10:05" or "1 Dec 10:05", in the county's time zone. */
function formatLocal(at: number, language: Language, timeZone: string): string {
  return new Intl.DateTimeFormat(language === 'zh-CN' ? 'zh-CN' : 'en-GB', { timeZone, month: language === 'zh-CN' ? 'long' : 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

async function readYaml(path: string): Promise<unknown> {
  try {
    return parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The canonical unit of a metric, for a notice ticket. */
export function unitOf(metric: string): string {
  return (metrics as Record<string, { unit: string } | undefined>)[metric]?.unit ?? '';
}
