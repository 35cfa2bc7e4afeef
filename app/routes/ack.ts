/**
 * The acknowledgement link of a message (`/ack/<token>`): GET shows the phone page with the
 * ticket and its latest readings; POST acknowledges it as the recipient the link was made for,
 * with the note, from the client's address, once. The link is its own credential (signed,
 * expiring, bound to one ticket and one recipient: rules/notify/ack-link.ts), so these routes sit
 * outside the bearer-token gate. An expired, changed or used link gets a page that says so and
 * changes nothing.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Catalog } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import { verifyAckLink, type AckClaims } from '../../rules/notify/ack-link.ts';
import type { Language } from '../../rules/notify/channel.ts';
import { unitOf, type NoticeRenderer } from '../../rules/notify/render.ts';
import type { TicketStore } from '../../rules/tickets/store.ts';
import { ACK_PAGE_CSP, ackPage, ackResultPage, type AckResult } from '../ack-page.ts';
import type { Reading } from '../readings.ts';
import { originOf } from './gate.ts';

export interface AckRoutesDeps {
  readonly store: Pick<TicketStore, 'get' | 'acknowledgeByLink' | 'linkUse'>;
  readonly catalog: Catalog;
  /** The key the links are signed with. */
  readonly key: Buffer;
  readonly renderer: NoticeRenderer;
  /** The latest readings of a site's metric since an instant (app/readings.ts); failures show no readings. */
  readonly readings: (site: string, metric: MetricName, sinceMs: number) => Promise<Reading[]>;
  readonly now: () => number;
}

const tokenParams = z.object({ token: z.string().min(1).max(512) });
const noteBody = z.object({ note: z.string().max(500).optional() });
const READINGS_WINDOW_MS = 6 * 3_600_000;

export function registerAckRoutes(app: FastifyInstance, deps: AckRoutesDeps): void {
  // The page posts an HTML form; nothing bigger than a note is read.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  const timeZone = deps.catalog.file.county.timeZone;

  const answer = (reply: FastifyReply, status: number, html: string) => reply.code(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', ACK_PAGE_CSP).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send(html);
  const languageOf = (claims: AckClaims | undefined): Language => (claims ? (deps.catalog.recipient(claims.recipient)?.language ?? 'zh-CN') : 'zh-CN');
  const refused = (reply: FastifyReply, language: Language, result: AckResult, detail?: string) => answer(reply, { expired: 410, replayed: 409, not_allowed: 409, not_found: 404, tampered: 403, done: 200 }[result], ackResultPage(language, result, detail));

  /** The link's claims, or the page that refuses it. */
  async function claimsOf(token: string, reply: FastifyReply): Promise<AckClaims | undefined> {
    const verdict = verifyAckLink(deps.key, token, deps.now());
    if (!verdict.ok) {
      void refused(reply, 'zh-CN', verdict.reason === 'expired' ? 'expired' : 'tampered');
      return undefined;
    }
    const used = await deps.store.linkUse(verdict.claims.jti);
    if (used) {
      void refused(reply, languageOf(verdict.claims), 'replayed', new Date(used.usedAt).toLocaleString(languageOf(verdict.claims), { timeZone }));
      return undefined;
    }
    return verdict.claims;
  }

  app.get('/ack/:token', async (request, reply) => {
    const params = tokenParams.safeParse(request.params);
    if (!params.success) return refused(reply, 'zh-CN', 'tampered');
    const claims = await claimsOf(params.data.token, reply);
    if (!claims) return reply;
    const language = languageOf(claims);
    const found = await deps.store.get(claims.ticketId);
    if (!found) return refused(reply, language, 'not_found');
    const { ticket } = found;
    const site = deps.catalog.sites.get(ticket.site);
    const village = ticket.village === null ? undefined : deps.catalog.village(ticket.village);
    const unit = unitOf(ticket.metric);
    const readings = await deps.readings(ticket.site, ticket.metric, deps.now() - READINGS_WINDOW_MS).catch(() => []);
    const format = (at: number) => new Intl.DateTimeFormat(language, { timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
    const place = [village && !(site?.name ?? '').includes(village.name) ? village.name : null, site?.name ?? ticket.site].filter(Boolean).join(' ');
    return answer(
      reply,
      200,
      ackPage({
        language,
        ticketId: ticket.id,
        title: language === 'zh-CN' ? ticket.titleZh : ticket.title,
        severity: ticket.severity,
        state: ticket.state,
        place,
        measured: `${ticket.lastValue} ${unit}`,
        peak: `${ticket.peakValue} ${unit}`,
        since: format(ticket.openedAt),
        source: ticket.source,
        advice: deps.renderer.advice(language, ticket.ruleId),
        unit,
        readings,
        timeOf: format,
      }),
    );
  });

  app.post('/ack/:token', async (request, reply) => {
    const params = tokenParams.safeParse(request.params);
    if (!params.success) return refused(reply, 'zh-CN', 'tampered');
    const claims = await claimsOf(params.data.token, reply);
    if (!claims) return reply;
    const language = languageOf(claims);
    const body = noteBody.safeParse(request.body ?? {});
    const note = body.success ? body.data.note?.trim() : undefined;
    const recipient = deps.catalog.recipient(claims.recipient);
    const outcome = await deps.store.acknowledgeByLink({
      jti: claims.jti,
      ticketId: claims.ticketId,
      recipient: claims.recipient,
      at: deps.now(),
      actor: recipient?.name ?? claims.recipient,
      origin: originOf(request),
      note: note ? `${note} (from the link in a message)` : 'acknowledged from the link in a message',
    });
    if (outcome.ok) return answer(reply, 200, ackResultPage(language, 'done'));
    return refused(reply, language, outcome.reason === 'replayed' ? 'replayed' : outcome.reason === 'not_found' ? 'not_found' : 'not_allowed');
  });
}
