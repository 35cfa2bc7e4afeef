/**
 * The ingest stage: device publishes in (from any Source), validated and enriched points out to
 * the durable sink and, once they are durable, to listeners (the app wires the rules there),
 * rejections to the dead-letter store with a count per reason. Nothing here throws out of a
 * handler: bad input is data, not an exception.
 *
 * Readings reach `onPoints` only after their spool commit: what a device was not acknowledged
 * for (a full spool refused it, no PUBACK) has not been evaluated either, so its redelivery is
 * its first evaluation, not an out-of-order duplicate.
 */
import type { Catalog } from '../network/catalog.ts';
import { deviceStatuses, type DeviceStatus } from '../network/message.ts';
import { parseTopic } from '../network/topic.ts';
import type { DeadLetter } from './dead-letters.ts';
import { decodeDeviceTelemetry, DEFAULT_LIMITS, type DecodeLimits, type Rejection, type TelemetryPoint } from './decode.ts';
import { telemetryLine } from '../network/line-protocol.ts';
import type { SourceSink } from './source.ts';

/** Dead letters kept for one message; the rest of its rejections are only counted. */
export const MAX_LETTERS_PER_MESSAGE = 8;

export interface IncomingPublish {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** MQTT QoS: for 1 and 2 the caller waits for `accept`'s promise before acknowledging; 0 is best-effort. */
  readonly qos?: 0 | 1 | 2;
  /** The authenticated device, when the source knows it (the embedded broker does). */
  readonly deviceId?: string | undefined;
}

export interface IngestDeps {
  catalog: Catalog;
  /** Takes lines durably: resolves once they are committed (the durable sink's spool). */
  sink: { append(lines: readonly string[]): Promise<void> };
  deadLetters: { add(letter: DeadLetter): void };
  /** Wall clock, epoch ms: only for the future/ancient checks and dead-letter stamps. */
  now(): number;
  limits?: DecodeLimits;
  /** Accepted points, once the sink committed them (never for readings it refused). */
  onPoints?(points: readonly TelemetryPoint[]): void;
  onStatus?(deviceId: string, status: DeviceStatus, at: number): void;
}

export interface IngestStats {
  messages: number;
  readingsAccepted: number;
  readingsRejected: Record<string, number>;
  /** QoS 0 readings the sink could not take (best-effort: MQTT 3.1.1 §4.3.1, at most once). */
  bestEffortLost: number;
  /** Calls of `onPoints` that threw (the readings stay durable and acknowledged). */
  listenerErrors: number;
}

export class Ingest implements SourceSink {
  readonly stats: IngestStats = { messages: 0, readingsAccepted: 0, readingsRejected: {}, bestEffortLost: 0, listenerErrors: 0 };

  constructor(private readonly deps: IngestDeps) {}

  /**
   * Decodes one publish. Returns a promise when readings were accepted: it resolves once they are
   * durable, and only then may the publish be acknowledged (QoS 1). Rejections never reject it.
   */
  accept(publish: IncomingPublish): Promise<void> | undefined {
    this.stats.messages += 1;
    const parsed = parseTopic(publish.topic);
    const receivedAt = this.deps.now();
    if (!parsed.ok) return void this.deadLetter(publish, 'invalid_topic', parsed.detail, receivedAt, publish.deviceId);
    if (parsed.topic.channel === 'status') return void this.status(publish, parsed.topic.device);
    const decoded = decodeDeviceTelemetry(this.deps.catalog, parsed.topic, publish.payload, receivedAt, this.deps.limits ?? DEFAULT_LIMITS);
    this.deadLetterAll(publish, decoded.rejections, receivedAt, decoded.device?.id);
    if (decoded.points.length === 0) return undefined;
    let readings = 0;
    for (const point of decoded.points) readings += point.values.size;
    const durable = this.deps.sink.append(decoded.points.map(telemetryLine)).then(() => {
      this.stats.readingsAccepted += readings;
      this.hand(decoded.points);
    });
    if (publish.qos === 0) {
      durable.catch(() => (this.stats.bestEffortLost += readings));
      return undefined;
    }
    return durable;
  }

  /** Durable points to the listener; its failure must not cost the device its PUBACK. */
  private hand(points: readonly TelemetryPoint[]): void {
    try {
      this.deps.onPoints?.(points);
    } catch (error) {
      this.stats.listenerErrors += 1;
      if (this.stats.listenerErrors === 1) console.error('ingest: the readings listener failed', error);
    }
  }

  /** A publish refused before it reached the ingest (by the broker's ACL or size limit). */
  refuse(publish: IncomingPublish, reason: string, detail: string): void {
    this.stats.messages += 1;
    this.deadLetter(publish, reason, detail, this.deps.now(), publish.deviceId);
  }

  private status(publish: IncomingPublish, deviceId: string): void {
    const text = Buffer.from(publish.payload).toString('utf8').trim();
    const at = this.deps.now();
    if ((deviceStatuses as readonly string[]).includes(text)) this.deps.onStatus?.(deviceId, text as DeviceStatus, at);
    else this.deadLetter(publish, 'invalid_status', `status must be one of ${deviceStatuses.join(', ')}`, at, deviceId);
  }

  /**
   * Every rejection is counted, but one message keeps at most MAX_LETTERS_PER_MESSAGE letters:
   * a payload of 2,000 unknown metrics must not write 2,000 copies of itself to disk.
   */
  private deadLetterAll(publish: IncomingPublish, rejections: readonly Rejection[], receivedAt: number, device?: string): void {
    rejections.forEach((rejection, i) => {
      if (i < MAX_LETTERS_PER_MESSAGE - 1 || rejections.length === MAX_LETTERS_PER_MESSAGE) {
        this.deadLetter(publish, rejection.reason, rejection.detail, receivedAt, device, rejection.metric);
      } else if (i === MAX_LETTERS_PER_MESSAGE - 1) {
        const more = rejections.length - i;
        this.deadLetter(publish, rejection.reason, `${rejection.detail} (and ${more - 1} more rejections in this message)`, receivedAt, device, rejection.metric);
      } else {
        this.count(rejection.reason);
      }
    });
  }

  private count(reason: string): void {
    this.stats.readingsRejected[reason] = (this.stats.readingsRejected[reason] ?? 0) + 1;
  }

  private deadLetter(publish: IncomingPublish, reason: string, detail: string, receivedAt: number, device?: string, metric?: string): void {
    this.count(reason);
    this.deps.deadLetters.add({ receivedAt, topic: publish.topic, device: device ?? publish.deviceId, reason, detail, metric, payload: publish.payload });
  }
}
