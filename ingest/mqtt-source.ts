/**
 * The MQTT source: the ingest as a subscriber of an external broker (EMQX, Mosquitto) instead
 * of the embedded Aedes. The broker has authenticated the device, so the device identity comes
 * from the topic; the ingest still checks it against the catalog (unknown_device,
 * topic_mismatch are dead-lettered by the decoder).
 *
 * Delivery (ingest/README.md, "Durability" and "External broker mode"): QoS 1 on a persistent
 * session with a fixed client id, so the broker keeps what is published while the ingest is down;
 * the PUBACK waits until the readings are in the spool (mqtt-link.ts).
 *
 * mqtt.js handles one incoming packet at a time and waits for `handleMessage`'s callback before
 * it parses the next, so one connection commits one message per spool cycle. With `connections`
 * > 1 the source opens that many links on one shared subscription ($share/{group}/…, MQTT 5
 * §4.8.2; Mosquitto and EMQX take it on 3.1.1 too): the broker deals each message to one of them,
 * and the spool commits one message of each per cycle (bench/README.md, `bench:external`).
 */
import { MqttLink, type LinkShared } from './mqtt-link.ts';
import { loggableUrl, type MqttSourceConfig, type MqttSourceDeps, type MqttSourceStats } from './mqtt-source-config.ts';
import type { Source, SourceSink } from './source.ts';

export * from './mqtt-source-config.ts';

/** The client id of link `index` (0-based) of `connections`: the configured one alone, else numbered from 1. Pure. */
export function linkClientId(clientId: string, index: number, connections: number): string {
  return connections === 1 ? clientId : `${clientId}-${index + 1}`;
}

export class MqttSource implements Source<'mqtt', MqttSourceStats> {
  readonly kind = 'mqtt';
  private readonly shared: LinkShared = { counters: { connects: 0, disconnects: 0, received: 0, acked: 0, redelivered: 0, unacked: 0 }, refusing: false };
  private readonly links: MqttLink[];
  /** For the log: without credentials. */
  private readonly url: string;

  constructor(readonly config: MqttSourceConfig, private readonly deps: MqttSourceDeps) {
    this.url = loggableUrl(config.url);
    this.links = Array.from({ length: config.connections }, (_, i) => new MqttLink(config, linkClientId(config.clientId, i, config.connections), this.url, this.shared, deps));
  }

  stats(): MqttSourceStats {
    const up = this.links.filter((link) => link.connected).length;
    return { ...this.shared.counters, connected: up === this.links.length, connections: up };
  }

  /**
   * Connects every link; resolves when all are subscribed, or after connectTimeoutMs (they keep
   * retrying); rejects when the broker refuses a subscription.
   */
  start(sink: SourceSink): Promise<void> {
    const subscribed = Promise.all(this.links.map((link) => link.start(sink)));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.deps.log?.warn({ url: this.url }, 'MQTT broker not reachable yet; retrying in the background');
        resolve();
      }, this.config.connectTimeoutMs);
    });
    return Promise.race([subscribed.then(() => undefined), waited]).finally(() => clearTimeout(timer));
  }

  /** Each link finishes the message in hand (its PUBACK goes out) and disconnects; the sessions keep the rest. */
  async stop(): Promise<void> {
    await Promise.all(this.links.map((link) => link.stop()));
  }
}
