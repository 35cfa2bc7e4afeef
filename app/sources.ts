/**
 * The sources a process can take readings from, by `source.kind` (ingest/source.ts): the
 * embedded broker's in-process tap, or a subscription to an external broker. One entry per kind
 * makes the source and registers its metrics; only the configured one is constructed, so an
 * external-broker process builds no broker and exports no broker gauges.
 */
import type { Registry } from 'prom-client';
import { EmbeddedBroker, type BrokerConfig, type BrokerPorts, type BrokerStats } from '../broker/broker.ts';
import { emptyStats } from '../broker/stats.ts';
import { MqttSource, type MqttSourceConfig } from '../ingest/mqtt-source.ts';
import type { Source, SourceSink } from '../ingest/source.ts';
import type { Catalog } from '../network/catalog.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import { brokerMetrics, mqttSourceMetrics } from './metrics.ts';

export interface SourceDeps {
  readonly catalog: Catalog;
  readonly log: Logger;
}

/**
 * The embedded broker as a source: devices log in to it with their catalog credentials, and it
 * hands each accepted publish to the sink from `authorizePublish`, so the PUBACK waits for the
 * spool commit (broker/README.md).
 */
export class EmbeddedBrokerSource implements Source<'embedded', BrokerStats> {
  readonly kind = 'embedded';
  private broker: EmbeddedBroker | undefined;
  private readonly idle = emptyStats();

  constructor(private readonly config: BrokerConfig, private readonly deps: SourceDeps) {}

  async start(sink: SourceSink): Promise<void> {
    const broker = new EmbeddedBroker(this.config, {
      catalog: this.deps.catalog,
      handoff: (publish) => sink.accept(publish), // its promise holds the PUBACK until the readings are on disk
      onRefused: (publish, reason, detail) => sink.refuse(publish, reason, detail),
      log: this.deps.log,
    });
    this.broker = broker;
    const port = await broker.start();
    this.deps.log.info({ host: this.config.host, port }, 'MQTT broker listening');
  }

  /** The bound port of every listener; valid once started. */
  ports(): BrokerPorts {
    if (!this.broker) throw new Error('the embedded broker is not started');
    return this.broker.ports();
  }

  stats(): BrokerStats {
    return this.broker?.stats ?? this.idle;
  }

  async stop(): Promise<void> {
    await this.broker?.stop();
  }
}

export type AnySource = EmbeddedBrokerSource | MqttSource;

interface SourceKind<S extends AnySource> {
  create(config: Config, deps: SourceDeps): S;
  metrics(registry: Registry, source: S): void;
}

/** Every source kind, by the `source.kind` that selects it. */
export const sourceKinds = {
  embedded: {
    create: (config, deps) => new EmbeddedBrokerSource(config.broker, deps),
    metrics: (registry, source) => brokerMetrics(registry, () => source.stats()),
  } satisfies SourceKind<EmbeddedBrokerSource>,
  mqtt: {
    create: (config, deps) => new MqttSource(config.source as MqttSourceConfig, { log: deps.log }),
    metrics: (registry, source) => mqttSourceMetrics(registry, () => source.stats()),
  } satisfies SourceKind<MqttSource>,
} satisfies Record<Config['source']['kind'], SourceKind<AnySource>>;

/** The configured source, and how to register its metrics. */
export function createSource(config: Config, deps: SourceDeps): { source: AnySource; metrics(registry: Registry): void } {
  if (config.source.kind === 'mqtt') {
    const source = sourceKinds.mqtt.create(config, deps);
    return { source, metrics: (registry) => sourceKinds.mqtt.metrics(registry, source) };
  }
  const source = sourceKinds.embedded.create(config, deps);
  return { source, metrics: (registry) => sourceKinds.embedded.metrics(registry, source) };
}
