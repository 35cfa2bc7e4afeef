/**
 * The ticket API with bearer tokens, on a whole process: a turbid Tongmen tap opens a ticket,
 * then people with different roles try to move it. Reads like a timeline.
 */
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { Ticket, TicketEvent } from '../rules/tickets/ticket.ts';
import { connectDevice, eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const tokens = {
  dispatcher: 'dispatch-token-0123456789',
  tongmen: 'tongmen-admin-token-0123',
  dongqiao: 'dongqiao-admin-token-012',
  viewer: 'viewer-token-0123456789',
};
let pipeline: TestPipeline;
let ticketId: number;

beforeAll(async () => {
  pipeline = await startTestPipeline(inject('influxUrl'), 'ticket_api', {
    api: {
      tokens: [
        { token: tokens.dispatcher, name: 'Chen (dispatch)', role: 'dispatcher' },
        { token: tokens.tongmen, name: 'Li (Tongmen)', role: 'village_admin', villages: ['tongmen'] },
        { token: tokens.dongqiao, name: 'Wang (Dongqiao)', role: 'village_admin', villages: ['dongqiao'] },
        { token: tokens.viewer, name: 'wall screen', role: 'viewer' },
      ],
    },
    rulesTickMs: 300,
  });
}, 30_000);
afterAll(async () => pipeline?.close());

function call(path: string, token?: string, body?: unknown): Promise<Response> {
  return fetch(`${pipeline.http}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

it('opens a Tongmen tap turbidity ticket from readings above 1 NTU for 5 minutes', async () => {
  const start = Date.now() - 10 * 60_000;
  const device = await connectDevice(pipeline.mqttUrl, 'tongmen-end-tap-wq');
  for (let minute = 0; minute < 6; minute++) {
    const payload = JSON.stringify({ ts: start + minute * 60_000, readings: { turbidity: 3.2 + minute / 10 } });
    await device.publishAsync('water/tongmen-end-tap/tongmen-end-tap-wq/telemetry', payload, { qos: 1 });
  }
  await device.endAsync();
  const ticket = await eventually(async () => {
    const response = await call('/api/tickets', tokens.dispatcher);
    const { tickets } = (await response.json()) as { tickets: Ticket[] };
    return tickets.find((t) => t.ruleId === 'tap-turbidity' && t.village === 'tongmen');
  }, 15_000, 'an open Tongmen ticket');
  ticketId = ticket.id;
  expect(ticket.state).toBe('open');
});

it('reports the alarm load in /metrics, against the ISA-18.2 targets', async () => {
  expect(await metric(pipeline.http, 'clearwater_alarms_opened_1h', tokens.viewer)).toBeGreaterThanOrEqual(1);
  expect(await metric(pipeline.http, 'clearwater_alarms_opened_10m', tokens.viewer)).toBeGreaterThanOrEqual(1);
  expect(await metric(pipeline.http, 'clearwater_alarms_standing_24h', tokens.viewer)).toBe(0);
});

it('/healthz and /metrics need a token too (api.open is empty)', async () => {
  expect((await call('/healthz')).status).toBe(401);
  expect((await call('/metrics')).status).toBe(401);
  expect((await call('/healthz', tokens.viewer)).status).toBe(200);
});

it('reads need a token once tokens are configured, and village admins see only their villages', async () => {
  expect((await call('/api/tickets')).status).toBe(401);
  const dongqiao = (await (await call('/api/tickets', tokens.dongqiao)).json()) as { tickets: Ticket[] };
  expect(dongqiao.tickets.some((t) => t.id === ticketId)).toBe(false);
  const tongmen = (await (await call('/api/tickets', tokens.tongmen)).json()) as { tickets: Ticket[] };
  expect(tongmen.tickets.map((t) => t.id)).toContain(ticketId);
  // Another village's ticket does not exist for a village admin: the same 404 as an unknown id.
  const hidden = await call(`/api/tickets/${ticketId}`, tokens.dongqiao);
  expect([hidden.status, await hidden.json()]).toEqual([404, { error: `no ticket ${ticketId}` }]);
  expect((await call('/api/tickets/999999', tokens.viewer)).status).toBe(404);
});

it('a viewer cannot acknowledge', async () => {
  expect((await call(`/api/tickets/${ticketId}/acknowledge`, tokens.viewer, {})).status).toBe(403);
});

it('a village admin of another village cannot acknowledge, and learns nothing of the id', async () => {
  expect((await call(`/api/tickets/${ticketId}/acknowledge`, tokens.dongqiao, {})).status).toBe(404);
});

it('an unknown or missing token is refused with 401', async () => {
  const unknown = await call(`/api/tickets/${ticketId}/acknowledge`, 'not-a-configured-token-000', {});
  expect(unknown.status).toBe(401);
  expect(await unknown.text()).not.toContain('not-a-configured-token');
  expect((await call(`/api/tickets/${ticketId}/acknowledge`, undefined, {})).status).toBe(401);
});

it('the Tongmen admin acknowledges; the audit trail names them', async () => {
  const response = await call(`/api/tickets/${ticketId}/acknowledge`, tokens.tongmen, { note: 'crew on the way' });
  expect(response.status).toBe(200);
  expect(((await response.json()) as { ticket: Ticket }).ticket.state).toBe('acknowledged');
  const { ticket, events } = (await (await call(`/api/tickets/${ticketId}`, tokens.tongmen)).json()) as { ticket: Ticket; events: TicketEvent[] };
  expect(ticket.state).toBe('acknowledged');
  expect(events).toContainEqual(expect.objectContaining({ type: 'acknowledged', actor: 'Li (Tongmen)', note: 'crew on the way' }));
});

it('the dispatcher assigns and comments; events record who, what and from where', async () => {
  expect((await call(`/api/tickets/${ticketId}/assign`, tokens.dispatcher, { assignee: 'Zhao (crew 3)' })).status).toBe(200);
  expect((await call(`/api/tickets/${ticketId}/comment`, tokens.dispatcher, { note: '村民反映水发黄' })).status).toBe(200);
  expect((await call(`/api/tickets/${ticketId}/comment`, tokens.dispatcher, {})).status).toBe(400);
  expect((await call(`/api/tickets/${ticketId}/assign`, tokens.viewer, { assignee: 'x' })).status).toBe(403);
  const { ticket, events } = (await (await call(`/api/tickets/${ticketId}`, tokens.viewer)).json()) as { ticket: Ticket; events: TicketEvent[] };
  expect(ticket.assignee).toBe('Zhao (crew 3)');
  expect(events.slice(-2)).toMatchObject([
    { type: 'assigned', actor: 'Chen (dispatch)', note: 'assigned to Zhao (crew 3)', origin: '127.0.0.1' },
    { type: 'commented', actor: 'Chen (dispatch)', note: '村民反映水发黄', origin: '127.0.0.1' },
  ]);
});

it('filters the list by village, rule and state', async () => {
  const ids = async (query: string) => ((await (await call(`/api/tickets?${query}`, tokens.viewer)).json()) as { tickets: Ticket[] }).tickets.map((t) => t.id);
  expect(await ids('village=tongmen&rule=tap-turbidity')).toContain(ticketId);
  expect(await ids('village=dongqiao')).not.toContain(ticketId);
  expect(await ids('state=acknowledged')).toContain(ticketId);
  expect(await ids('state=resolved')).not.toContain(ticketId);
  expect((await call('/api/tickets?state=bogus', tokens.viewer)).status).toBe(400);
});

it('a silence keeps a ticket suppressed until it is expired, then the ticket opens', async () => {
  const hour = 3_600_000;
  const body = { village: 'tongmen', site: 'tongmen-tap', startsAt: Date.now() - hour, duration: '4h', reason: '冲洗管网 flushing the mains' };
  expect((await call('/api/silences', tokens.viewer, body)).status).toBe(403);
  expect((await call('/api/silences', tokens.dongqiao, body)).status).toBe(403);
  expect((await call('/api/silences', tokens.tongmen, { ...body, duration: undefined })).status).toBe(400);
  const created = await call('/api/silences', tokens.tongmen, body);
  expect(created.status).toBe(201);
  const { silence } = (await created.json()) as { silence: { id: number; createdBy: string; origin: string } };
  expect(silence).toMatchObject({ createdBy: 'Li (Tongmen)', origin: '127.0.0.1' });

  const start = Date.now() - 10 * 60_000;
  const device = await connectDevice(pipeline.mqttUrl, 'tongmen-tap-wq');
  for (let minute = 0; minute < 6; minute++) {
    await device.publishAsync('water/tongmen-tap/tongmen-tap-wq/telemetry', JSON.stringify({ ts: start + minute * 60_000, readings: { turbidity: 2.5 } }), { qos: 1 });
  }
  await device.endAsync();
  const suppressed = await eventually(async () => {
    const { tickets } = (await (await call('/api/tickets?state=suppressed&site=tongmen-tap', tokens.tongmen)).json()) as { tickets: Ticket[] };
    return tickets[0];
  }, 15_000, 'a suppressed Tongmen tap ticket');
  expect(suppressed.silenceId).toBe(silence.id);
  const listed = (await (await call('/api/silences', tokens.dongqiao)).json()) as { silences: unknown[] };
  expect(listed.silences).toEqual([]); // not their village

  expect((await call(`/api/silences/${silence.id}/expire`, tokens.dongqiao, {})).status).toBe(404); // not their village
  expect((await call(`/api/silences/${silence.id}/expire`, tokens.tongmen, {})).status).toBe(200);
  const opened = await eventually(async () => {
    const { ticket, events } = (await (await call(`/api/tickets/${suppressed.id}`, tokens.tongmen)).json()) as { ticket: Ticket; events: TicketEvent[] };
    return ticket.state === 'open' ? events : undefined;
  }, 5_000, 'the ticket open after the silence');
  expect(opened.map((e) => e.type)).toEqual(['opened', 'suppressed', 'unsuppressed']);
});

it('the dispatcher resolves, and acknowledging again conflicts', async () => {
  const resolved = await call(`/api/tickets/${ticketId}/resolve`, tokens.dispatcher, {});
  expect(resolved.status).toBe(200);
  expect(((await resolved.json()) as { ticket: Ticket }).ticket.state).toBe('resolved');
  expect((await call(`/api/tickets/${ticketId}/acknowledge`, tokens.dispatcher, {})).status).toBe(409);
  expect((await call('/api/tickets/999999/resolve', tokens.dispatcher, {})).status).toBe(404);
});
