/**
 * Prometheus metrics of one Clearwater process (`GET /metrics`). Each metric reads the stats
 * object of the component that owns it at scrape time; nothing here is global state.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { BrokerStats } from '../broker/stats.ts';
import type { DurableSinkStats } from '../ingest/durable-sink.ts';
import type { MqttSourceStats } from '../ingest/mqtt-source.ts';
import type { RulesEngineStats } from '../rules/engine.ts';
import type { AlarmLoad } from '../rules/tickets/alarm-load.ts';
import type { OutboxStats } from '../rules/tickets/outbox.ts';

export interface MetricSources {
  ingest(): { messages: number; readingsAccepted: number; readingsRejected: Record<string, number> };
  sink(): DurableSinkStats;
  /** Registers the metrics of the running source (app/sources.ts: the embedded broker's, or the external subscription's). */
  source(registry: Registry): void;
  devicesOnline(): number;
  rules(): Pick<RulesEngineStats, 'evaluations' | 'outOfOrder' | 'withheld' | 'inhibited' | 'grouped' | 'errors' | 'opened' | 'reopened' | 'escalated' | 'deescalated' | 'resolved'>;
  openTickets(): number | Promise<number>;
  /** The dead-letter store: letters this process pruned to keep it within its caps, and what it holds now. */
  deadLetters(): { pruned: number; letters: number; bytes: number };
  /** ISA-18.2 alarm load now (rules/tickets/alarm-load.ts). */
  alarmLoad?: (() => Promise<AlarmLoad>) | undefined;
  /** The notification outbox (rules/tickets/outbox.ts), when notifications are on. */
  outbox?: (() => Promise<OutboxStats>) | undefined;
}

function counter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function labelledCounter(registry: Registry, name: string, help: string, label: string, read: () => Record<string, number>): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, count] of Object.entries(read())) this.inc({ [label]: value }, count);
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: () => number | Promise<number>): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await read());
    },
  });
}

/** A gauge with one label whose values come, all together, from one read. */
function labelledGauge(registry: Registry, name: string, help: string, label: string, read: () => Promise<Record<string, number>>): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [value, count] of Object.entries(await read())) this.set({ [label]: value }, count);
    },
  });
}

/** The outbox's figures; one scrape queries the outbox once for them all. */
function outboxMetrics(registry: Registry, readOutbox: () => Promise<OutboxStats>): void {
  let cached: { at: number; stats: Promise<OutboxStats> } | undefined;
  const read = () => {
    if (cached === undefined || Date.now() - cached.at > 1000) cached = { at: Date.now(), stats: readOutbox() };
    return cached.stats;
  };
  labelledGauge(registry, 'clearwater_notify_outbox_pending', 'Notices waiting in the outbox (due or not), by channel', 'channel', async () => (await read()).pending);
  gauge(registry, 'clearwater_notify_outbox_due', 'Notices a sender may take now (due, not claimed)', async () => (await read()).due);
  gauge(registry, 'clearwater_notify_outbox_in_flight', 'Notices a sender has claimed and is sending now', async () => (await read()).inFlight);
  gauge(registry, 'clearwater_notify_outbox_oldest_due_seconds', 'How long the oldest undelivered notice has waited since it was due', async () => (await read()).oldestDueMs / 1000);
  // Totals kept in the store (every instance's), so gauges: they survive restarts and count once across instances.
  labelledGauge(registry, 'clearwater_notify_sent', 'Notices delivered, by channel (all instances, since the store began)', 'channel', async () => (await read()).sent);
  labelledGauge(registry, 'clearwater_notify_failed', 'Notices given up for good, by channel, kept with their reason (re-sendable)', 'channel', async () => (await read()).failed);
}

