/**
 * The composition root of a Clearwater process: broker → ingest → InfluxDB and rules → tickets,
 * plus the HTTP API. `startPipeline` brings everything up in dependency order; `stop()` takes it
 * down in reverse, draining what is in flight.
 */
import { setLogger } from '@influxdata/influxdb-client';
import { join } from 'node:path';
import { EmbeddedBroker } from '../broker/broker.ts';
import { DeadLetterStore, influxRefusal } from '../ingest/dead-letters.ts';
import { DurableSink, type DurableSinkStats } from '../ingest/durable-sink.ts';
import { InfluxWriter, influxSchema } from '../ingest/influx-writer.ts';
import { Ingest } from '../ingest/ingest.ts';
import { seriesPrefix } from '../ingest/line-protocol.ts';
import { MqttSource } from '../ingest/mqtt-source.ts';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import type { TicketChange } from '../rules/engine.ts';
import { alarmLoad } from '../rules/tickets/alarm-load.ts';
import { sqliteTicketFile } from '../rules/tickets/config.ts';
import type { Ticket } from '../rules/tickets/ticket.ts';
import type { Config } from './config.ts';
import { privateDataDir } from './data-dir.ts';
import { createHttpServer } from './http.ts';
import { createDatabase, startLocalInfluxd, type LocalInfluxd } from './local-influxd.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { Presence } from './presence.ts';
import { redactUrl } from './redact.ts';
import { startRules } from './rules-wiring.ts';

export interface RunningPipeline {
  readonly catalog: Catalog;
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly influxUrl: string;
  readonly ingest: Ingest;
  /** The subscription to an external broker (`source.kind: mqtt`); then no embedded broker runs and mqttPort is 0. */
  readonly mqttSource: MqttSource | undefined;
  /** Tickets open or acknowledged now. */
  openTickets(): Promise<number>;
  tickets(state: 'open' | 'all'): Promise<Ticket[]>;
  stop(): Promise<void>;
}

export interface PipelineDeps {
  log: Logger;
  /** Wall clock, epoch ms. */
  now?: () => number;
  /** Every ticket change, after it is stored (benchmarks and embedders; notifications come later). */
  onTicketChange?: (change: TicketChange) => void;
}

