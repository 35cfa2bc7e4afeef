/**
 * The composition root of a Clearwater process: a source (the embedded broker, or an external
 * broker's subscription) → ingest → durable sink → InfluxDB, durable readings → the rules
 * service → tickets → the change stream, plus the HTTP API. `startPipeline` brings everything up
 * in dependency order; `stop()` takes it down in reverse, draining what is in flight.
 */
import { setLogger } from '@influxdata/influxdb-client';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { rejectReasons, type TelemetryPoint } from '../ingest/decode.ts';
import { DeadLetterStore, influxRefusal, OPCUA_BAD_STATUS_REASON } from '../ingest/dead-letters.ts';
import { DurableSink } from '../ingest/durable-sink.ts';
import { InfluxWriter, influxSchema } from '../ingest/influx-writer.ts';
import { Ingest } from '../ingest/ingest.ts';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import { pipelineLine } from '../network/line-protocol.ts';
import { placesOf } from '../rules/groups.ts';
import { createRulesService, type RulesService } from '../rules/service.ts';
import { alarmLoad } from '../rules/tickets/alarm-load.ts';
import { sqliteTicketFile } from '../rules/tickets/config.ts';
import type { TicketChange } from '../rules/tickets/store.ts';
import type { Ticket } from '../rules/tickets/ticket.ts';
import type { Registry } from 'prom-client';
import type { Config } from './config.ts';
import { keyFile, privateDataDir } from './data-dir.ts';
import { buildConsole } from './console.ts';
import { createHttpServer } from './http.ts';
import { createDatabase, startLocalInfluxd, type LocalInfluxd } from './local-influxd.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { Presence } from './presence.ts';
import { createSource, type AnySource } from './sources.ts';
import { createPlants, type Plants } from './plants.ts';
import { recentReadings, siteSeries } from './readings.ts';
import { selfReportFields } from './self-report.ts';
import { NoticeRenderer } from '../rules/notify/render.ts';

/** Every reason a reading is rejected for: the decode's, and a Bad OPC UA status (the pipeline point's `rejected_<reason>` fields). */
export const REJECT_REASONS: readonly string[] = [...rejectReasons, OPCUA_BAD_STATUS_REASON];

export interface RunningPipeline {
  readonly catalog: Catalog;
  /** The embedded broker's MQTT port; 0 with an external broker (`source.kind: mqtt`). */
  readonly mqttPort: number;
  readonly httpPort: number;
  readonly influxUrl: string;
  readonly ingest: Ingest;
  /** Where readings come from (app/sources.ts). */
  readonly source: AnySource;
  /** The plants read over OPC UA (`plants:`), started after the source. */
  readonly plants: Plants;
  readonly rules: RulesService;
  /** Active tickets now (open, acknowledged or suppressed). */
  openTickets(): Promise<number>;
  tickets(state: 'open' | 'all'): Promise<Ticket[]>;
  stop(): Promise<void>;
}

export interface PipelineDeps {
  log: Logger;
  /** Wall clock, epoch ms. */
  now?: () => number;
  /** Every ticket change from the change stream, as it happens (benchmarks and embedders). */
  onTicketChange?: (change: TicketChange) => void;
  /** Every durable reading, just before the rules see it (embedders: a rehearsal's event-time clock). */
  onPoints?: (points: readonly TelemetryPoint[]) => void;
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

