/**
 * Clearwater's own pipeline under test: `startPipeline` (app/pipeline.ts) exactly as
 * `clearwater run` composes it, i.e. the embedded broker with device authentication and ACL,
 * the in-process hand-off to the ingest (decode, catalog enrichment, line protocol), the
 * InfluxDB sink with its default batching, the rules engine with the default tap-water pack,
 * dead letters and the HTTP API, on ephemeral ports, against the benchmark's influxd with a
 * database of its own and a data folder in /tmp.
 *
 * Runs as a child of bench/throughput.ts (protocol: child-protocol.ts). The sink's counters
 * are read from the process's own /healthz, the ingest's from `pipeline.ingest.stats`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../app/config.ts';
import { createLogger } from '../app/log.ts';
import { startPipeline } from '../app/pipeline.ts';
import { childSettings, failChild, onParentMessage, tell, type PipelineStats } from './child-protocol.ts';

export interface ClearwaterPipelineSettings {
  readonly influxUrl: string;
  readonly database: string;
  readonly catalogPath: string;
  /** pino level of the process's log; warnings (write failures) are worth seeing. */
  readonly logLevel: string;
}

interface Health {
  influx?: { linesWritten?: number; writeErrors?: number };
}

async function main(): Promise<void> {
  const settings = childSettings<ClearwaterPipelineSettings>();
  const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-bench-'));
  const parsed = parseConfig({
    catalog: settings.catalogPath,
    dataDir,
    broker: { port: 0 },
    http: { port: 0 },
    influx: { url: settings.influxUrl, api: 'v1', database: settings.database },
    log: { level: settings.logLevel, pretty: false },
  });
  if (!parsed.ok) throw new Error(parsed.problems);
  const pipeline = await startPipeline(parsed.config, { log: createLogger(parsed.config.log.level, false) });

  const stats = async (): Promise<PipelineStats> => {
    const health = (await (await fetch(`http://127.0.0.1:${pipeline.httpPort}/healthz`)).json()) as Health;
    const { messages, readingsAccepted, readingsRejected } = pipeline.ingest.stats;
    return {
      linesWritten: health.influx?.linesWritten ?? Number.NaN,
      writeErrors: health.influx?.writeErrors ?? Number.NaN,
      messages,
      readings: readingsAccepted,
      rejected: Object.values(readingsRejected).reduce((a, b) => a + b, 0),
    };
  };
  onParentMessage((message) => {
    if (message.type === 'stats') void stats().then((s) => tell({ type: 'stats', stats: s }), failChild);
    else if (message.type === 'stop') {
      void (async () => {
        const last = await stats();
        await pipeline.stop(); // drains the sink: what was buffered is written before this resolves
        await rm(dataDir, { recursive: true, force: true });
        tell({ type: 'stopped', stats: last }, () => process.exit(0));
      })().catch(failChild);
    }
  });
  tell({ type: 'ready', mqttPort: pipeline.mqttPort });
}

main().catch(failChild);
