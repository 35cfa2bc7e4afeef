/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1, an ephemeral port, for the e-mail
 * channel's tests. It offers STARTTLS with the given certificate, requires AUTH (PLAIN or LOGIN,
 * only after STARTTLS) against `users`, keeps every message it accepted, raw and parsed (headers
 * unfolded and RFC 2047-decoded, the text and HTML parts of a multipart/alternative decoded from
 * base64 or quoted-printable), and can be told to refuse the next RCPT TO or DATA with a code.
 *
 *   const smtp = await startSmtpPeer({ users: { alerts: 'pw' }, tls: { key, cert } });
 *   smtp.refuseNext('rcpt', 550, '5.1.1 Mailbox unknown');
 *   smtp.messages[0].subject; smtp.messages[0].text; smtp.messages[0].html
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** Who logged in (AUTH), and whether the session was under TLS when the message came. */
  readonly user: string | undefined;
  readonly secure: boolean;
  readonly raw: string;
  /** Top-level headers, names lowercase, folded lines joined, encoded words decoded. */
  readonly headers: Readonly<Record<string, string>>;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export type SmtpStage = 'rcpt' | 'data';

export interface SmtpPeer {
  readonly host: string;
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** AUTH attempts that failed, by user name. */
  readonly refusedLogins: string[];
  refuseNext(stage: SmtpStage, code: number, message: string): void;
  close(): Promise<void>;
}

export async function startSmtpPeer(options: { users: Readonly<Record<string, string>>; tls: { key: Buffer; cert: Buffer } }): Promise<SmtpPeer> {
  const messages: ReceivedMail[] = [];
  const refusedLogins: string[] = [];
  const refusals: { stage: SmtpStage; code: number; message: string }[] = [];
  const refusal = (stage: SmtpStage): Error | null => {
    const index = refusals.findIndex((r) => r.stage === stage);
    if (index === -1) return null;
    const [r] = refusals.splice(index, 1);
    return Object.assign(new Error(r?.message), { responseCode: r?.code });
  };
  const server = new SMTPServer({
    secure: false,
    key: options.tls.key,
    cert: options.tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username !== undefined && options.users[auth.username] === auth.password) return callback(null, { user: auth.username });
      refusedLogins.push(auth.username ?? '');
      return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      callback(refusal('rcpt'));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refused = refusal('data');
        if (refused) return callback(refused);
        messages.push(parseMail(Buffer.concat(chunks).toString('utf8'), session));
        return callback(null, 'Message queued as cw-test');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    messages,
    refusedLogins,
    refuseNext: (stage, code, message) => void refusals.push({ stage, code, message }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function parseMail(raw: string, session: SMTPServerSession): ReceivedMail {
  const { headers, body } = splitEntity(raw);
  const parts = partsOf(headers, body);
  const part = (type: string) => parts.find((p) => (p.headers['content-type'] ?? 'text/plain').toLowerCase().startsWith(type));
  const envelope = session.envelope;
  return {
    from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
    to: envelope.rcptTo.map((r) => r.address),
    user: typeof session.user === 'string' ? session.user : undefined,
    secure: session.secure,
    raw,
    headers,
    subject: headers.subject ?? '',
    text: decodePart(part('text/plain')),
    html: decodePart(part('text/html')),
  };
}

interface Entity {
  readonly headers: Record<string, string>;
  readonly body: string;
}

function splitEntity(raw: string): Entity {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body: end === -1 ? '' : raw.slice(end + 4) };
}

/** The leaf parts: the entity itself, or the parts of a multipart (one level of nesting is enough here). */
function partsOf(headers: Record<string, string>, body: string): Entity[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!(headers['content-type'] ?? '').toLowerCase().startsWith('multipart/') || boundary === undefined) return [{ headers, body }];
  return body
    .split(`--${boundary}`)
    .slice(1)
    .filter((chunk) => !chunk.startsWith('--'))
    .map((chunk) => splitEntity(chunk.replace(/^\r\n/, '')))
    .flatMap((entity) => partsOf(entity.headers, entity.body));
}

function decodePart(part: Entity | undefined): string {
  if (part === undefined) return '';
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body = part.body.replace(/\r\n$/, '');
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return quotedPrintable(body);
  return body;
}

function quotedPrintable(text: string): string {
  const soft = text.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i] ?? '';
    if (c === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=), whitespace between adjacent words dropped. */
function decodeWords(value: string): string {
  return value.replace(/(=\?[^?]+\?[BQ]\?[^?]*\?=)\s+(?==\?)/gi, '$1').replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, text: string) =>
    kind.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : quotedPrintable(text.replace(/_/g, ' ')),
  );
}