    const { sink, deadLetters, influxUrl } = await startSink(config, files, log, now, stack);
    /** Where this process's HTTP API answers, once it listens (acknowledgement links point there by default). */
    let httpUrl = `http://${config.http.host}:${config.http.port}`;
    const linkKey = await keyFile(resolve(config.dataDir, config.notify.links.keyFile ?? 'ack-link.key'));
    const rules = createRulesService({
      rulePacks: config.rulePacks,
      dataDir: config.dataDir,
      tickets: config.tickets,
      lifecycle: config.lifecycle,
      devices: catalog.devices.values(),
      places: placesOf(catalog.file),
      tickMs: config.rulesTickMs,
      log,
      now,
      writeLines: (lines) => sink.append(lines),
      notify: {
        config: config.notify,
        catalog,
        links: { key: linkKey, get baseUrl() { return config.notify.links.baseUrl ?? httpUrl; } },
        owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      },
    });
    await rules.start();
    stack.push(() => rules.stop());
    log.info({ rules: rules.rules.map((r) => r.id) }, 'rules loaded');
    const { onTicketChange } = deps;
    if (onTicketChange) await rules.stream.subscribe('embedder', (changes) => changes.forEach(onTicketChange));

    const presence = new Presence();
    const ingest = new Ingest({
      catalog,
      sink,
      deadLetters,
      now,
      limits: config.ingest,
      onPoints: (points) => {
        deps.onPoints?.(points);
        for (const point of points) {
          presence.read(point.device.id, point.ts);
          rules.evaluate(point);
        }
      },
      onStatus: (deviceId, status, at) => {
        if (presence.update(deviceId, status, at)) log.debug({ device: deviceId }, `device ${status}`);
        rules.deviceStatus(deviceId, status, at);
      },
    });

    const { source, metrics: mainSourceMetrics } = createSource(config, { catalog, log });
    const plants = await createPlants(config.plants, { catalog, dataDir: config.dataDir, log, tickets: () => rules.store });
    const sourceMetrics = (registry: Registry) => {
      mainSourceMetrics(registry);
      plants.metrics(registry);
    };
    stack.push(() => source.stop());
    await source.start(ingest);
    const mqttPort = source.kind === 'embedded' ? source.ports().mqtt : 0;
    stack.push(() => plants.stop());
    await plants.start(ingest);

    const http = await httpServer(config, { catalog, sink, deadLetters, ingest, presence, source, sourceMetrics, rules, linkKey, influxUrl, mqttPort, now });
    await http.listen({ host: config.http.host, port: config.http.port });
    stack.push(() => http.close());
    const address = http.server.address();
    const httpPort = typeof address === 'object' && address ? address.port : config.http.port;
    httpUrl = `http://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${httpPort}`;
    log.info({ url: `http://${config.http.host}:${httpPort}` }, config.console.enabled ? 'console and HTTP API listening (/, /api, /healthz, /metrics)' : 'HTTP API listening (/api, /healthz, /metrics)');

    const instance = config.instance ?? hostname();
    const report = async () => {
      const outbox = rules.sender ? await rules.store.outbox.stats(now()) : undefined;
      const fields = selfReportFields({ ingest: ingest.stats, sink: sink.stats(), evaluations: rules.engine.stats().evaluations, reasons: REJECT_REASONS, ...(outbox ? { outbox } : {}) });
      await sink.append([pipelineLine(instance, fields, now())]);
    };
    let reporting: Promise<void> | undefined;
    // One report at a time: a slow ticket store skips a beat rather than piling reports up.
    const selfReport = setInterval(() => (reporting ??= report().catch(() => {}).finally(() => (reporting = undefined))), config.selfReportMs);
    stack.push(async () => {
      clearInterval(selfReport);
      await reporting;
    });