export function createMetrics(sources: MetricSources): Registry {
  const registry = new Registry();
  // The process's own: CPU, resident memory, V8 heap by space, event-loop lag, GC (prom-client's standard set).
  collectDefaultMetrics({ register: registry });
  counter(registry, 'clearwater_messages_total', 'MQTT telemetry and status messages received', () => sources.ingest().messages);
  counter(registry, 'clearwater_readings_accepted_total', 'Readings validated and handed to InfluxDB', () => sources.ingest().readingsAccepted);
  labelledCounter(registry, 'clearwater_readings_rejected_total', 'Readings or messages rejected, by reason (all dead-lettered)', 'reason', () => sources.ingest().readingsRejected);
  counter(registry, 'clearwater_dead_letters_pruned_total', 'Oldest dead letters deleted to keep the store within deadLetters.maxEntries and maxBytes', () => sources.deadLetters().pruned);
  gauge(registry, 'clearwater_dead_letters', 'Dead letters in the store', () => sources.deadLetters().letters);
  gauge(registry, 'clearwater_dead_letter_bytes', 'Bytes of payload and text in the dead-letter store (what deadLetters.maxBytes caps)', () => sources.deadLetters().bytes);
  counter(registry, 'clearwater_influx_lines_written_total', 'Lines InfluxDB acknowledged', () => sources.sink().linesWritten);
  counter(registry, 'clearwater_influx_write_errors_total', 'Failed InfluxDB write requests', () => sources.sink().writeErrors);
  counter(registry, 'clearwater_influx_lines_rejected_total', 'Lines InfluxDB refused for good (dead-lettered)', () => sources.sink().linesRejected);
  gauge(registry, 'clearwater_spool_lines', 'Lines on disk waiting for InfluxDB', () => sources.sink().spoolLines);
  gauge(registry, 'clearwater_spool_bytes', 'Bytes of line protocol on disk waiting for InfluxDB', () => sources.sink().spoolBytes);
  gauge(registry, 'clearwater_spool_oldest_age_seconds', 'Age of the oldest spooled line', () => sources.sink().oldestAgeMs / 1000);
  gauge(registry, 'clearwater_replay_lines_per_second', 'Rate the spool is written to InfluxDB', () => sources.sink().replayRate);
  counter(registry, 'clearwater_spool_publishes_refused_total', 'Publishes refused because the spool stayed full', () => sources.sink().publishesRefused);
  sources.source(registry);
  gauge(registry, 'clearwater_devices_online', 'Devices whose last status is online', sources.devicesOnline);
  counter(registry, 'clearwater_rule_evaluations_total', 'Rule evaluations', () => sources.rules().evaluations);
  counter(registry, 'clearwater_rule_readings_out_of_order_total', 'Evaluations skipped: the reading was not newer than the last one of its fingerprint', () => sources.rules().outOfOrder);
  counter(registry, 'clearwater_rule_values_withheld_total', 'Values kept from process rules while a sensor-health rule holds the device (inhibit)', () => sources.rules().withheld);
  gauge(registry, 'clearwater_rule_inhibited', 'Device × metric pairs held by sensor-health rules now', () => sources.rules().inhibited);
  gauge(registry, 'clearwater_rule_grouped', 'Device tickets held back by open group tickets (devices silent together) now', () => sources.rules().grouped);
  counter(registry, 'clearwater_ticket_write_errors_total', 'Ticket writes that failed', () => sources.rules().errors);
  labelledCounter(registry, 'clearwater_ticket_changes_total', 'Ticket changes made by the rules engine', 'change', () => {
    const { opened, reopened, escalated, deescalated, resolved } = sources.rules();
    return { opened, reopened, escalated, deescalated, resolved };
  });
  gauge(registry, 'clearwater_tickets_open', 'Tickets open, acknowledged or suppressed', sources.openTickets);
  if (sources.outbox) outboxMetrics(registry, sources.outbox);
  const readLoad = sources.alarmLoad;
  if (readLoad) {
    // One scrape reads three gauges: the tickets are queried once for them all.
    let cached: { at: number; load: Promise<AlarmLoad> } | undefined;
    const load = () => {
      if (cached === undefined || Date.now() - cached.at > 1000) cached = { at: Date.now(), load: readLoad() };
      return cached.load;
    };
    gauge(registry, 'clearwater_alarms_opened_10m', 'Tickets opened in the last 10 minutes (ISA-18.2: at most 10)', async () => (await load()).opened10m);
    gauge(registry, 'clearwater_alarms_opened_1h', 'Tickets opened in the last hour (ISA-18.2: about 6 acceptable, 12 the most)', async () => (await load()).opened1h);
    gauge(registry, 'clearwater_alarms_standing_24h', 'Active tickets opened more than 24 hours ago (ISA-18.2: fewer than 5)', async () => (await load()).standing24h);
  }
  return registry;
}

