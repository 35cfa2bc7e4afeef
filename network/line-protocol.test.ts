import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from './catalog.ts';
import { escapeKey, escapeString, pipelineLine, seriesPrefix, telemetryLine, ticketLine, type TicketPoint } from './line-protocol.ts';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog(fileURLToPath(new URL('./sample/county.yaml', import.meta.url)));
});

describe('escaping', () => {
  it.each([
    ['plain', 'plain'],
    ['a b', 'a\\ b'],
    ['a,b=c', 'a\\,b\\=c'],
    ['back\\slash', 'back\\\\slash'],
    ['two\nlines', 'two\\nlines'],
  ])('key %j → %j', (text, escaped) => expect(escapeKey(text)).toBe(escaped));

  it('quotes string fields and escapes quotes and backslashes', () => {
    expect(escapeString('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
  });

  it('sorts tags and leaves out empty values', () => {
    expect(seriesPrefix('m', { zone: 'z1', a: 'x', empty: '' })).toBe('m,a=x,zone=z1');
  });
});

describe('telemetry', () => {
  it('writes catalog tags, one float field per metric and the event time', () => {
    const device = catalog.device('tongmen-tap-wq')!;
    const line = telemetryLine({ device, ts: 1_764_324_000_000, values: new Map([['turbidity', 0.21], ['pressure', 312]]) });
    expect(line).toBe(`${seriesPrefix('telemetry', device.tags)} turbidity=0.21,pressure=312 1764324000000`);
    expect(line).toMatch(/^telemetry,device=tongmen-tap-wq,site=tongmen-tap,site_kind=tap,/);
  });
});

describe('ticket', () => {
  const point: TicketPoint = { ticketId: 17, ruleId: 'tap-turbidity', site: 'tongmen-tap', village: 'tongmen', severity: 'warning', state: 'open', tier: 'village', change: 'opened', value: 3.2, at: 1_764_324_000_000 };

  it('is one point per change, the change as a tag', () => {
    expect(ticketLine(point)).toBe('ticket,change=opened,rule=tap-turbidity,severity=warning,site=tongmen-tap,state=open,tier=village,village=tongmen ticket_id=17i,value=3.2 1764324000000');
  });

  it('leaves out the village of a site outside villages and the value of a person\'s change', () => {
    expect(ticketLine({ ...point, village: null, change: 'acknowledged', value: null, state: 'acknowledged' })).toBe(
      'ticket,change=acknowledged,rule=tap-turbidity,severity=warning,site=tongmen-tap,state=acknowledged,tier=village ticket_id=17i 1764324000000',
    );
  });
});

describe('pipeline', () => {
  it('writes integer fields', () => {
    expect(pipelineLine('plant-a', { messages: 12, spool_oldest_age_ms: 40.4 }, 5)).toBe('pipeline,instance=plant-a messages=12i,spool_oldest_age_ms=40i 5');
    expect(pipelineLine('wall 1', { messages: 1 }, 5)).toBe('pipeline,instance=wall\\ 1 messages=1i 5');
  });
});
