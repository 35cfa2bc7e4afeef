/**
 * The e-mail channel: one notice, one address, one message through an SMTP relay (nodemailer):
 * the notice's `rendered.email` subject, plain text and HTML as multipart/alternative, UTF-8.
 *
 * The delivery key travels twice: as the Message-ID (RFC 5322 §3.6.4), so a retry of the same
 * notice carries the same id and a mailbox or archive that keeps ids can drop the repeat, and
 * readable in `X-Clearwater-Delivery-Key`. `Auto-Submitted: auto-generated` (RFC 3834 §5) keeps
 * vacation responders from answering an alert.
 *
 * Failures (classifySmtpError): a 5yz reply is permanent, a 4yz transient (RFC 5321 §4.2.1:
 * permanent and transient negative completion), 503 "bad sequence" excepted (a new session
 * may pass); no connection, a timeout or a reset is transient; a certificate the channel does
 * not trust and a configuration nodemailer refuses are permanent. The pool never requeues a
 * message (maxRequeues 0): retrying is the outbox's job.
 */
import { readFileSync } from 'node:fs';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import type { Channel, ChannelDeps, Notice, Recipient, SendResult } from '../channel.ts';

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;

export const emailChannelSchema = z
  .object({
    host: z.string().min(1).describe('SMTP relay host name or address'),
    port: z.number().int().min(1).max(65535).optional().describe('SMTP port; unset: 465 for tls, 587 for starttls, 25 for none'),
    security: z
      .enum(['starttls', 'tls', 'none'])
      .default('starttls')
      .describe('starttls: plain connect, STARTTLS required (submission, RFC 6409); tls: TLS from the first byte (RFC 8314); none: no TLS at all, for a relay on this machine'),
    tls: z
      .object({
        caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the relay\'s certificate (a private relay); unset: the system\'s trust store'),
        rejectUnauthorized: z.boolean().default(true).describe('Refuse a certificate that does not verify; false only for a test relay'),
        servername: z.string().optional().describe('Name to verify the certificate against when `host` is an address'),
      })
      .prefault({})
      .describe('How the relay\'s certificate is checked'),
    auth: z
      .object({
        user: z.string().min(1).describe('SMTP AUTH user name'),
        password: z.string().min(1).describe('Its password (masked in `clearwater config check`)'),
      })
      .optional()
      .describe('SMTP AUTH credentials; unset: no AUTH (a relay that trusts this host)'),
    from: z
      .string()
      .regex(/@[^@\s>]+>?\s*$/, 'expected an address, e.g. "清水县供水 <alerts@qingshui.example.cn>"')
      .describe('The From of every message: an address, optionally with a display name'),
    messageIdDomain: z.string().regex(DOT_ATOM, 'expected a domain').optional().describe('Right-hand side of the Message-ID; unset: the From address\'s domain'),
    connectionTimeoutMs: z.number().int().positive().default(10_000).describe('Most time to establish the TCP (and TLS) connection, ms (nodemailer: 2 min)'),
    greetingTimeoutMs: z.number().int().positive().default(10_000).describe('Most time from connect to the 220 greeting, ms (nodemailer: 30 s)'),
    socketTimeoutMs: z.number().int().positive().default(60_000).describe('Most silence on the connection while a message is sent, ms (nodemailer: 10 min)'),
    pool: z.boolean().default(true).describe('Keep SMTP connections open between messages'),
    maxConnections: z.number().int().positive().default(2).describe('Pool: most connections open at once'),
    maxMessages: z.number().int().positive().default(100).describe('Pool: messages per connection before it is replaced'),
  })
  .describe('E-mail through an SMTP relay');
export type EmailChannelConfig = z.infer<typeof emailChannelSchema>;

const DEFAULT_PORT = { tls: 465, starttls: 587, none: 25 } as const;

