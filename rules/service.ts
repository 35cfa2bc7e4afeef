/**
 * The rules as a service of the process: it loads the packs, opens the ticket store, runs the
 * engine, and owns everything time-driven around them: the engine clock (`tick`, stale devices),
 * the ticket sweep (escalation, silences, flapping), the rule-state snapshots, and the one stream
 * of ticket changes with its standing consumer, the `annotations` (an InfluxDB `ticket` point and
 * a log line per change). The app only wires readings in and lines out.
 *
 * Lifecycle: `createRulesService` checks nothing but its arguments and touches no file or
 * network; `start()` loads, opens and starts the timers; `stop()` stops the timers, waits for the
 * engine's pending ticket writes, saves the snapshot, hands the last changes to the stream's
 * consumers and closes the store. Stop it before the sink its lines go to.
 */
import { join } from 'node:path';
import { ticketLine } from '../network/line-protocol.ts';
import { createRulesEngine, type RuleReading, type RulesEngine } from './engine.ts';
import type { Rule, WatchedDevice } from './kinds/index.ts';
import { loadRulePack, rulesOf } from './pack.ts';
import { loadSnapshot, saveSnapshot } from './snapshot.ts';
import { openTicketStore, type TicketStoreConfig } from './tickets/config.ts';
import type { LifecyclePolicy } from './tickets/policy.ts';
import { changeLogLine, ticketPoint } from './tickets/report.ts';
import type { TicketChange, TicketStore } from './tickets/store.ts';
import { TicketChangeStream } from './tickets/stream.ts';

/** What the service logs with (pino's Logger fits). */
export interface RulesLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RulesServiceOptions {
  readonly rulePacks: readonly string[];
  /** Where the rule-state snapshot (and the SQLite ticket store by default) live. */
  readonly dataDir: string;
  readonly tickets: TicketStoreConfig;
  readonly lifecycle: LifecyclePolicy;
  /** Devices the watch kinds (stale) watch: the catalog's. */
  readonly devices: Iterable<WatchedDevice>;
  /** How often the engine clock advances and the sweep runs, ms. */
  readonly tickMs: number;
  /** How often the rule states are saved for the next start, ms; default 60 s (and always at stop). */
  readonly snapshotMs?: number;
  /** How often the change stream looks for other instances' changes, ms; default 1000. */
  readonly streamPollMs?: number;
  readonly log: RulesLog;
  /** Takes `ticket` lines durably (the spool): resolves once they are committed. */
  readonly writeLines: (lines: string[]) => Promise<void>;
  /** Wall clock, epoch ms. */
  readonly now?: () => number;
}

export interface RulesService {
  /** Loads the packs, opens the store, resumes open tickets and restored rule states, starts the timers and the stream. */
  start(): Promise<void>;
  /** One durable reading (after its spool commit). Never rejects; failures are logged and counted. */
  evaluate(reading: RuleReading): void;
  /** The broker's presence of a device. */
  deviceStatus(deviceId: string, status: 'online' | 'offline', at: number): void;
  readonly rules: readonly Rule[];
  readonly engine: RulesEngine;
  readonly store: TicketStore;
  readonly stream: TicketChangeStream;
  stop(): Promise<void>;
}

interface Running {
  readonly rules: readonly Rule[];
  readonly engine: RulesEngine;
  readonly store: TicketStore;
  readonly stream: TicketChangeStream;
  readonly timers: NodeJS.Timeout[];
}

export function createRulesService(options: RulesServiceOptions): RulesService {
  if (!(options.tickMs > 0)) throw new Error(`rules tickMs must be positive, got ${options.tickMs}`);
  const now = options.now ?? Date.now;
  const snapshotPath = join(options.dataDir, 'rules-state.bin');
  let running: Running | undefined;
  let sweeping: Promise<void> | undefined;
  const started = (): Running => {
    if (running === undefined) throw new Error('the rules service is not started');
    return running;
  };

  const save = async (engine: RulesEngine): Promise<void> => {
    // A crash loses at most `snapshotMs` of pending conditions.
    await saveSnapshot(snapshotPath, engine.snapshot(now())).catch((error: unknown) => options.log.warn({ error: String(error) }, 'could not save the rule state snapshot'));
  };

  /** Ticket timers at `at`: tiers of unacknowledged tickets, ended silences, settled flapping. Changes reach the stream. */
  const sweep = (store: TicketStore, at: number): Promise<void> =>
    (sweeping ??= store
      .sweep(at)
      .then(() => undefined)
      .catch((error: unknown) => options.log.error({ error: String(error) }, 'ticket sweep failed'))
      .finally(() => (sweeping = undefined)));

  /** The standing consumer: one `ticket` point and one log line per change. */
  const annotate = async (changes: readonly TicketChange[]): Promise<void> => {
    await options.writeLines(changes.map((change) => ticketLine(ticketPoint(change))));
    for (const change of changes) {
      const line = changeLogLine(change);
      options.log[line.level](line.fields, line.message);
    }
  };

  return {
    async start() {
      const packs = await Promise.all(options.rulePacks.map(loadRulePack));
      const rules = rulesOf(packs);
      const store = await openTicketStore(options.tickets, {
        dataDir: options.dataDir,
        policy: options.lifecycle,
        onConnectionError: (error) => options.log.warn({ error: error.message }, 'ticket store connection lost; reconnecting'),
      });
      try {
        running = await startAround(store, rules);
      } catch (error) {
        await store.close();
        throw error;
      }
    },
    evaluate(reading) {
      // Readings that become durable while the process stops are on disk, not evaluated.
      if (running) void running.engine.evaluate(reading);
    },
    deviceStatus(deviceId, status, at) {
      if (running) void running.engine.deviceStatus(deviceId, status, at);
    },
    get rules() {
      return started().rules;
    },
    get engine() {
      return started().engine;
    },
    get store() {
      return started().store;
    },
    get stream() {
      return started().stream;
    },
    async stop() {
      if (running === undefined) return;
      const { engine, store, stream, timers } = running;
      running = undefined;
      for (const timer of timers) clearInterval(timer);
      await engine.stop();
      await save(engine);
      await sweeping;
      await stream.stop();
      await store.close();
    },
  };

  /** The engine, the stream and the timers around an open store. */
  async function startAround(store: TicketStore, rules: readonly Rule[]): Promise<Running> {
    const previous = await loadSnapshot(snapshotPath);
    if (!previous.ok && previous.reason === 'corrupt') options.log.warn({ file: snapshotPath }, 'rule state snapshot unreadable; pending conditions start over');
    const engine = createRulesEngine({
      restore: previous.ok ? previous.snapshot : undefined,
      rules,
      store,
      devices: options.devices,
      onError: (error, context) => options.log.error({ error: String(error), ...context }, 'ticket write failed'),
    });
    const stream = new TicketChangeStream(store, {
      ...(options.streamPollMs !== undefined && { pollMs: options.streamPollMs }),
      onError: (name, error) => options.log.error({ consumer: name, error: String(error) }, 'ticket change consumer failing; retrying with backoff, nothing is skipped'),
      onRecovered: (name, failures) => options.log.info({ consumer: name, failures }, 'ticket change consumer recovered'),
    });
    stream.consume('annotations', annotate);
    options.log.info(await engine.start(), 'open tickets resumed, rule states restored');
    await stream.start();
    const tick = () => {
      void engine.tick(now());
      void sweep(store, now());
    };
    const timers = [setInterval(tick, options.tickMs), setInterval(() => void save(engine), options.snapshotMs ?? 60_000)];
    tick();
    return { rules, engine, store, stream, timers };
  }
}