export async function startPipeline(config: Config, deps: PipelineDeps): Promise<RunningPipeline> {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const stack: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const undo of stack.reverse()) await undo();
  };
  try {
    const files = { deadLetters: join(config.dataDir, 'dead-letters.db'), spool: join(config.dataDir, 'spool.db') };
    const ticketFile = config.tickets.store === 'sqlite' ? [sqliteTicketFile(config.tickets, config.dataDir)] : [];
    await privateDataDir(config.dataDir, [files.deadLetters, files.spool, ...ticketFile]);
    const catalog = await loadCatalog(config.catalog);
    log.info({ devices: catalog.devices.size, sites: catalog.sites.size }, `catalog ${catalog.file.county.name}`);

    let local: LocalInfluxd | undefined;
    if (!config.influx.url) {
      local = await startLocalInfluxd();
      stack.push(() => local?.stop());
      log.info({ url: local.url, dataDir: local.dataDir }, 'private influxd started');
    }
    const influx = influxSchema.parse({ ...config.influx, url: config.influx.url ?? local?.url });
    if (influx.api === 'v1') await createDatabase(influx.url, influx.database).catch((error: Error) => log.warn({ error: error.message }, 'could not create the database'));
    // The client logs every failed request itself; the replayer reports them with their retry
    // plan, so the client's own lines go to debug. Its logger is process-wide.
    setLogger({ error: (message, error) => log.debug({ error: String(error ?? '') }, message), warn: (message) => log.debug(message) });

    const deadLetters = new DeadLetterStore({ ...config.deadLetters, path: files.deadLetters });
    stack.push(() => deadLetters.close());

    const writer = new InfluxWriter(influx);
    const sink = new DurableSink(
      { ...config.spool, path: files.spool },
      { ...config.replay, batchLines: config.influx.batchSize, flushIntervalMs: config.influx.flushIntervalMs },
      {
        writer,
        deadLetter: (line, failure) => deadLetters.add(influxRefusal(line, failure, now())),
        onWriteError: (failure, lines, retryInMs) => log.warn({ status: failure.statusCode, error: failure.message.slice(0, 200), lines, retryInMs }, 'InfluxDB write failed; lines stay spooled'),
      },
    );
    const spooled = sink.stats();
    if (spooled.spoolLines > 0) log.info({ lines: spooled.spoolLines }, 'replaying lines spooled before the last stop');
    sink.start();
    stack.push(async () => {
      await sink.stop(config.spool.drainTimeoutMs);
      await writer.close();
    });
    const write = (lines: string[]) => void sink.append(lines).catch((error: Error) => log.warn({ error: error.message }, 'could not spool lines'));

    const rules = await startRules({ rulePacks: config.rulePacks, dataDir: config.dataDir, tickets: config.tickets, lifecycle: config.lifecycle, devices: catalog.devices.values(), log, write, onChange: deps.onTicketChange });
    stack.push(() => rules.stop());
    log.info({ rules: rules.rules.map((r) => r.id) }, 'rules loaded');

    const presence = new Presence();
    const ingest = new Ingest({
      catalog,
      sink,
      deadLetters,
      now,
      limits: config.ingest,
      onPoints: (points) => {
        for (const point of points) void rules.engine.evaluate(point);
      },
      onStatus: (deviceId, status, at) => {
        if (presence.update(deviceId, status, at)) log.debug({ device: deviceId }, `device ${status}`);
        void rules.engine.deviceStatus(deviceId, status, at);
      },
    });

    // External broker mode: subscribe there instead of starting the embedded broker (constructed, never started).
    const source = config.source.kind === 'mqtt' ? new MqttSource(config.source, { accept: (publish) => ingest.accept(publish), log }) : undefined;
    if (source) {
      stack.push(() => source.stop());
      await source.start();
      log.info({ url: redactUrl(source.config.url), topic: source.config.topic, clientId: source.config.clientId }, 'ingesting from an external MQTT broker');
    }

    const broker = new EmbeddedBroker(config.broker, {
      catalog,
      handoff: (publish) => ingest.accept(publish),  // its promise holds the PUBACK until the readings are on disk
      onRefused: (publish, reason, detail) => ingest.refuse(publish, reason, detail),
      log,
    });
    const mqttPort = source ? 0 : await broker.start();
    stack.push(() => broker.stop());
    if (!source) log.info({ host: config.broker.host, port: mqttPort }, 'MQTT broker listening');

    const countOpen = async () => (await rules.store.list({ state: 'open' })).length;
    const metrics = createMetrics({
      ingest: () => ingest.stats,
      sink: () => sink.stats(),
      broker: () => broker.stats,
      mqttSource: source && (() => source.stats),
      devicesOnline: () => presence.online(),
      rules: () => rules.engine.stats(),
      openTickets: countOpen,
      deadLetters: () => ({ pruned: deadLetters.stats.pruned, ...deadLetters.totals() }),
      alarmLoad: async () => {
        const at = now();
        const [open, recent] = await Promise.all([rules.store.list({ state: 'open' }), rules.store.list({ state: 'all', since: at - 3_600_000 })]);
        const standing = alarmLoad(open, at).standing24h;
        return { ...alarmLoad(recent, at), standing24h: standing };
      },
    });
    const http = createHttpServer({
      metrics,
      health: () => {
        const { linesWritten, writeErrors, spoolLines, oldestAgeMs } = sink.stats();
        return { mqttPort, ...(source && { mqttSource: source.stats }), influx: { linesWritten, writeErrors }, spool: { lines: spoolLines, oldestAgeMs } };
      },
      tickets: { store: rules.store, api: config.api, now },
    });
    await http.listen({ host: config.http.host, port: config.http.port });
    stack.push(() => http.close());
    const address = http.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    log.info({ url: `http://${config.http.host}:${httpPort}` }, 'HTTP API listening (/healthz, /metrics, /api/tickets, /api/silences)');

    const selfReport = setInterval(() => write([pipelineLine(ingest, sink.stats(), rules.engine.stats().evaluations, now())]), 10_000);
    stack.push(() => clearInterval(selfReport));
    // Timers of the rules (stale devices) and of tickets (escalation, silences) run on the wall clock.
    const timers = () => {
      void rules.engine.tick(now());
      void rules.sweep(now());
    };
    const ticks = setInterval(timers, config.rulesTickMs);
    timers();
    stack.push(() => clearInterval(ticks));

    return {
      catalog,
      mqttPort,
      httpPort,
      influxUrl: influx.url,
      ingest,
      mqttSource: source,
      openTickets: countOpen,
      tickets: (state) => rules.store.list({ state }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The process's own health as a `pipeline` point (shared/DESIGN.md, "InfluxDB schema"). */
function pipelineLine(ingest: Ingest, sink: DurableSinkStats, evaluations: number, at: number): string {
  const rejected = Object.values(ingest.stats.readingsRejected).reduce((a, b) => a + b, 0);
  const fields = [
    `messages=${ingest.stats.messages}i`,
    `readings_accepted=${ingest.stats.readingsAccepted}i`,
    `readings_rejected=${rejected}i`,
    `write_errors=${sink.writeErrors}i`,
    `spool_lines=${sink.spoolLines}i`,
    `spool_oldest_age_ms=${sink.oldestAgeMs}i`,
    `rule_evaluations=${evaluations}i`,
  ];
  return `${seriesPrefix('pipeline', {})} ${fields.join(',')} ${at}`;
}
