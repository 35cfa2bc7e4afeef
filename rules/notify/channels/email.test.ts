/**
 * The e-mail channel against a real SMTP server (smtp-server) on 127.0.0.1 with STARTTLS under a
 * throw-away CA and AUTH required; and the classification of SMTP failures as a table.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK, redact } from '../../../app/redact.ts';
import { freePort } from '../../../app/free-port.ts';
import { makeTestCertificates, type TestCertificates } from '../../../test/support/certificates.ts';
import { noticeOf, villageAdmin } from '../../../test/support/channel-notices.ts';
import { startSmtpPeer, type SmtpPeer } from '../../../test/support/smtp-peer.ts';
import type { Channel } from '../channel.ts';
import { classifySmtpError, createEmailChannel, emailChannelSchema, messageIdOf } from './email.ts';

let certs: TestCertificates;
let smtp: SmtpPeer;
const deps = { now: () => Date.parse('2026-12-01T01:00:00Z') };

beforeAll(async () => {
  certs = await makeTestCertificates();
  smtp = await startSmtpPeer({ users: { alerts: 'smtp-pw' }, tls: { key: await readFile(certs.files.serverKey), cert: await readFile(certs.files.serverCert) } });
});
afterAll(async () => {
  await smtp?.close();
  await certs?.remove();
});

function channelWith(extra: Record<string, unknown> = {}): Channel {
  return createEmailChannel(
    { host: '127.0.0.1', port: smtp.port, tls: { caFile: certs.files.caCert }, auth: { user: 'alerts', password: 'smtp-pw' }, from: '清水县供水调度 <alerts@qingshui.example.cn>', ...extra },
    deps,
  );
}

describe('createEmailChannel against smtp-server', () => {
  it('sends over STARTTLS with AUTH: subject, text and HTML intact in UTF-8, the delivery key as Message-ID', async () => {
    const channel = channelWith();
    const before = smtp.messages.length;
    const result = await channel.send(noticeOf({ deliveryKey: '7:tongmen-admin:email' }));
    await channel.close?.();
    expect(result).toMatchObject({ ok: true, detail: expect.stringContaining('<7=3Atongmen-admin=3Aemail@qingshui.example.cn>') });
    const mail = smtp.messages[before];
    expect(mail).toMatchObject({ from: 'alerts@qingshui.example.cn', to: ['wang.jianguo@tongmen.example.cn'], user: 'alerts', secure: true });
    expect(mail?.subject).toBe('【严重】通门村水龙头黄水');
    expect(mail?.text).toBe('通门村东侧水龙头 浊度 4.2 NTU（限值 1 NTU）。\n请先放冷水数分钟，水清前勿饮用\n确认：https://cw.example.cn/a/42?s=Zx9');
    expect(mail?.html).toBe('<p><b>通门村东侧水龙头</b> 浊度 4.2 NTU（限值 1 NTU）。</p><p>请先放冷水数分钟，水清前勿饮用</p><p><a href="https://cw.example.cn/a/42?s=Zx9">确认</a></p>');
    expect(mail?.headers['message-id']).toBe('<7=3Atongmen-admin=3Aemail@qingshui.example.cn>');
    expect(mail?.headers['x-clearwater-delivery-key']).toBe('7:tongmen-admin:email');
    expect(mail?.headers['auto-submitted']).toBe('auto-generated');
    expect(mail?.headers.to).toBe('王建国 <wang.jianguo@tongmen.example.cn>');
    expect(mail?.headers.from).toBe('清水县供水调度 <alerts@qingshui.example.cn>');
    expect(mail?.headers['content-type']).toMatch(/^multipart\/alternative/);
  });

  it('the same delivery sent twice carries the same Message-ID', async () => {
    const channel = channelWith();
    const before = smtp.messages.length;
    await channel.send(noticeOf({ deliveryKey: '8:tongmen-admin:email' }));
    await channel.send(noticeOf({ deliveryKey: '8:tongmen-admin:email' }));
    await channel.close?.();
    expect(smtp.messages.slice(before).map((m) => m.headers['message-id'])).toEqual(['<8=3Atongmen-admin=3Aemail@qingshui.example.cn>', '<8=3Atongmen-admin=3Aemail@qingshui.example.cn>']);
  });

  it('450 at RCPT TO: transient', async () => {
    smtp.refuseNext('rcpt', 450, '4.2.1 Mailbox busy, try again later');
    const channel = channelWith();
    const result = await channel.send(noticeOf());
    await channel.close?.();
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: expect.stringMatching(/450 4\.2\.1 Mailbox busy/) });
  });

  it('550 at RCPT TO (unknown mailbox): permanent', async () => {
    smtp.refuseNext('rcpt', 550, '5.1.1 Mailbox unknown');
    const channel = channelWith();
    const result = await channel.send(noticeOf());
    await channel.close?.();
    expect(result).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/550 5\.1\.1 Mailbox unknown/) });
  });

  it('a 4xx after DATA: transient, and nothing kept', async () => {
    smtp.refuseNext('data', 451, '4.3.0 Temporary storage failure');
    const before = smtp.messages.length;
    const channel = channelWith();
    const result = await channel.send(noticeOf());
    await channel.close?.();
    expect(result).toMatchObject({ ok: false, failure: 'transient' });
    expect(smtp.messages.length).toBe(before);
  });

  it('a wrong password: 535, permanent; the server saw the attempt', async () => {
    const channel = channelWith({ auth: { user: 'alerts', password: 'wrong' } });
    const result = await channel.send(noticeOf());
    await channel.close?.();
    expect(result).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/535/) });
    expect(smtp.refusedLogins).toContain('alerts');
  });

  it('a relay certificate from a CA the channel does not trust: permanent', async () => {
    const channel = channelWith({ tls: {} });
    const result = await channel.send(noticeOf());
    await channel.close?.();
    expect(result).toMatchObject({ ok: false, failure: 'permanent', reason: expect.stringMatching(/not trusted/) });
  });

  it('no relay listening: transient', async () => {
    const port = await freePort();
    const channel = createEmailChannel({ host: '127.0.0.1', port, from: 'alerts@qingshui.example.cn', pool: false }, deps);
    const result = await channel.send(noticeOf());
    await channel.close?.();
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: expect.stringMatching(/ECONNREFUSED|ECONNECTION|ESOCKET/) });
  });
});

describe('the channel', () => {
  const channel = createEmailChannel({ host: 'smtp.example.cn', from: 'alerts@qingshui.example.cn' }, deps);

  it('reaches a recipient with an address; its destination is the address', () => {
    expect(channel.kind).toBe('email');
    expect(channel.reaches(villageAdmin)).toBe(true);
    expect(channel.reaches({ ...villageAdmin, email: undefined })).toBe(false);
    expect(channel.destination({ ...villageAdmin, email: 'Wang@Tongmen.example.cn' })).toBe('wang@tongmen.example.cn');
  });

  it('a recipient without an address: permanent, nothing sent', async () => {
    expect(await channel.send(noticeOf({ recipient: { ...villageAdmin, email: undefined } }))).toEqual({ ok: false, failure: 'permanent', reason: 'tongmen-admin has no e-mail address' });
  });

  it('config: defaults, and the password masked', () => {
    const config = emailChannelSchema.parse({ host: 'smtp.example.cn', from: 'alerts@qingshui.example.cn', auth: { user: 'alerts', password: 'smtp-pw' } });
    expect(config).toMatchObject({ security: 'starttls', pool: true, maxConnections: 2, connectionTimeoutMs: 10_000, tls: { rejectUnauthorized: true } });
    expect(redact(config)).toMatchObject({ auth: { user: 'alerts', password: MASK } });
    expect(emailChannelSchema.safeParse({ host: 'h', from: 'no address' }).success).toBe(false);
  });
});

describe('messageIdOf', () => {
  it.each([
    ['atext as it is', 'abc-123_x', '<abc-123_x@d.example>'],
    ['colons, dots and = written as =XX', '7:a.b=c', '<7=3Aa=2Eb=3Dc@d.example>'],
    ['UTF-8 bytes', '通', '<=E9=80=9A@d.example>'],
  ])('%s', (_, key, id) => {
    expect(messageIdOf(key, 'd.example')).toBe(id);
  });
});

describe('classifySmtpError', () => {
  it.each([
    ['550 at RCPT', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 Mailbox unknown' }, 'permanent'],
    ['552 message too big', { code: 'EMESSAGE', responseCode: 552, command: 'DATA', response: '552 5.3.4 Message too big' }, 'permanent'],
    ['535 bad credentials', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', response: '535 Invalid username or password' }, 'permanent'],
    ['503 bad sequence: a new session may pass', { code: 'EPROTOCOL', responseCode: 503, response: '503 Bad sequence of commands' }, 'transient'],
    ['450 mailbox busy', { code: 'EENVELOPE', responseCode: 450, response: '450 4.2.1 Mailbox busy' }, 'transient'],
    ['421 service closing', { code: 'EPROTOCOL', responseCode: 421, response: '421 4.7.0 Too many connections' }, 'transient'],
    ['454 temporary auth failure', { code: 'EAUTH', responseCode: 454, response: '454 4.7.0 Temporary authentication failure' }, 'transient'],
    ['connection refused', { code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:25' }, 'transient'],
    ['connection closed', { code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, 'transient'],
    ['greeting timeout', { code: 'ETIMEDOUT', message: 'Greeting never received' }, 'transient'],
    ['DNS', { code: 'EDNS', message: 'getaddrinfo EAI_AGAIN smtp.example.cn' }, 'transient'],
    ['an untrusted certificate (as nodemailer reports it)', { code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' }, 'permanent'],
    ['a certificate for another name', { code: 'ETLS', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, 'permanent'],
    ['a TLS reset', { code: 'ETLS', message: 'Client network socket disconnected before secure TLS connection was established' }, 'transient'],
    ['no AUTH offered', { code: 'EAUTH', message: 'Authentication failed' }, 'permanent'],
    ['a bad configuration', { code: 'ECONFIG', message: 'Invalid configuration' }, 'permanent'],
    ['something without a code', new Error('boom'), 'transient'],
  ])('%s', (_, error, failure) => {
    expect(classifySmtpError(error)).toMatchObject({ ok: false, failure });
  });
});
