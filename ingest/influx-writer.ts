/**
 * One InfluxDB write request per call, through @influxdata/influxdb-client. v2 mode speaks
 * /api/v2/write (InfluxDB 2.x, 3.x, 1.8+: url, token, org, bucket); v1 mode maps the same client
 * onto /write?db=&rp= (InfluxDB 1.x, user/password) via influx-v1-transport.ts.
 *
 * The request goes through the client's transport, not its WriteApi: batching, retries and the
 * decision to give a line up belong to the replayer, which removes lines from the spool only
 * after this resolves (the WriteApi's retry buffer drops lines after about 3 minutes).
 */
import { InfluxDB, type Transport } from '@influxdata/influxdb-client';
import { z } from 'zod';
import { v1Transport } from './influx-v1-transport.ts';

export const influxSchema = z.object({
  url: z.url().describe('Base URL, e.g. http://127.0.0.1:8086'),
  api: z.enum(['v1', 'v2']).default('v1').describe('v1: /write?db=&rp= (InfluxDB 1.x); v2: /api/v2/write (2.x, 3.x, 1.8+)'),
  database: z.string().min(1).default('clearwater').describe('v1: database'),
  retentionPolicy: z.string().optional().describe('v1: retention policy; the database default when absent'),
  username: z.string().optional().describe('v1: user name (HTTP Basic auth)'),
  password: z.string().optional().describe('v1: password'),
  token: z.string().default('').describe('v2: API token (1.8+: "user:password")'),
  org: z.string().default('').describe('v2: organisation'),
  bucket: z.string().min(1).default('clearwater').describe('v2: bucket (1.8+: "db/rp")'),
  timeoutMs: z.number().int().positive().default(10_000).describe('HTTP request timeout, ms'),
});
export type InfluxConfig = z.infer<typeof influxSchema>;

export class InfluxWriter {
  private readonly transport: Transport;
  private readonly path: string;

  constructor(readonly config: InfluxConfig) {
    const base = new InfluxDB({ url: config.url, token: config.api === 'v2' ? config.token : undefined, timeout: config.timeoutMs });
    const bucket = config.api === 'v2' ? config.bucket : config.retentionPolicy ? `${config.database}/${config.retentionPolicy}` : config.database;
    const org = config.api === 'v2' ? config.org : '';
    this.transport = config.api === 'v2' ? base.transport : v1Transport(base.transport, config);
    // The client's WriteApi path; the v1 transport maps it onto /write?db=&rp=.
    this.path = `/api/v2/write?org=${encodeURIComponent(org)}&bucket=${encodeURIComponent(bucket)}&precision=ms`;
  }

  /** Sends `lines` in one request; resolves when InfluxDB acknowledged them, rejects with the client's HttpError. */
  async write(lines: readonly string[]): Promise<void> {
    await this.transport.request(this.path, lines.join('\n'), { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }

  async close(): Promise<void> {}
}
