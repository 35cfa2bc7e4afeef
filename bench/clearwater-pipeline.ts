/**
 * Clearwater's own pipeline under test: `startPipeline` (app/pipeline.ts) exactly as
 * `clearwater start` composes it, i.e. the embedded broker with device authentication and ACL,
 * the in-process hand-off to the ingest (decode, catalog enrichment, line protocol), the
 * durable spool (SQLite WAL; the PUBACK waits for the commit) and its replayer to InfluxDB with
 * the default batching, the rules engine with the default tap-water pack,
 * dead letters and the HTTP API, on ephemeral ports, against the benchmark's influxd with a
 * database of its own and a data folder in /tmp.
 *
 * Runs as a child of bench/throughput.ts (protocol: child-protocol.ts). The sink's counters
 * and the spool depth are read from the process's own /metrics, as an operator's Prometheus
 * scrapes them; the ingest's from `pipeline.ingest.stats`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../app/config.ts';
import { createLogger } from '../app/log.ts';
import { startPipeline } from '../app/pipeline.ts';
import type { BrokerStats } from '../broker/stats.ts';
import { childSettings, failChild, onParentMessage, tell, type PipelineStats } from './child-protocol.ts';
import { metricValue } from './exposition.ts';

export interface ClearwaterPipelineSettings {
  readonly influxUrl: string;
  readonly database: string;
  readonly catalogPath: string;
  /** pino level of the process's log; warnings (write failures) are worth seeing. */
  readonly logLevel: string;
  /** Readings a telemetry line holds (one per metric of a sample: workload.ts), to count readings written. */
  readonly readingsPerLine: number;
  /** A data folder to use and keep (a restart starts on the same one: bench/connections.ts); default a fresh one in /tmp, removed on stop. */
  readonly dataDir?: string;
  /** The broker section, instead of the throughput benchmark's (rate limit and per-address limit lifted, a free port). */
  readonly broker?: Record<string, unknown>;
  /** Rule pack files, instead of the app's default packs. */
  readonly rulePacks?: readonly string[];
  /** The `source` section: `{kind: 'mqtt', …}` runs the ingest against an external broker (bench/external.ts) instead of the embedded one. */
  readonly source?: Record<string, unknown>;
}

/** Why the embedded broker closed logged-in clients, from its counters. */
function brokerClosed(stats: BrokerStats): NonNullable<PipelineStats['brokerClosed']> {
  return { keepaliveTimeouts: stats.keepaliveTimeouts, takenOver: stats.connectionsTakenOver, clientErrors: { ...stats.clientErrors } };
}

async function main(): Promise<void> {
  const settings = childSettings<ClearwaterPipelineSettings>();
  const dataDir = settings.dataDir ?? (await mkdtemp(join(tmpdir(), 'clearwater-bench-')));
  const parsed = parseConfig({
    catalog: settings.catalogPath,
    dataDir,
    ...(settings.rulePacks ? { rulePacks: settings.rulePacks } : {}),
    ...(settings.source ? { source: settings.source } : {}),
    // The benchmark's devices publish as fast as they are acknowledged: the per-device rate limit
    // (50/s, for devices that report every minute) would measure the limit, not the pipeline. All
    // of them connect from 127.0.0.1, up to 5000 (bench/options.ts): past maxConnectionsPerAddress.
    broker: settings.broker ?? { port: 0, rateLimit: { messagesPerSecond: 1_000_000, burst: 1_000_000 }, maxConnectionsPerAddress: 10_000 },
    http: { port: 0 },
    influx: { url: settings.influxUrl, api: 'v1', database: settings.database },
    log: { level: settings.logLevel, pretty: false },
  });
  if (!parsed.ok) throw new Error(parsed.problems);
  const pipeline = await startPipeline(parsed.config, { log: createLogger(parsed.config.log.level, false) });

  const stats = async (): Promise<PipelineStats> => {
    const metrics = await (await fetch(`http://127.0.0.1:${pipeline.httpPort}/metrics`)).text();
    const { messages, readingsAccepted, readingsRejected } = pipeline.ingest.stats;
    return {
      // A line is one sample with all its readings; counted in readings like the other pipelines.
      linesWritten: metricValue(metrics, 'clearwater_influx_lines_written_total') * settings.readingsPerLine,
      writeErrors: metricValue(metrics, 'clearwater_influx_write_errors_total'),
      messages,
      readings: readingsAccepted,
      rejected: Object.values(readingsRejected).reduce((a, b) => a + b, 0),
      spoolLines: metricValue(metrics, 'clearwater_spool_lines'),
      ...(settings.source ? { sourceAcked: metricValue(metrics, 'clearwater_mqtt_source_messages_acked_total') } : {}),
      ...(pipeline.source.kind === 'embedded' ? { brokerClosed: brokerClosed(pipeline.source.stats()) } : {}),
    };
  };
  onParentMessage((message) => {
    if (message.type === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      tell({ type: 'collected' });
    } else if (message.type === 'stats') void stats().then((s) => tell({ type: 'stats', stats: s }), failChild);
    else if (message.type === 'stop') {
      void (async () => {
        const last = await stats();
        await pipeline.stop(); // drains the sink: what was buffered is written before this resolves
        if (settings.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
        tell({ type: 'stopped', stats: last }, () => process.exit(0));
      })().catch(failChild);
    }
  });
  tell({ type: 'ready', mqttPort: pipeline.mqttPort });
}

main().catch(failChild);
