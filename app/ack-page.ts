/**
 * The small phone page behind the acknowledgement link of a message: the ticket, its latest
 * readings and an acknowledge button with an optional note; and the answer pages (done, expired,
 * changed, already used). Plain HTML with one stylesheet and no script at all, so the
 * Content-Security-Policy allows nothing but that stylesheet and posting the form to itself.
 * Pure: strings in, HTML out, every value escaped.
 */
import { createHash } from 'node:crypto';
import type { Language } from '../rules/notify/channel.ts';
import type { Reading } from './readings.ts';

const STYLE = `body{font:16px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:0;background:#f4f6f8;color:#1b2733}
main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.25rem;margin:.25rem 0 .75rem}
.card{background:#fff;border-radius:.5rem;padding:1rem;margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.critical{color:#b3261e}.warning{color:#a15c00}.maintenance{color:#3d5a80}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem .75rem;margin:0}dt{color:#5b6b7a}dd{margin:0}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.2rem 0;border-bottom:1px solid #e3e8ee}
textarea{width:100%;box-sizing:border-box;font:inherit;min-height:4rem}
button{width:100%;padding:.8rem;font:inherit;font-weight:600;color:#fff;background:#0b6bcb;border:0;border-radius:.4rem;margin-top:.5rem}
.notice{font-size:1.1rem}`;

/** The page's Content-Security-Policy: its own stylesheet (by hash), forms to itself, nothing else. */
export const ACK_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

const text = {
  'zh-CN': {
    lang: 'zh-CN',
    heading: '水质工单',
    where: '地点',
    measured: '测量',
    peak: '峰值',
    severity: '级别',
    since: '开始',
    limit: '依据',
    todo: '处置',
    readings: '最近读数',
    none: '暂无读数',
    note: '备注(可选)',
    notePlaceholder: '例如:已通知村民,正在冲洗管道',
    button: '确认收到',
    severities: { critical: '严重', warning: '警告', maintenance: '维护' },
    results: {
      done: ['已确认', '谢谢,已记录您的确认。调度中心可以看到。'],
      expired: ['链接已过期', '此确认链接已过期,工单未改变。请联系县调度中心。'],
      tampered: ['链接无效', '此链接已被改动或不是本系统的链接,工单未改变。'],
      replayed: ['链接已使用', '此链接已经使用过,工单未改变。'],
      not_allowed: ['无需确认', '此工单当前不需要确认,工单未改变。'],
      not_found: ['找不到工单', '找不到此工单,工单未改变。'],
    },
  },
  en: {
    lang: 'en',
    heading: 'Water-quality ticket',
    where: 'Where',
    measured: 'Measured',
    peak: 'peak',
    severity: 'Severity',
    since: 'Since',
    limit: 'Limit',
    todo: 'What to do',
    readings: 'Latest readings',
    none: 'No readings yet',
    note: 'Note (optional)',
    notePlaceholder: 'e.g. villagers told, flushing the main',
    button: 'Acknowledge',
    severities: { critical: 'Critical', warning: 'Warning', maintenance: 'Maintenance' },
    results: {
      done: ['Acknowledged', 'Thank you: your acknowledgement is recorded, dispatch can see it.'],
      expired: ['Link expired', 'This link has expired; the ticket is unchanged. Please call county dispatch.'],
      tampered: ['Link not valid', 'This link was changed or is not ours; the ticket is unchanged.'],
      replayed: ['Link already used', 'This link was used before; the ticket is unchanged.'],
      not_allowed: ['Nothing to acknowledge', 'This ticket does not need acknowledging now; it is unchanged.'],
      not_found: ['No such ticket', 'This ticket cannot be found; nothing was changed.'],
    },
  },
} as const;

export type AckResult = keyof (typeof text)['en']['results'];

export interface AckPageView {
  readonly language: Language;
  readonly ticketId: number;
  readonly title: string;
  readonly severity: 'critical' | 'warning' | 'maintenance';
  readonly state: string;
  readonly place: string;
  readonly measured: string;
  readonly peak: string;
  readonly since: string;
  readonly source: string;
  readonly advice: string;
  readonly unit: string;
  readonly readings: readonly Reading[];
  /** Formats a reading's time for the page. */
  readonly timeOf: (at: number) => string;
}

function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function page(language: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${text[language].lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

/** The ticket and the acknowledge form, posted to the same address. */
export function ackPage(view: AckPageView): string {
  const t = text[view.language];
  const rows = view.readings.map((r) => `<tr><td>${escapeHtml(view.timeOf(r.at))}</td><td>${escapeHtml(String(Math.round(r.value * 1000) / 1000))} ${escapeHtml(view.unit)}</td></tr>`).join('');
  const body = `<h1 class="${view.severity}">${escapeHtml(t.severities[view.severity])} · ${escapeHtml(view.title)}</h1>
<section class="card"><dl>
<dt>${t.where}</dt><dd>${escapeHtml(view.place)}</dd>
<dt>${t.measured}</dt><dd>${escapeHtml(view.measured)} (${t.peak} ${escapeHtml(view.peak)})</dd>
<dt>${t.since}</dt><dd>${escapeHtml(view.since)}</dd>
<dt>${t.limit}</dt><dd>${escapeHtml(view.source)}</dd>
<dt>${t.todo}</dt><dd>${escapeHtml(view.advice)}</dd>
</dl></section>
<section class="card"><h2>${t.readings}</h2>${rows === '' ? `<p>${t.none}</p>` : `<table id="readings">${rows}</table>`}</section>
<form class="card" method="post"><label for="note">${t.note}</label><textarea id="note" name="note" maxlength="500" placeholder="${escapeHtml(t.notePlaceholder)}"></textarea><button type="submit" id="acknowledge">${t.button}</button></form>`;
  return page(view.language, `${t.heading} #${view.ticketId}`, body);
}

/** The answer after posting, or for a link that cannot be used. */
export function ackResultPage(language: Language, result: AckResult, detail?: string): string {
  const [heading, message] = text[language].results[result];
  const extra = detail === undefined ? '' : `<p>${escapeHtml(detail)}</p>`;
  return page(language, heading, `<section class="card notice" id="result" data-result="${result}"><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(message)}</p>${extra}</section>`);
}
