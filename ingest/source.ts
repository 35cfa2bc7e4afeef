/**
 * Where readings come from. Every input is a `Source`: the embedded broker's in-process tap, a
 * subscription to an external MQTT broker, OPC UA next. Each hands what it receives to the same
 * sink (the ingest: decode, validate, enrich, spool, then InfluxDB and the rules), and
 * acknowledges to its peer only once `accept`'s promise resolved (the readings are durable).
 *
 * Lifecycle, as every component's: the constructor checks its config and touches no network;
 * `start(sink)` connects or listens; `stop()` finishes what is in hand and disconnects.
 */
import type { IncomingPublish } from './ingest.ts';

/** What a source hands its input to (Ingest implements it). */
export interface SourceSink {
  /**
   * One message from a device. A promise: acknowledge it (PUBACK) once it resolves, the
   * readings are durable; a rejection means not durable, leave it unacknowledged. Undefined:
   * nothing to wait for (rejected input, dead-lettered; or QoS 0).
   */
  accept(publish: IncomingPublish): Promise<void> | undefined;
  /** A message the source refused before decoding it (ACL, size): counted and dead-lettered. */
  refuse(publish: IncomingPublish, reason: string, detail: string): void;
}

export interface Source<Kind extends string = string, Stats extends object = object> {
  /** The `source.kind` of the configuration that made it. */
  readonly kind: Kind;
  start(sink: SourceSink): Promise<void>;
  stop(): Promise<void>;
  /** Counters and gauges for /metrics and /healthz, read at scrape time. */
  stats(): Stats;
}
