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
import type { Catalog } from '../network/catalog.ts';
import { ticketLine } from '../network/line-protocol.ts';
import { createRulesEngine, type Places, type RuleReading, type RulesEngine } from './engine.ts';
import type { Rule, WatchedDevice } from './kinds/index.ts';
import { loadRulePack, rulesOf } from './pack.ts';
import { loadSnapshot, saveSnapshot } from './snapshot.ts';
import { openTicketStore, type TicketStoreConfig } from './tickets/config.ts';
import type { LifecyclePolicy } from './tickets/policy.ts';
import { changeLogLine, ticketPoint } from './tickets/report.ts';
import type { TicketChange, TicketStore } from './tickets/store.ts';
import { TicketChangeStream } from './tickets/stream.ts';
import type { ChannelKind } from './notify/channel.ts';
import { NoticeComposer, recipientOf } from './notify/compose.ts';
import { createChannels, type NotifyConfig } from './notify/config.ts';
import { planNotices } from './notify/plan.ts';
import { NoticeRenderer } from './notify/render.ts';
import { NotificationSender } from './notify/sender.ts';
import type { NoticePlanner } from './tickets/store.ts';

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
  /** Township and zone names and the county's time zone, for group tickets (flood); `placesOf(catalog.file)`. */
  readonly places?: Places;
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
  /** Notifications (the `notify:` config with the catalog's recipients); absent or disabled: nobody is told. */
  readonly notify?: NotifyOptions | undefined;
}

export interface NotifyOptions {
  readonly config: NotifyConfig;
  readonly catalog: Catalog;
  /** The key that signs acknowledgement links, and where the phone page is. */
  readonly links: { readonly key: Buffer; readonly baseUrl: string };
  /** This process, as the owner of its outbox claims (several instances share the outbox). */
  readonly owner: string;
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
  /** The outbox sender, when notifications are on. */
  readonly sender: NotificationSender | undefined;
  /** The clock time of the last completed ticket sweep (undefined before the first). A sweep asked for while one runs is skipped, so a test that moves the clock waits for this to reach it. */
  readonly sweptAt: number | undefined;
  stop(): Promise<void>;
}

interface Running {
  readonly rules: readonly Rule[];
  readonly engine: RulesEngine;
  readonly store: TicketStore;
  readonly stream: TicketChangeStream;
  readonly timers: NodeJS.Timeout[];
  readonly sender: NotificationSender | undefined;
  readonly closeChannels: () => Promise<void>;
}

export function createRulesService(options: RulesServiceOptions): RulesService {
  if (!(options.tickMs > 0)) throw new Error(`rules tickMs must be positive, got ${options.tickMs}`);
  const now = options.now ?? Date.now;
  const snapshotPath = join(options.dataDir, 'rules-state.bin');
  let running: Running | undefined;
  let sweeping: Promise<void> | undefined;
  let sweptAt: number | undefined;
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
      .then(() => {
        sweptAt = at;
      })
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
      const notify = await notifyParts();
      const store = await openTicketStore(options.tickets, {
        dataDir: options.dataDir,
        policy: options.lifecycle,
        notify: notify?.planner,
        onConnectionError: (error) => options.log.warn({ error: error.message }, 'ticket store connection lost; reconnecting'),
      });
      try {
        running = await startAround(store, rules, notify);
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
    get sender() {
      return started().sender;
    },
    get sweptAt() {
      return sweptAt;
    },
    async stop() {
      if (running === undefined) return;
      const { engine, store, stream, timers, sender, closeChannels } = running;
      running = undefined;
      for (const timer of timers) clearInterval(timer);
      await engine.stop();
      await save(engine);
      await sweeping;
      await stream.stop();
      await sender?.stop();
      await closeChannels();
      await store.close();
    },
  };

  /** The channels, the outbox planner the store writes with, and the renderer (templates checked here). */
  async function notifyParts() {
    const notify = options.notify;
    if (notify === undefined || !notify.config.enabled) return undefined;
    const { catalog, config } = notify;
    const channels = createChannels(config.channels, { now, log: options.log });
    const timeZone = catalog.file.county.timeZone;
    const context = {
      recipients: catalog.file.recipients,
      policy: config.policy,
      timeZone,
      reaches: (entry: Parameters<typeof recipientOf>[0], kind: ChannelKind) => channels.get(kind)?.reaches(recipientOf(entry)) ?? false,
    };
    const planner: NoticePlanner = { plan: (change, told, at) => planNotices(change, told, context, at), now };
    const renderer = await NoticeRenderer.load(timeZone);
    options.log.info({ channels: [...channels.keys()], recipients: catalog.file.recipients.length }, 'notifications on');
    return { notify, channels, planner, renderer };
  }

  /** The engine, the stream, the sender and the timers around an open store. */
  async function startAround(store: TicketStore, rules: readonly Rule[], notify: Awaited<ReturnType<typeof notifyParts>>): Promise<Running> {
    const previous = await loadSnapshot(snapshotPath);
    if (!previous.ok && previous.reason === 'corrupt') options.log.warn({ file: snapshotPath }, 'rule state snapshot unreadable; pending conditions start over');
    const engine = createRulesEngine({
      restore: previous.ok ? previous.snapshot : undefined,
      rules,
      store,
      devices: options.devices,
      ...(options.places !== undefined && { places: options.places }),
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
    const sender = notify && startSender(store, notify);
    const closeChannels = async () => {
      for (const channel of notify?.channels.values() ?? []) await channel.close?.();
    };
    return { rules, engine, store, stream, timers, sender, closeChannels };
  }

  function startSender(store: TicketStore, parts: NonNullable<Awaited<ReturnType<typeof notifyParts>>>): NotificationSender {
    const { notify, channels, renderer } = parts;
    // The base URL is read at each send: the HTTP API's port is known only once it listens.
    const links = { key: notify.links.key, ttlMs: notify.config.links.ttl, get baseUrl() { return notify.links.baseUrl; } };
    const composer = new NoticeComposer(notify.catalog, store, renderer, links, now);
    const sender = new NotificationSender({
      store,
      channels,
      composer,
      catalog: notify.catalog,
      policy: notify.config.policy,
      owner: notify.owner,
      now,
      log: options.log,
      pollMs: notify.config.sender.pollMs,
      leaseMs: notify.config.sender.leaseMs,
      batchSize: notify.config.sender.batchSize,
      onSent: (message, result, notice) => {
        const fields = { channel: message.channel, to: [...new Set(message.rows.map((r) => r.recipient))], tickets: [...new Set(message.rows.map((r) => r.ticketId))] };
        if (!result.ok) options.log.warn({ ...fields, failure: result.failure, reason: result.reason }, `could not tell by ${message.channel}`);
        // The log channel's own line says who was told.
        else if (message.channel !== 'log') options.log.info(fields, `told ${fields.to.join(', ')} by ${message.channel}: ${notice?.title ?? message.kind}`);
      },
    });
    sender.start();
    return sender;
  }
}
