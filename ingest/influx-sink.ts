/**
 * The InfluxDB sink: line protocol in, batched writes out, through @influxdata/influxdb-client.
 * v2 mode speaks /api/v2/write (InfluxDB 2.x, 3.x, 1.8+: url, token, org, bucket); v1 mode maps
 * the same client onto /write?db=&rp= (InfluxDB 1.x, user/password) via influx-v1-transport.ts.
 * Batches go out when `batchSize` lines are waiting or every `flushIntervalMs`.
 */
import { InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { z } from 'zod';
import { v1Transport } from './influx-v1-transport.ts';

export const influxSinkSchema = z.object({
  url: z.url().describe('Base URL, e.g. http://127.0.0.1:8086'),
  api: z.enum(['v1', 'v2']).default('v1').describe('v1: /write?db=&rp= (InfluxDB 1.x); v2: /api/v2/write (2.x, 3.x, 1.8+)'),
  database: z.string().min(1).default('clearwater').describe('v1: database'),
  retentionPolicy: z.string().optional().describe('v1: retention policy; the database default when absent'),
  username: z.string().optional().describe('v1: user name (HTTP Basic auth)'),
  password: z.string().optional().describe('v1: password'),
  token: z.string().default('').describe('v2: API token (1.8+: "user:password")'),
  org: z.string().default('').describe('v2: organisation'),
  bucket: z.string().min(1).default('clearwater').describe('v2: bucket (1.8+: "db/rp")'),
  batchSize: z.number().int().positive().default(5000).describe('Lines per write request'),
  flushIntervalMs: z.number().int().positive().default(1000).describe('Longest time a line waits for its batch, ms'),
  maxRetries: z.number().int().nonnegative().default(5).describe('Retries of a failed batch before it is dropped'),
  maxBufferLines: z.number().int().positive().default(200_000).describe('Lines kept for retry while InfluxDB fails'),
  timeoutMs: z.number().int().positive().default(10_000).describe('HTTP request timeout, ms'),
});
export type InfluxSinkConfig = z.infer<typeof influxSinkSchema>;

export interface SinkStats {
  linesWritten: number;
  writeErrors: number;
  linesDropped: number;
}

export interface SinkEvents {
  /** A batch failed; the client retries it unless `willRetry` is false. */
  onWriteError?(error: Error, lines: number, willRetry: boolean): void;
  onWritten?(lines: number): void;
}

export class InfluxSink {
  readonly stats: SinkStats = { linesWritten: 0, writeErrors: 0, linesDropped: 0 };
  private readonly writeApi: WriteApi;

  constructor(readonly config: InfluxSinkConfig, events: SinkEvents = {}) {
    const { stats } = this;
    const writeOptions = {
      batchSize: config.batchSize,
      flushInterval: config.flushIntervalMs,
      maxRetries: config.maxRetries,
      maxBufferLines: config.maxBufferLines,
      writeSuccess(lines: string[]) {
        stats.linesWritten += lines.length;
        events.onWritten?.(lines.length);
      },
      writeFailed(error: Error, lines: string[], attempt: number) {
        stats.writeErrors += 1;
        const willRetry = attempt <= config.maxRetries && (error as { canRetry?: () => boolean }).canRetry?.() !== false;
        events.onWriteError?.(error, lines.length, willRetry);
      },
      writeRetrySkipped(entry: { lines: string[] }) {
        stats.linesDropped += entry.lines.length;
      },
    };
    if (config.api === 'v2') {
      const client = new InfluxDB({ url: config.url, token: config.token, timeout: config.timeoutMs });
      this.writeApi = client.getWriteApi(config.org, config.bucket, 'ms', writeOptions);
    } else {
      const base = new InfluxDB({ url: config.url, timeout: config.timeoutMs });
      const transport = v1Transport(base.transport, config);
      const client = new InfluxDB({ url: config.url, timeout: config.timeoutMs, transport });
      const bucket = config.retentionPolicy ? `${config.database}/${config.retentionPolicy}` : config.database;
      this.writeApi = client.getWriteApi('', bucket, 'ms', writeOptions);
    }
  }

  write(lines: readonly string[]): void {
    if (lines.length === 1) this.writeApi.writeRecord(lines[0]!);
    else if (lines.length > 0) this.writeApi.writeRecords(lines as string[]);
  }

  /** Sends what is buffered now and resolves when InfluxDB answered. */
  async flush(): Promise<void> {
    await this.writeApi.flush();
  }

  async close(): Promise<void> {
    await this.writeApi.close();
  }
}
