/**
 * The simulated network `clearwater simulate` runs: one MQTT client per selected catalog device,
 * publishing modelled readings on an accelerated clock while scenarios play.
 *
 *   const sim = createNetworkSimulator({ brokerUrl, speed: 600, seed: 7, scenarios: [...] }, { catalog });
 *   await sim.start();   // connects every device, then publishes
 *   …
 *   await sim.stop();    // drains acknowledgements, marks devices offline, disconnects
 *
 * `create` validates the config against the schema and the catalog and touches no network.
 */
import { connect as mqttConnect } from 'mqtt';
import { z } from 'zod';
import type { Catalog, Device } from '../network/catalog.ts';
import { createSimClock, runStartMs, type SimClock } from './clock.ts';
import { selectDevices, simulatorConfigSchema, type SimulatorConfig, type SimulatorConfigInput } from './config.ts';
import { derivedPassword } from './credentials.ts';
import { createNetworkModel, type NetworkModel } from './network-model.ts';
import { createHydraulicSolver, type HydraulicSolver } from './hydraulic/solver.ts';
import { hydraulicTruth } from './hydraulic/truth.ts';
import { yellowWaterTruth } from './hydraulic/yellow-water.ts';
import { createRandom } from './random.ts';
import type { GroundTruth } from './scenarios/scenario.ts';
import { SimulatedDevice, type ConnectFn, type DeviceEvent, type DeviceStats } from './simulated-device.ts';
import { settlesWithin, setTimerAt, type Timer } from './timers.ts';

export interface SimulatorLogger {
  info(obj: object, msg: string): void;
  warn?(obj: object, msg: string): void;
}

export type SimulatorEvent =
  | DeviceEvent
  | { type: 'started'; simStartMs: number; speed: number; devices: number; caughtUpAtRealMs: number }
  | { type: 'all-online'; devices: number }
  | { type: 'caught-up'; simMs: number }
  | { type: 'scenario-started' | 'scenario-ended'; scenario: GroundTruth }
  | { type: 'stopped'; stats: SimulatorStats };

export interface SimulatorDeps {
  readonly catalog: Catalog;
  /** MQTT password of a device; default: derived from the demo secret (credentials.ts). */
  readonly password?: (deviceId: string) => string;
  /** Wall clock, epoch ms; default Date.now. */
  readonly now?: () => number;
  readonly logger?: SimulatorLogger;
  /** Called for every event, after it is logged. */
  readonly onEvent?: (event: SimulatorEvent) => void;
  /** MQTT client factory; default mqtt.connect. */
  readonly connect?: ConnectFn;
}

export interface SimulatorStats {
  readonly total: { published: number; acknowledged: number; errors: number; connected: number };
  readonly devices: Readonly<Record<string, Readonly<DeviceStats>>>;
}

export interface NetworkSimulator {
  readonly config: SimulatorConfig;
  /** Ids of the devices this run simulates. */
  readonly deviceIds: readonly string[];
  /** Connects every device (rejects, after closing them all, if one is not connected within connectTimeoutMs), then publishes. */
  start(): Promise<void>;
  /**
   * Drains, marks every device offline and disconnects. `announceOffline: false` disconnects
   * cleanly without the offline status: the simulation ends, no device failed (the demo).
   */
  stop(options?: { announceOffline?: boolean }): Promise<void>;
  stats(): SimulatorStats;
  /** The simulated clock; undefined before start(). */
  clock(): SimClock | undefined;
  /** What the scenarios do and when (simulated epoch ms); empty before start(). */
  groundTruth(): readonly GroundTruth[];
}