    return {
      catalog,
      mqttPort,
      httpPort,
      influxUrl,
      ingest,
      source,
      plants,
      rules,
      openTickets: async () => (await rules.store.list({ state: 'open' })).length,
      tickets: (state) => rules.store.list({ state }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The HTTP API over the running parts: health, metrics, tickets and silences, the acknowledgement page. */
async function httpServer(
  config: Config,
  parts: {
    catalog: Catalog;
    sink: DurableSink;
    deadLetters: DeadLetterStore;
    ingest: Ingest;
    presence: Presence;
    source: AnySource;
    sourceMetrics: (registry: Registry) => void;
    rules: RulesService;
    linkKey: Buffer;
    influxUrl: string;
    mqttPort: number;
    now: () => number;
  },
) {
  const { catalog, sink, deadLetters, ingest, presence, source, sourceMetrics, rules, linkKey, influxUrl, mqttPort, now } = parts;
  const readingsSource = { url: influxUrl, database: config.influx.database, username: config.influx.username, password: config.influx.password, token: config.influx.token };
  return createHttpServer({
    metrics: createMetrics({
      ingest: () => ingest.stats,
      sink: () => sink.stats(),
      source: sourceMetrics,
      devicesOnline: () => presence.online(),
      rules: () => rules.engine.stats(),
      openTickets: async () => (await rules.store.list({ state: 'open' })).length,
      deadLetters: () => ({ pruned: deadLetters.stats.pruned, ...deadLetters.totals() }),
      outbox: rules.sender ? () => rules.store.outbox.stats(now()) : undefined,
      alarmLoad: async () => {
        const at = now();
        const [open, recent] = await Promise.all([rules.store.list({ state: 'open' }), rules.store.list({ state: 'all', since: at - 3_600_000 })]);
        return { ...alarmLoad(recent, at), standing24h: alarmLoad(open, at).standing24h };
      },
    }),
    health: () => {
      const { linesWritten, writeErrors, spoolLines, oldestAgeMs } = sink.stats();
      return { source: { kind: source.kind, ...source.stats() }, mqttPort, influx: { linesWritten, writeErrors }, spool: { lines: spoolLines, oldestAgeMs } };
    },
    boundHost: config.http.host,
    tickets: { store: rules.store, api: config.api, now },
    events: { stream: rules.stream, notices: { outbox: rules.store.outbox, ticket: async (id) => (await rules.store.get(id))?.ticket } },
    rules: () => rules.rules,
    console: config.console.enabled ? { bundle: await buildConsole(), config: config.console } : undefined,
    sites: { catalog, presence, series: (query) => siteSeries(readingsSource, query), now },
    ack: rules.sender && {
      store: rules.store,
      catalog,
      key: linkKey,
      renderer: await NoticeRenderer.load(catalog.file.county.timeZone),
      readings: (site, metric, sinceMs) => recentReadings(readingsSource, site, metric, sinceMs),
      now,
    },
  });
}

/** InfluxDB (a private influxd when none is configured), the dead letters and the durable sink in front of it. */
async function startSink(config: Config, files: { deadLetters: string; spool: string }, log: Logger, now: () => number, stack: (() => Promise<void> | void)[]) {
  let local: LocalInfluxd | undefined;
  if (!config.influx.url) {
    local = await startLocalInfluxd();
    stack.push(() => local?.stop());
    log.info({ url: local.url, dataDir: local.dataDir }, 'private influxd started');
  }
  const influx = influxSchema.parse({ ...config.influx, url: config.influx.url ?? local?.url });
  if (influx.api === 'v1') await createDatabase(influx.url, influx.database).catch((error: Error) => log.warn({ error: error.message }, 'could not create the database'));
  // The client logs every failed request itself; the replayer reports failures once per episode,
  // so the client's own lines go to debug. Its logger is process-wide.
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
      onWriteState: (change) => {
        if (change.state === 'failing') {
          const { failure, lines, retryInMs } = change;
          log.warn({ status: failure.statusCode, error: failure.message.slice(0, 200), lines, retryInMs }, 'InfluxDB writes failing; lines stay spooled, retrying with backoff (logged again when they succeed)');
        } else {
          log.info({ failedAttempts: change.failures, failingForS: Math.round(change.failingForMs / 1000), spoolLines: sink.stats().spoolLines }, 'InfluxDB writes succeed again');
        }
      },
    },
  );
  const spooled = sink.stats();
  if (spooled.spoolLines > 0) log.info({ lines: spooled.spoolLines }, 'replaying lines spooled before the last stop');
  sink.start();
  stack.push(async () => {
    await sink.stop(config.spool.drainTimeoutMs);
    await writer.close();
  });
  return { sink, deadLetters, influxUrl: influx.url };
}

