/**
 * One simulated device on MQTT: a thin adapter around its signal. It logs in as itself
 * (username = client id = device id), leaves a retained QoS 1 `offline` will on its status
 * topic and publishes a retained `online` there on every connect, then publishes one QoS 1
 * telemetry message per catalog interval of simulated time (the wire contract: README.md, "Wire
 * contract in one glance"). Timestamps are the scheduled simulated instants, so they are exact, increasing
 * and never ahead of the wall clock (unless a scenario skews the device's clock).
 *
 * When a scenario takes its link down, the socket dies without a DISCONNECT, so the broker
 * publishes its will; samples taken meanwhile, and those not acknowledged when the link died,
 * are kept if the device buffers (a data logger) and lost otherwise. When the link is back it
 * reconnects and uploads what it kept as `samples` batches, then reports as before.
 *
 * A data logger (catalog `uploadEveryS`) samples at its interval but sends only every
 * `uploadEveryS`: the samples taken since its last upload, each with its own timestamp, as one
 * QoS 1 `samples` batch (15 one-minute samples every 15 minutes, say).
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Device } from '../network/catalog.ts';
import { statusTopic, telemetryTopic } from '../network/topic.ts';
import type { SimClock } from './clock.ts';
import { deviceLogin } from './device-login.ts';
import { InFlightWindow } from './in-flight.ts';
import type { Readings } from './models/signals.ts';
import type { DeviceSignal } from './network-model.ts';
import { settlesWithin, setTimerAt, type Timer } from './timers.ts';

export type ConnectFn = (brokerUrl: string, options: IClientOptions) => MqttClient;

export interface DeviceStats {
  /** Telemetry publishes handed to the client (a batch is one). */
  published: number;
  /** Samples a device without a buffer lost while its link was down. */
  lostOffline: number;
  /** Telemetry publishes the broker acknowledged (PUBACK). */
  acknowledged: number;
  /** Publishes that failed and connection errors (refused CONNECT, socket errors). */
  errors: number;
  connected: boolean;
  lastError?: string;
}

export type DeviceEvent =
  | { type: 'device-online'; device: string; first: boolean }
  | { type: 'device-offline'; device: string }
  | { type: 'device-error'; device: string; error: string };

export interface SimulatedDeviceOptions {
  readonly device: Device;
  readonly signal: DeviceSignal;
  /** Wall clock, epoch ms. */
  readonly now: () => number;
  readonly brokerUrl: string;
  readonly password: string;
  readonly connect: ConnectFn;
  readonly maxInFlight: number;
  readonly connectTimeoutMs: number;
  readonly reconnectPeriodMs: number;
  readonly onEvent: (event: DeviceEvent) => void;
}

/** The telemetry payload of one sample. Pure. */
export function telemetryPayload(ts: number, seq: number, readings: Readings): string {
  return JSON.stringify({ ts, seq, readings });
}

interface Sample {
  readonly ts: number;
  readonly readings: Readings;
}

/** Samples in one uploaded batch: about 150 B each, well inside the 64 KiB payload limit. */
export const BATCH_SAMPLES = 200;

/** The payload of an uploaded backlog (the wire contract's `samples` form). Pure. */
export function batchPayload(samples: readonly Sample[]): string {
  return JSON.stringify({ samples });
}

export class SimulatedDevice {
  readonly stats: DeviceStats = { published: 0, lostOffline: 0, acknowledged: 0, errors: 0, connected: false };
  private client: MqttClient | undefined;
  private timer: Timer | undefined;
  private dueMs = 0;
  private clock: SimClock | undefined;
  private seq = 0;
  private stopping = false;
  private waitingForAck = false;
  private everConnected = false;
  /** Publishes awaiting PUBACK, with the samples they carry. */
  private readonly window: InFlightWindow<readonly Sample[]>;
  /** down: a scenario cut the link; reconnecting: it is back, waiting for CONNACK; up otherwise. */
  private link: 'up' | 'down' | 'reconnecting' = 'up';
  private backlog: Sample[] = [];
  /** A logger's samples since its last upload. */
  private pending: Sample[] = [];
  /** Samples a logger sends together: uploadEveryMs ÷ intervalMs, rounded; 1 for other devices. */
  private readonly samplesPerUpload: number;
  private readonly status: string;
  private readonly telemetry: string;

  constructor(private readonly options: SimulatedDeviceOptions) {
    this.status = statusTopic(options.device.site.id, options.device.id);
    this.telemetry = telemetryTopic(options.device.site.id, options.device.id);
    this.window = new InFlightWindow(options.maxInFlight);
    const { intervalMs, uploadEveryMs = intervalMs } = options.device;
    this.samplesPerUpload = Math.max(1, Math.round(uploadEveryMs / intervalMs));
  }

  get id(): string {
    return this.options.device.id;
  }

  get intervalMs(): number {
    return this.options.device.intervalMs;
  }