/** The embedded broker's metrics (`source.kind: embedded`). */
export function brokerMetrics(registry: Registry, read: () => BrokerStats): void {
  gauge(registry, 'clearwater_mqtt_clients_connected', 'MQTT clients connected to the embedded broker', () => read().connected);
  counter(registry, 'clearwater_mqtt_logins_refused_total', 'MQTT logins refused (unknown device or wrong password)', () => read().loginsRefused);
  labelledCounter(registry, 'clearwater_mqtt_publishes_refused_total', 'Publishes refused by the broker, by reason', 'reason', () => read().publishesRefused);
  labelledCounter(registry, 'clearwater_mqtt_subscriptions_refused_total', 'Subscriptions refused (SUBACK 0x80), by reason', 'reason', () => read().subscriptionsRefusedByReason);
  gauge(registry, 'clearwater_mqtt_sockets', 'Open sockets on all MQTT listeners, logged in or not', () => read().sockets);
  labelledCounter(registry, 'clearwater_mqtt_connections_refused_total', 'Connections refused by a connection limit or a client id of another principal, by reason', 'reason', () => read().connectionsRefused);
  counter(registry, 'clearwater_mqtt_connections_taken_over_total', 'Older connections of a device closed by a newer one', () => read().connectionsTakenOver);
  counter(registry, 'clearwater_mqtt_logins_throttled_total', 'Logins refused without a password check after repeated failures', () => read().loginsThrottled);
  counter(registry, 'clearwater_mqtt_logins_cached_total', 'Logins whose password the verified-credential cache checked (HMAC, no scrypt)', () => read().loginsCached);
  counter(registry, 'clearwater_mqtt_logins_busy_total', 'Logins refused with CONNACK 3 because the password-check queue was full', () => read().loginsBusy);
  gauge(registry, 'clearwater_mqtt_password_checks_running', 'Password checks (scrypt) running now', () => read().passwordChecksRunning);
  gauge(registry, 'clearwater_mqtt_password_checks_queued', 'Password checks (scrypt) waiting for a slot now', () => read().passwordChecksQueued);
  labelledCounter(registry, 'clearwater_mqtt_login_lockouts_total', 'Lockouts after repeated failed logins', 'key', () => read().loginLockouts);
  counter(registry, 'clearwater_mqtt_tls_handshake_failures_total', 'TLS handshakes that failed', () => read().tlsHandshakeFailures);
  counter(registry, 'clearwater_mqtt_publishes_delayed_total', 'Publishes held back by the per-device rate limit', () => read().publishesDelayed);
  gauge(registry, 'clearwater_mqtt_publishes_held', 'Publishes held back right now', () => read().publishesHeld);
  counter(registry, 'clearwater_mqtt_connect_timeouts_total', 'Sockets closed for not sending a whole CONNECT within connectTimeoutMs', () => read().connectTimeouts);
  labelledCounter(registry, 'clearwater_mqtt_client_errors_total', 'Logged-in clients closed on a connection error, by its code (ECONNRESET, EPIPE) or message; refused logins are counted apart', 'reason', () => read().clientErrors);
  counter(registry, 'clearwater_mqtt_keepalive_timeouts_total', 'Logged-in clients closed for sending nothing within 1.5 × their keep-alive', () => read().keepaliveTimeouts);
  labelledCounter(registry, 'clearwater_mqtt_packets_too_large_total', 'Connections closed for announcing a packet over the size limit, by phase (before_connect, after_connect)', 'phase', () => read().packetsTooLarge);
  counter(registry, 'clearwater_mqtt_packet_lengths_malformed_total', 'Connections closed for a Remaining Length longer than four bytes', () => read().packetLengthsMalformed);
  counter(registry, 'clearwater_mqtt_retain_flags_cleared_total', 'Retained publishes and wills passed on unretained (only a device status topic is retained)', () => read().retainFlagsCleared);
  counter(registry, 'clearwater_mqtt_forwards_refused_total', 'Messages not forwarded to a client that may not read their topic', () => read().forwardsRefused);
}

/** The external-broker subscription's metrics (`source.kind: mqtt`). */
export function mqttSourceMetrics(registry: Registry, read: () => MqttSourceStats): void {
  gauge(registry, 'clearwater_mqtt_source_connected', 'Every connection to the external MQTT broker up (1) or not (0)', () => (read().connected ? 1 : 0));
  gauge(registry, 'clearwater_mqtt_source_connections', 'Connections to the external MQTT broker up now (source.connections configured)', () => read().connections);
  counter(registry, 'clearwater_mqtt_source_connects_total', 'Connections to the external broker established', () => read().connects);
  counter(registry, 'clearwater_mqtt_source_disconnects_total', 'Connections to the external broker closed (lost, or dropped to get unacknowledged messages re-sent)', () => read().disconnects);
  counter(registry, 'clearwater_mqtt_source_messages_received_total', 'PUBLISH packets received from the external broker, redeliveries included', () => read().received);
  counter(registry, 'clearwater_mqtt_source_messages_acked_total', 'PUBACKs sent to the external broker (readings durable, or message dead-lettered)', () => read().acked);
  counter(registry, 'clearwater_mqtt_source_messages_redelivered_total', 'Messages the external broker re-sent (DUP flag)', () => read().redelivered);
  counter(registry, 'clearwater_mqtt_source_messages_unacked_total', 'Messages left unacknowledged for redelivery (spool full, stopping)', () => read().unacked);
}
