/**
 * DNS rebinding against a whole Clearwater process without tokens, over a real socket: a page
 * on a name the attacker made resolve to 127.0.0.1 sends its own name as Host, and is refused;
 * the names of this machine are answered.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { startTestPipeline, type TestPipeline } from './support/pipeline.ts';

let pipeline: TestPipeline;
beforeAll(async () => {
  pipeline = await startTestPipeline(inject('influxUrl'), 'http_host');
}, 30_000);
afterAll(() => pipeline?.close());

/** GET with a Host header of our choosing (fetch does not let a caller set it). */
function get(path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request({ host: '127.0.0.1', port: pipeline.httpPort, path, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('error', reject);
    call.end();
  });
}

it('answers the names of this machine and refuses a rebound name with 421', async () => {
  for (const host of [`127.0.0.1:${pipeline.httpPort}`, `localhost:${pipeline.httpPort}`]) {
    expect((await get('/api/tickets', host)).status, host).toBe(200);
  }
  for (const path of ['/api/tickets', '/api/silences', '/healthz', '/metrics']) {
    const refused = await get(path, `rebound.example:${pipeline.httpPort}`);
    expect(refused.status, path).toBe(421);
    expect(JSON.parse(refused.body)).toEqual({ error: expect.stringContaining('does not name this server') });
  }
});
