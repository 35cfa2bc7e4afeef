/**
 * The ingest stage: device publishes in, validated and enriched points out to the sink and to
 * listeners (the app wires the rules engine there), rejections to the dead-letter store with a
 * count per reason. Nothing here throws out of a handler: bad input is data, not an exception.
 */
import type { Catalog } from '../network/catalog.ts';
import { deviceStatuses, type DeviceStatus } from '../network/message.ts';
import { parseTopic } from '../network/topic.ts';
import type { DeadLetter } from './dead-letters.ts';
import { decodeDeviceTelemetry, DEFAULT_LIMITS, type DecodeLimits, type TelemetryPoint } from './decode.ts';
import { telemetryLine } from './line-protocol.ts';

export interface IncomingPublish {
  readonly topic: string;
  readonly payload: Uint8Array;
  /** The authenticated device, when the source knows it (the embedded broker does). */
  readonly deviceId?: string | undefined;
}

export interface IngestDeps {
  catalog: Catalog;
  sink: { write(lines: readonly string[]): void };
  deadLetters: { add(letter: DeadLetter): void };
  /** Wall clock, epoch ms: only for the future/ancient checks and dead-letter stamps. */
  now(): number;
  limits?: DecodeLimits;
  /** Accepted points, after they were handed to the sink. */
  onPoints?(points: readonly TelemetryPoint[]): void;
  onStatus?(deviceId: string, status: DeviceStatus, at: number): void;
}

export interface IngestStats {
  messages: number;
  readingsAccepted: number;
  readingsRejected: Record<string, number>;
}

export class Ingest {
  readonly stats: IngestStats = { messages: 0, readingsAccepted: 0, readingsRejected: {} };

  constructor(private readonly deps: IngestDeps) {}

  accept(publish: IncomingPublish): void {
    this.stats.messages += 1;
    const parsed = parseTopic(publish.topic);
    const receivedAt = this.deps.now();
    if (!parsed.ok) return this.deadLetter(publish, 'invalid_topic', parsed.detail, receivedAt, publish.deviceId);
    if (parsed.topic.channel === 'status') return this.status(publish, parsed.topic.device);
    const decoded = decodeDeviceTelemetry(this.deps.catalog, parsed.topic, publish.payload, receivedAt, this.deps.limits ?? DEFAULT_LIMITS);
    if (decoded.points.length > 0) {
      const lines = decoded.points.map(telemetryLine);
      this.deps.sink.write(lines);
      for (const point of decoded.points) this.stats.readingsAccepted += point.values.size;
      this.deps.onPoints?.(decoded.points);
    }
    for (const rejection of decoded.rejections) {
      this.deadLetter(publish, rejection.reason, rejection.detail, receivedAt, decoded.device?.id, rejection.metric);
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

  private deadLetter(publish: IncomingPublish, reason: string, detail: string, receivedAt: number, device?: string, metric?: string): void {
    this.stats.readingsRejected[reason] = (this.stats.readingsRejected[reason] ?? 0) + 1;
    this.deps.deadLetters.add({ receivedAt, topic: publish.topic, device: device ?? publish.deviceId, reason, detail, metric, payload: publish.payload });
  }
}
