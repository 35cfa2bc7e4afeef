/**
 * The naive pipeline the benchmark compares Clearwater with, as one would first write it:
 * a bare Aedes broker (no authentication, no ACL) on an ephemeral port, ONE mqtt.js subscriber
 * on `water/#` at QoS 1 over loopback, `JSON.parse` per message and one
 * @influxdata/influxdb-client `Point` per reading (tags site and device from the topic),
 * written through the client's write API with its default retries and a 5,000-line / 1 s
 * batching (v1 /write mapped as Clearwater does it, since InfluxDB 1.6.7 has no /api/v2/write).
 * No validation, no catalog, no rules, no dead letters, no durability.
 *
 * Broker and subscriber live in this one process, so its CPU time and peak memory are the whole
 * pipeline's. Runs as a child of bench/throughput.ts (protocol: child-protocol.ts).
 */
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { createServer } from 'node:net';
import { v1Transport } from '../ingest/influx-v1-transport.ts';
import { childSettings, failChild, onParentMessage, tell, type PipelineStats } from './child-protocol.ts';

export interface NaivePipelineSettings {
  readonly influxUrl: string;
  readonly database: string;
}

interface Sample {
  ts: number;
  readings: Record<string, number>;
}

/** One sample, or a logger's batch of them (`samples`). */
type TelemetryDocument = Sample & { samples?: Sample[] };

// What writeApi.writePoint does for precision 'ms': a number timestamp is written as is.
const msTimestamps = { convertTime: (time: string | number | Date | undefined) => (time === undefined ? undefined : String(time)) };

async function main(): Promise<void> {
  const settings = childSettings<NaivePipelineSettings>();
  const counters = { messages: 0, readings: 0, rejected: 0 };
  const written = { linesWritten: 0, writeErrors: 0 };
  const base = new InfluxDB({ url: settings.influxUrl });
  const client = new InfluxDB({ url: settings.influxUrl, transport: v1Transport(base.transport, { database: settings.database }) });
  const sink = client.getWriteApi('', settings.database, 'ms', {
    batchSize: 5000,
    flushInterval: 1000,
    writeSuccess: (lines: string[]) => void (written.linesWritten += lines.length),
    writeFailed: (error: Error, lines: string[]) => {
      written.writeErrors += 1;
      console.error(`naive: write of ${lines.length} lines failed: ${error.message}`);
    },
  });

  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'naive-ingest', clean: true, protocolVersion: 4, reconnectPeriod: 0 });
  subscriber.on('message', (topic, payload) => {
    counters.messages++;
    const [, site = '', device = ''] = topic.split('/');
    let document: TelemetryDocument;
    try {
      document = JSON.parse(payload.toString()) as TelemetryDocument;
    } catch {
      counters.rejected++;
      return;
    }
    for (const sample of Array.isArray(document.samples) ? document.samples : [document]) {
      if (typeof sample.readings !== 'object' || sample.readings === null) continue;
      for (const [metric, value] of Object.entries(sample.readings)) {
        const line = new Point('telemetry').tag('site', site).tag('device', device).floatField(metric, value).timestamp(sample.ts).toLineProtocol(msTimestamps);
        if (line) {
          sink.writeRecord(line);
          counters.readings++;
        }
      }
    }
  });
  await subscriber.subscribeAsync('water/#', { qos: 1 });

  const stats = (): PipelineStats => ({ ...written, ...counters });
  onParentMessage((message) => {
    if (message.type === 'stats') tell({ type: 'stats', stats: stats() });
    else if (message.type === 'stop') {
      void (async () => {
        await subscriber.endAsync(true);
        await sink.close();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
        tell({ type: 'stopped', stats: stats() }, () => process.exit(0));
      })();
    }
  });
  tell({ type: 'ready', mqttPort: port });
}

main().catch(failChild);
