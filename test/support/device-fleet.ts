/**
 * A fleet of devices publishing sequence-numbered QoS 1 readings, recording which sequence
 * numbers the broker acknowledged. Reading n of a device is stamped `base + n × stepMs`, so the
 * timestamps in InfluxDB tell which sequence numbers landed.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { influxQL } from '../../app/local-influxd.ts';
import { telemetryTopic } from '../../network/topic.ts';
import { deviceLogin } from '../../simulators/device-login.ts';
import { InFlightWindow } from '../../simulators/in-flight.ts';

export interface FleetDevice {
  readonly id: string;
  readonly site: string;
  readonly password: string;
}

export interface Fleet {
  /** Acknowledged sequence numbers per device. */
  readonly acked: Map<string, Set<number>>;
  readonly base: number;
  readonly stepMs: number;
  /** Publishes attempted, acknowledged and failed (no PUBACK before the connection dropped). */
  readonly counts: { sent: number; acked: number; failed: number };
  stop(): Promise<void>;
}

export interface FleetOptions {
  url: string;
  devices: readonly FleetDevice[];
  /** Messages a second per device. */
  rate: number;
  base: number;
  stepMs?: number;
  /** Outstanding publishes per device before it waits. */
  inflight?: number;
}

export function startFleet(options: FleetOptions): Fleet {
  const stepMs = options.stepMs ?? 10;
  const windows = options.devices.map(() => new InFlightWindow(options.inflight ?? 10));
  const total = (count: 'sent' | 'acknowledged' | 'refused') => windows.reduce((sum, w) => sum + w.counts[count], 0);
  const fleet: Fleet & { running: boolean } = {
    acked: new Map(options.devices.map((d) => [d.id, new Set<number>()])),
    base: options.base,
    stepMs,
    get counts() {
      return { sent: total('sent'), acked: total('acknowledged'), failed: total('refused') };
    },
    running: true,
    async stop() {
      fleet.running = false;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
  const clients: MqttClient[] = [];
  const loops = options.devices.map(async (device, i) => {
    const window = windows[i]!;
    const client = mqtt.connect(options.url, { ...deviceLogin(device), reconnectPeriod: 500, connectTimeout: 5000 });
    clients.push(client);
    client.on('error', () => undefined);
    const topic = telemetryTopic(device.site, device.id);
    let seq = 0;
    const period = 1000 / options.rate;
    let next = Date.now();
    while (fleet.running) {
      if (!client.connected || !window.hasRoom) {
        // Publishes in flight when the server died may never settle: never wait on them alone.
        await Promise.race([window.nextSettlement(), sleep(50)]);
        continue;
      }
      const n = seq++;
      const payload = JSON.stringify({ ts: options.base + n * stepMs, seq: n, readings: { turbidity: 0.1 + (n % 100) / 1000 } });
      window.publish(client, topic, payload, undefined, (error) => {
        if (!error) fleet.acked.get(device.id)!.add(n);
      });
      next += period;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -1000) next = Date.now();
    }
    await window.drain(5000);
  });
  return fleet;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sequence numbers of one device found in InfluxDB rows of `SELECT turbidity … WHERE device = …` (epoch ms). */
export function landedSequence(rows: unknown[][], base: number, stepMs: number): Set<number> {
  return new Set(rows.map((row) => (Number(row[0]) - base) / stepMs));
}

/**
 * `device#seq` of every acknowledged reading not found in InfluxDB, from the rows of
 * `SELECT turbidity FROM telemetry GROUP BY device` (epoch ms).
 */
export async function missingReadings(fleet: Fleet, influxUrl: string, database: string, where = ''): Promise<string[]> {
  const result = await influxQL(influxUrl, `SELECT turbidity FROM telemetry ${where} GROUP BY device`, database);
  const landed = new Map((result.results?.[0]?.series ?? []).map((s) => [s.tags?.device ?? '', landedSequence(s.values, fleet.base, fleet.stepMs)]));
  const missing: string[] = [];
  for (const [device, acked] of fleet.acked) for (const seq of acked) if (!landed.get(device)?.has(seq)) missing.push(`${device}#${seq}`);
  return missing;
}