export function createEmailChannel(input: z.input<typeof emailChannelSchema>, deps: ChannelDeps): Channel {
  const config = emailChannelSchema.parse(input);
  const domain = config.messageIdDomain ?? /@([^@\s>]+)>?\s*$/.exec(config.from)?.[1] ?? 'clearwater.invalid';
  const ca = config.tls.caFile === undefined ? undefined : readFileSync(config.tls.caFile);
  const transport = createTransport({
    pool: config.pool,
    host: config.host,
    port: config.port ?? DEFAULT_PORT[config.security],
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    auth: config.auth === undefined ? undefined : { user: config.auth.user, pass: config.auth.password },
    tls: { ca, rejectUnauthorized: config.tls.rejectUnauthorized, servername: config.tls.servername, minVersion: 'TLSv1.2' },
    connectionTimeout: config.connectionTimeoutMs,
    greetingTimeout: config.greetingTimeoutMs,
    socketTimeout: config.socketTimeoutMs,
    maxConnections: config.maxConnections,
    maxMessages: config.maxMessages,
    maxRequeues: 0,
  });

  async function send(notice: Notice): Promise<SendResult> {
    const address = notice.recipient.email;
    if (address === undefined || address === '') return { ok: false, failure: 'permanent', reason: `${notice.recipient.id} has no e-mail address` };
    const email = notice.rendered.email;
    try {
      const info = await transport.sendMail({
        from: config.from,
        to: { name: notice.recipient.name, address },
        subject: email.subject,
        text: email.text,
        html: email.html,
        date: new Date(deps.now()),
        messageId: messageIdOf(notice.deliveryKey, domain),
        headers: { 'X-Clearwater-Delivery-Key': notice.deliveryKey, 'Auto-Submitted': 'auto-generated' },
      });
      return { ok: true, detail: `${info.messageId} ${info.response ?? ''}`.trim() };
    } catch (error) {
      return classifySmtpError(error);
    }
  }

  return {
    kind: 'email',
    reaches: (recipient: Recipient) => recipient.email !== undefined && recipient.email.includes('@'),
    destination: (recipient: Recipient) => (recipient.email ?? '').toLowerCase(),
    send,
    close: async () => transport.close(),
  };
}

/**
 * `<id-left@domain>` with id-left the delivery key as RFC 5322 dot-atom-text: every character
 * outside atext (and `=`, `.`) written as =XX per UTF-8 byte, so the id is valid, reversible and
 * the same for every retry of one delivery.
 */
export function messageIdOf(deliveryKey: string, domain: string): string {
  const encoded = [...Buffer.from(deliveryKey, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return byte < 0x80 && /[A-Za-z0-9!#$%&'*+\-/?^_`{|}~]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `<${encoded === '' ? 'clearwater' : encoded}@${domain}>`;
}

interface SmtpErrorLike {
  readonly code?: string;
  /** Node's code under nodemailer's (UNABLE_TO_VERIFY_LEAF_SIGNATURE under ESOCKET). */
  readonly originalCode?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly message?: string;
  readonly command?: string;
}

/** No connection, a dropped or timed-out one, a protocol hiccup: another try may pass. */
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROTOCOL', 'ESTREAM', 'EMAXLIMIT', 'EPROXY']);

/**
 * Node's certificate verification failures (nodemailer reports them as ESOCKET or ETLS): the
 * relay will not become trusted by trying again.
 */
function untrustedCertificate(e: SmtpErrorLike): boolean {
  if (e.code !== 'ESOCKET' && e.code !== 'ETLS') return false;
  return /CERT|SIGNATURE|ALTNAME|ISSUER/.test(e.originalCode ?? '') || /certificate|self[- ]signed|unable to verify|altnames/i.test(e.message ?? '');
}

/** A nodemailer error as a send result. Pure. */
export function classifySmtpError(error: unknown): SendResult {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SmtpErrorLike;
  const reply = e.response?.trim();
  const said = reply ? `SMTP ${e.command ? `${e.command}: ` : ''}${reply}` : `SMTP ${e.code ?? 'error'}: ${e.message ?? 'failed'}`;
  if (typeof e.responseCode === 'number') {
    const permanent = e.responseCode >= 500 && e.responseCode !== 503;
    return { ok: false, failure: permanent ? 'permanent' : 'transient', reason: said };
  }
  if (untrustedCertificate(e)) return { ok: false, failure: 'permanent', reason: `${said} (the relay's certificate is not trusted: tls.caFile, tls.servername)` };
  if (e.code === 'ETLS' || (e.code !== undefined && TRANSIENT_CODES.has(e.code))) return { ok: false, failure: 'transient', reason: said };
  if (e.code === undefined || /^E(CONNREFUSED|CONNRESET|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN)$/.test(e.code)) return { ok: false, failure: 'transient', reason: said };
  // EAUTH without a reply (no AUTH offered), ENOAUTH, ECONFIG, EENVELOPE (an address nodemailer refuses), EMESSAGE.
  return { ok: false, failure: 'permanent', reason: said };
}