  /** Opens the connection; resolves on the first CONNACK (the client keeps retrying meanwhile). */
  connect(): Promise<void> {
    const { device, brokerUrl, password } = this.options;
    const client = this.options.connect(brokerUrl, {
      ...deviceLogin({ id: device.id, password }),
      connectTimeout: this.options.connectTimeoutMs,
      reconnectPeriod: this.options.reconnectPeriodMs,
      will: { topic: this.status, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => this.onConnect(client));
    client.on('close', () => this.onClose());
    client.on('error', (error) => this.onError(error.message));
    return new Promise((resolve) => client.once('connect', () => resolve()));
  }

  /** Starts the publishing schedule on `clock`, the first sample at simulated `firstDueMs`. */
  run(clock: SimClock, firstDueMs: number): void {
    this.clock = clock;
    this.dueMs = firstDueMs;
    this.schedule();
  }

  private onConnect(client: MqttClient): void {
    this.stats.connected = true;
    client.publish(this.status, 'online', { qos: 1, retain: true }, (error) => {
      if (error) this.onError(`status: ${error.message}`);
    });
    this.options.onEvent({ type: 'device-online', device: this.id, first: !this.everConnected });
    this.everConnected = true;
  }

  private onClose(): void {
    if (!this.stats.connected) return;
    this.stats.connected = false;
    if (!this.stopping) this.options.onEvent({ type: 'device-offline', device: this.id });
  }

  private onError(message: string): void {
    this.stats.errors++;
    const repeated = this.stats.lastError === message;
    this.stats.lastError = message;
    if (!repeated) this.options.onEvent({ type: 'device-error', device: this.id, error: message });
  }

  private schedule(): void {
    if (this.stopping) return;
    if (!this.clock) return;
    this.timer = setTimerAt(this.clock.realTimeAt(this.dueMs), this.options.now, () => this.tick());
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopping) return;
    const due = this.dueMs;
    const disturbance = this.options.signal.disturbance(due);
    const uploads = this.pending.length + 1 >= this.samplesPerUpload;
    if (this.link === 'up' && !disturbance.linkDown && uploads && !this.window.hasRoom) {
      this.waitingForAck = true; // resumed by the next acknowledgement
      return;
    }
    const sample = { ts: due + (disturbance.skewMs ?? 0), readings: this.options.signal.sample(due) };
    if (disturbance.linkDown) {
      this.cutLink(disturbance.linkDown.buffers);
      this.keep([...this.pending.splice(0), sample], disturbance.linkDown.buffers);
    } else if (this.link === 'up') {
      this.pending.push(sample);
      if (uploads) this.upload(this.pending.splice(0));
    } else {
      this.backlog.push(sample);
      if (this.link === 'down') this.restoreLink();
    }
    this.dueMs += this.options.device.intervalMs;
    this.schedule();
  }

  private keep(samples: readonly Sample[], buffers: boolean): void {
    if (buffers) this.backlog.push(...samples);
    else this.stats.lostOffline += samples.length;
  }

  /** The socket dies without a DISCONNECT (the broker publishes the will); what was not acknowledged is kept or lost. */
  private cutLink(buffers: boolean): void {
    if (this.link === 'down') return;
    this.link = 'down';
    this.waitingForAck = false;
    this.keep(this.window.abandon().flat(), buffers);
    this.client?.end(true);
    this.client = undefined;
  }

  /** A fresh connection; once it is up, the backlog goes first, in batches. */
  private restoreLink(): void {
    this.link = 'reconnecting';
    void this.connect().then(() => {
      if (this.stopping) return;
      this.link = 'up';
      const backlog = this.backlog;
      this.backlog = [];
      this.upload(backlog);
    });
  }

  /** Samples in batches of at most BATCH_SAMPLES. */
  private upload(samples: readonly Sample[]): void {
    for (let i = 0; i < samples.length; i += BATCH_SAMPLES) this.publish(samples.slice(i, i + BATCH_SAMPLES));
  }

  /** One sample as a telemetry message, several as one `samples` batch. */
  private publish(samples: readonly Sample[]): void {
    const client = this.client;
    if (!client) return;
    const payload = samples.length === 1 ? telemetryPayload(samples[0]!.ts, this.seq++, samples[0]!.readings) : batchPayload(samples);
    this.stats.published++;
    // A publish the link took down with it was handed to the backlog (abandoned), so it is
    // counted neither acknowledged nor refused.
    this.window.publish(client, this.telemetry, payload, samples, (error) => {
      this.stats.acknowledged = this.window.counts.acknowledged;
      if (error) this.onError(`publish: ${error.message}`);
      if (this.waitingForAck && !this.stopping) {
        this.waitingForAck = false;
        this.tick();
      }
    });
  }

  /**
   * Stops publishing, waits up to `timeoutMs` for outstanding acknowledgements, marks the
   * device `offline` (a clean DISCONNECT discards the will [MQTT-3.14.4-3]) unless
   * `announceOffline` is false, and disconnects.
   */
  async stop(timeoutMs: number, announceOffline = true): Promise<void> {
    this.stopping = true;
    this.timer?.cancel();
    const client = this.client;
    if (!client) return;
    const drained = await this.window.drain(timeoutMs);
    let clean = drained && client.connected;
    if (clean && announceOffline) clean = await settlesWithin(client.publishAsync(this.status, 'offline', { qos: 1, retain: true }), timeoutMs);
    await settlesWithin(client.endAsync(!clean), timeoutMs);
    this.stats.connected = false;
  }
}