/** Validates config and catalog fit; throws listing every problem. Touches no network. */
export function createNetworkSimulator(input: SimulatorConfigInput, deps: SimulatorDeps): NetworkSimulator {
  const parsed = simulatorConfigSchema.safeParse(input);
  if (!parsed.success) throw new Error(`simulator config is invalid:\n${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  const selection = selectDevices(deps.catalog, config.devices);
  if (!selection.ok) throw new Error(`simulator config: devices: not a device, site or village in the catalog: ${selection.unknown.join(', ')}`);
  // Scenarios and hydraulic events are checked against the catalog now, so a bad village fails before any connection.
  createNetworkModel(deps.catalog, { seed: config.seed, simStartMs: 0, scenarios: config.scenarios });
  hydraulicTruth(config.hydraulics?.events ?? [], deps.catalog, 0);
  return new Simulation(config, deps, selection.devices);
}

class Simulation implements NetworkSimulator {
  readonly deviceIds: readonly string[];
  private devices: SimulatedDevice[] = [];
  private timers: Timer[] = [];
  private model: NetworkModel | undefined;
  private hydraulics: HydraulicSolver | undefined;
  private simClock: SimClock | undefined;
  /** Until every device is online, connection errors are summed up by start()'s rejection, not logged one by one. */
  private connecting = false;
  private readonly now: () => number;

  constructor(
    readonly config: SimulatorConfig,
    private readonly deps: SimulatorDeps,
    private readonly selected: readonly Device[],
  ) {
    this.deviceIds = selected.map((d) => d.id);
    this.now = deps.now ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.model) throw new Error('simulator already started');
    const { config, deps } = this;
    const password = deps.password ?? ((id: string) => derivedPassword(id));
    const connect = deps.connect ?? mqttConnect;
    // The model starts at the run's simulated start; the clock runs from the moment every device
    // is online, so a slow login (scrypt, a broker far away) costs no simulated time.
    const startMs = runStartMs(config, this.now());
    this.hydraulics = config.hydraulics && (await createHydraulicSolver(deps.catalog, config.hydraulics, startMs));
    const model = createNetworkModel(deps.catalog, {
      seed: config.seed,
      simStartMs: startMs,
      scenarios: config.scenarios,
      ...(this.hydraulics && { hydraulics: this.hydraulics }),
    });
    const schedule = createRandom(config.seed);
    this.model = model;
    this.devices = this.selected.map(
      (device) =>
        new SimulatedDevice({
          device,
          signal: model.signal(device.id),
          now: this.now,
          brokerUrl: config.brokerUrl,
          password: password(device.id),
          connect,
          maxInFlight: config.maxInFlightPerDevice,
          connectTimeoutMs: config.connectTimeoutMs,
          reconnectPeriodMs: config.reconnectPeriodMs,
          onEvent: (event) => this.emit(event),
        }),
    );
    this.connecting = true;
    const online = await settlesWithin(Promise.all(this.devices.map((d) => d.connect())), config.connectTimeoutMs);
    this.connecting = false;
    if (!online) {
      const missing = this.devices.filter((d) => !d.stats.connected).map((d) => `${d.id}${d.stats.lastError ? ` (${d.stats.lastError})` : ''}`);
      await this.stopDevices();
      throw new Error(`simulator: not connected to ${config.brokerUrl} within ${config.connectTimeoutMs} ms: ${missing.join(', ')}`);
    }
    this.emit({ type: 'all-online', devices: this.devices.length });
    const clock = createSimClock({ ...config, startMs }, this.now);
    this.simClock = clock;
    this.emit({ type: 'started', simStartMs: clock.startMs, speed: clock.speed, devices: this.devices.length, caughtUpAtRealMs: clock.caughtUpAtRealMs });
    // Spread first samples over one interval so the devices do not publish in lockstep.
    for (const device of this.devices) device.run(clock, startMs + Math.floor(schedule.fork(`schedule:${device.id}`).uniform(0, device.intervalMs)));
    this.scheduleMilestones(clock, model);
  }

  private scheduleMilestones(clock: SimClock, model: NetworkModel): void {
    const at = (simMs: number, event: () => SimulatorEvent) =>
      this.timers.push(setTimerAt(clock.realTimeAt(simMs), this.now, () => this.emit(event())));
    if (Number.isFinite(clock.caughtUpAtRealMs) && clock.caughtUpAtRealMs > this.now()) {
      this.timers.push(setTimerAt(clock.caughtUpAtRealMs, this.now, () => this.emit({ type: 'caught-up', simMs: clock.now() })));
    }
    for (const scenario of model.groundTruth) {
      at(scenario.startMs, () => ({ type: 'scenario-started', scenario }));
      at(scenario.endMs, () => ({ type: 'scenario-ended', scenario }));
    }
  }

  async stop(options: { announceOffline?: boolean } = {}): Promise<void> {
    await this.stopDevices(options.announceOffline ?? true);
    this.emit({ type: 'stopped', stats: this.stats() });
  }

  private async stopDevices(announceOffline = true): Promise<void> {
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    await Promise.all(this.devices.map((d) => d.stop(this.config.stopTimeoutMs, announceOffline)));
    this.hydraulics?.close();
    this.hydraulics = undefined;
  }

  stats(): SimulatorStats {
    const devices: Record<string, DeviceStats> = {};
    const total = { published: 0, acknowledged: 0, errors: 0, connected: 0 };
    for (const device of this.devices) {
      const s = device.stats;
      devices[device.id] = { ...s };
      total.published += s.published;
      total.acknowledged += s.acknowledged;
      total.errors += s.errors;
      total.connected += s.connected ? 1 : 0;
    }
    return { total, devices };
  }

  clock(): SimClock | undefined {
    return this.simClock;
  }

  groundTruth(): readonly GroundTruth[] {
    if (!this.model) return [];
    const yellowWater = yellowWaterTruth(this.hydraulics?.yellowWater ?? [], this.deps.catalog);
    return [...this.model.groundTruth, ...hydraulicTruth(this.config.hydraulics?.events ?? [], this.deps.catalog, this.model.simStartMs), ...yellowWater];
  }

  private emit(event: SimulatorEvent): void {
    const logger = this.deps.logger;
    const quiet = (event.type === 'device-online' && event.first) || (event.type === 'device-error' && this.connecting);
    if (logger && !quiet) {
      const { msg, warn } = describeEvent(event);
      const obj = event.type === 'stopped' ? { type: event.type, total: event.stats.total } : event;
      if (warn && logger.warn) logger.warn(obj, msg);
      else logger.info(obj, msg);
    }
    this.deps.onEvent?.(event);
  }
}

/** One log line per event. A device's first connection is summed up by `all-online`. */
function describeEvent(event: SimulatorEvent): { msg: string; warn?: boolean } {
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (event.type) {
    case 'started':
      return { msg: `simulating ${event.devices} devices from ${iso(event.simStartMs)} at ${event.speed}× speed` };
    case 'all-online':
      return { msg: `all ${event.devices} devices connected` };
    case 'caught-up':
      return { msg: `simulated time caught up with the wall clock at ${iso(event.simMs)}; running at real time` };
    case 'scenario-started':
      return { msg: `scenario ${event.scenario.name} started (simulated ${iso(event.scenario.startMs)})` };
    case 'scenario-ended':
      return { msg: `scenario ${event.scenario.name} ended (simulated ${iso(event.scenario.endMs)})` };
    case 'device-online':
      return { msg: `${event.device} ${event.first ? 'connected' : 'reconnected'}` };
    case 'device-offline':
      return { msg: `${event.device} lost its connection`, warn: true };
    case 'device-error':
      return { msg: `${event.device}: ${event.error}`, warn: true };
    case 'stopped':
      return { msg: `simulator stopped: ${event.stats.total.published} published, ${event.stats.total.acknowledged} acknowledged, ${event.stats.total.errors} errors` };
  }
}
