/**
 * The rules engine: readings in, ticket changes out.
 *
 * For each reading it looks up the rules that can match (router.ts), runs each rule kind's pure
 * evaluate on the fingerprint's in-memory state, and turns decisions into ticket writes:
 * fire/update → store.openOrUpdate, resolve → store.resolve (actor "system"). Readings that
 * change nothing (quiet, pending, out of order) never touch the store.
 *
 * Ordering: state transitions happen synchronously in arrival order; the ticket writes of one
 * fingerprint are chained, so they reach the store (and `onChange`) in that order even though
 * the store is asynchronous and readings arrive concurrently. Different fingerprints write in
 * parallel.
 *
 * Failures: a store or `onChange` failure is counted, passed to `onError`, and does not block
 * later writes; `evaluate`, `tick` and `deviceStatus` never reject.
 *
 * Time: readings carry event time. Watch kinds (stale) also need a clock: the caller drives it
 * with `tick(now)` (wall clock live, event time in replays) and reports broker presence with
 * `deviceStatus`. The engine reads no clock of its own. Late and out-of-order readings: one
 * policy for the whole engine, rules/README.md "Event time and late readings".
 *
 * Inhibition (inhibition.ts): rules with `inhibit: true` run first on every reading; while one
 * fires for a device, rules without `inhibit` get that device's readings without its metric.
 * Zone signals (zone-signals.ts): onsets kinds report are kept per zone when some rule listens,
 * and passed to the listening rules with the readings of their zone.
 * Groups (groups.ts, kinds/flood.ts): at each tick, before the device watches, group rules judge
 * the devices of each township, zone or the network together; while a group ticket is open its
 * members' tickets under the watch rules it holds are held back (inhibition.ts, group holds).
 */
import type { Evaluation, Rule, WatchedDevice } from './kinds/index.ts';
import type { Site } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { Inhibitions } from './inhibition.ts';
import { groupProblems, groupsOf, holdMembers, judgeGroup, type GroupHost, type Places } from './groups.ts';
import { Coverage, supersedeProblems } from './supersede.ts';
import { RuleIndex, type CompiledRule, type ReadingDevice, type RuleReading } from './router.ts';
import { subjectOf, watchesByDevice, type Watch } from './watches.ts';
import { ruleHash, usableStates, type EngineSnapshot, type SavedFingerprint } from './snapshot.ts';
import type { TicketStore } from './tickets/store.ts';
import { fingerprintOf, SYSTEM_ACTOR, type Ticket, type TicketSubject, type Tier } from './tickets/ticket.ts';
import { ZoneSignals } from './zone-signals.ts';

export type { ReadingDevice, RuleReading } from './router.ts';
export type { WatchedDevice } from './kinds/index.ts';
export type { Places } from './groups.ts';

/**
 * What one of this engine's writes did to a ticket, plain value updates included: the engine's
 * own report, for replays (`clearwater evaluate`), golden cases and timeline tests. The process
 * learns of ticket changes from the one change stream (tickets/stream.ts), never from here.
 */
export interface EngineChange {
  readonly ticket: Ticket;
  /**
   * What the reading did to the ticket: opened (new), reopened (within the cool-down), escalated
   * / deescalated (severity up / down), updated (last/peak/count only), resolved. A ticket that
   * opens inside a silence comes as opened/reopened with `ticket.state` "suppressed".
   */
  readonly change: 'opened' | 'reopened' | 'updated' | 'escalated' | 'deescalated' | 'resolved';
  /** The reading value behind the change, canonical unit. */
  readonly value: number;
}

export interface RulesEngineOptions {
  /** Parsed rules (pack.ts); ids must be unique. */
  readonly rules: readonly Rule[];
  readonly store: TicketStore;
  /** Each of this engine's ticket writes, in order per fingerprint (see EngineChange). */
  readonly onChange?: (change: EngineChange) => void | Promise<void>;
  /** A ticket write or `onChange` failed. Default: console.error. */
  readonly onError?: (error: unknown, context: { fingerprint: string; ruleId: string }) => void;
  /**
   * Catalog devices (`catalog.devices.values()`), for watch kinds (stale): each rule watches the
   * devices its `match` admits. Devices not listed are not watched. Absent = no watches.
   */
  readonly devices?: Iterable<WatchedDevice>;
  /** States saved by a previous run (`snapshot()`), so a pending `for` survives a restart. */
  readonly restore?: EngineSnapshot | undefined;
  /** Names of townships and zones and the county's time zone, for group tickets' notes (flood). */
  readonly places?: Places;
}

export interface RulesEngineStats {
  /** Readings passed to evaluate. */
  readonly readings: number;
  /** Rule evaluations (reading × matching rule). */
  readonly evaluations: number;
  /** Evaluations dropped because the reading was not newer than the fingerprint's last one. */
  readonly outOfOrder: number;
  readonly opened: number;
  readonly reopened: number;
  readonly updated: number;
  readonly escalated: number;
  readonly deescalated: number;
  readonly resolved: number;
  /** Failed ticket writes or onChange calls. */
  readonly errors: number;
  /** Fingerprints with state in memory. */
  readonly fingerprints: number;
  /** Calls of `tick`. */
  readonly ticks: number;
  /** Calls of `deviceStatus` for watched devices. */
  readonly statuses: number;
  /** Rule × device pairs of watch kinds (stale). */
  readonly watches: number;
  /** Values withheld from rules without `inhibit` (one per metric per reading). */
  readonly withheld: number;
  /** Device × metric pairs withheld now. */
  readonly inhibited: number;
  /** Watch rule × device pairs whose tickets an open group ticket (flood) holds back now. */
  readonly grouped: number;
  /** Tickets resolved into a superseding rule's ticket (supersede.ts). */
  readonly superseded: number;
  /** Rule × site pairs covered by a firing superseding rule now. */
  readonly covered: number;
  /** Zone signals (event onsets) recorded for listening rules. */
  readonly signals: number;
  /** Zone signals dropped on arrival as older than the kept horizon. */
  readonly signalsDropped: number;
}

export interface RulesEngine {
  /**
   * Loads active tickets so their rules can resolve them after a restart, and the saved states
   * of `restore` where they agree with the store (snapshot.ts). Call before feeding readings.
   */
  start(): Promise<{ resumed: number; orphaned: number; restored: number; dropped: number }>;
  /** Evaluates one reading; resolves once its ticket writes are done. Never rejects. */
  evaluate(reading: RuleReading): Promise<void>;
  /**
   * Advances the engine clock to `now` (epoch ms) and lets watch kinds act without a reading
   * (stale devices). Call it periodically: live with the wall clock (e.g. every 10-30 s), in
   * replays with event time. The first tick starts the watch of devices not heard yet. A `now`
   * earlier than a previous one is still passed on; the clock itself never goes back.
   */
  tick(now: number): Promise<void>;
  /** The broker's presence for a device (retained status or last will) at `at`, epoch ms. */
  deviceStatus(deviceId: string, status: 'online' | 'offline', at: number): Promise<void>;
  stats(): RulesEngineStats;
  /** The state of every fingerprint, to save and hand to the next start as `restore`. */
  snapshot(savedAt: number): EngineSnapshot;
  /** Waits for every pending ticket write. Stop feeding readings first. */
  stop(): Promise<void>;
}

interface Fingerprint {
  state: unknown;
  /** Whether the kind's last decision left a ticket wanted (fire/update, not yet resolve). */
  firing: boolean;
  /** Tail of this fingerprint's write chain; undefined when idle. */
  tail: Promise<void> | undefined;
  /** Last device whose reading carried the rule's ticket metric: the ticket's device. */
  device: ReadingDevice | undefined;
}

type Counters = { -readonly [K in keyof RulesEngineStats]: number };
const DONE: Promise<void> = Promise.resolve();

/** Validates and indexes the rules; touches nothing until `start`, `evaluate` or `tick`. */
export function createRulesEngine(options: RulesEngineOptions): RulesEngine {
  const problems = supersedeProblems(options.rules);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  // Superseding rules first, so a reading that fires one covers the rules it supersedes before they run.
  const index = new RuleIndex([...options.rules.filter((r) => r.supersedes), ...options.rules.filter((r) => !r.supersedes)]);
  const held = groupProblems(index.groupRules, index.watchRules);
  if (held.length > 0) throw new Error(held.join('\n'));
  const { store, onChange } = options;
  const onError = options.onError ?? ((error, context) => console.error(`rules: ticket write for ${context.fingerprint} failed`, error));
  const fingerprints = new Map<string, Fingerprint>();
  const watches = watchesByDevice(index.watchRules, options.devices ?? []);
  const groups = groupsOf(index.groupRules, watches, options.places);
  const inhibitions = new Inhibitions();
  /** Rules without `inhibit` (and not watch kinds) by ticket metric: those a hold can interrupt. */
  const processRulesByMetric = new Map<MetricName, CompiledRule[]>();
  for (const compiled of index.byId.values()) {
    if (compiled.rule.inhibit || compiled.kind.watch || compiled.kind.group || compiled.kind.restartOnHold === false) continue;
    const list = processRulesByMetric.get(compiled.metric);
    if (list) list.push(compiled);
    else processRulesByMetric.set(compiled.metric, [compiled]);
  }
  const coverage = new Coverage();
  const zones = new ZoneSignals(
    [...index.byId.values()].map((compiled) => ({ ruleId: compiled.rule.id, listen: compiled.listen })),
    new Set(index.byId.keys()),
  );
  const counters: Counters = {
    readings: 0,
    evaluations: 0,
    outOfOrder: 0,
    opened: 0,
    reopened: 0,
    deescalated: 0,
    updated: 0,
    escalated: 0,
    resolved: 0,
    errors: 0,
    fingerprints: 0,
    ticks: 0,
    statuses: 0,
    watches: [...watches.values()].reduce((sum, list) => sum + list.length, 0),
    withheld: 0,
    inhibited: 0,
    grouped: 0,
    superseded: 0,
    covered: 0,
    signals: 0,
    signalsDropped: 0,
  };
  /** The engine clock: the latest `tick(now)`. */
  let clock = Number.NEGATIVE_INFINITY;

  /**
   * Each rule's fingerprint for a device, made once: the same string object every time keeps its
   * hash, so the lookup in `fingerprints` does not build and hash a new string per reading and
   * rule. (`entryOf` was 11 % of a logger upload's CPU under `npm run bench -- --workloads b
   * --profile clearwater`; this took `bench:rules --only engine` from 11.1-11.5 to 10.3-11.1 µs a
   * reading: the rest is the lookup in a map of every fingerprint.)
   */
  const fingerprintsByDevice = new Map<CompiledRule, WeakMap<ReadingDevice, string>>();
  function fingerprintFor(compiled: CompiledRule, device: ReadingDevice): string {
    let byDevice = fingerprintsByDevice.get(compiled);
    if (byDevice === undefined) fingerprintsByDevice.set(compiled, (byDevice = new WeakMap()));
    let fingerprint = byDevice.get(device);
    if (fingerprint === undefined) byDevice.set(device, (fingerprint = fingerprintOf(compiled.rule.id, device.site.id, compiled.rule.subject === 'device' ? device.id : undefined)));
    return fingerprint;
  }

  function entryOf(fingerprint: string, compiled: CompiledRule): Fingerprint {
    let entry = fingerprints.get(fingerprint);
    if (entry === undefined) fingerprints.set(fingerprint, (entry = { state: compiled.kind.initial(compiled.rule), firing: false, tail: undefined, device: undefined }));
    return entry;
  }

  function enqueue(entry: Fingerprint, context: { fingerprint: string; ruleId: string }, write: () => Promise<unknown>): Promise<void> {
    const run = (entry.tail ?? DONE).then(write).then(() => undefined, (error: unknown) => {
      counters.errors++;
      onError(error, context);
    });
    entry.tail = run;
    void run.then(() => {
      if (entry.tail === run) entry.tail = undefined;
    });
    return run;
  }

  /** Writes one decision; resolves with the ticket it touched, if any. */
  async function apply(compiled: CompiledRule, subject: TicketSubject & { readonly tier?: Tier }, at: number, evaluation: Evaluation<unknown>): Promise<Ticket | undefined> {
    const { decision, note } = evaluation;
    const value = evaluation.value ?? Number.NaN;
    if (decision.type === 'fire' || decision.type === 'update') {
      // Raised on the engine clock (wall clock live): a late batch's ticket waits its full escalation time.
      const result = await store.openOrUpdate({ ...subject, at, value, severity: decision.severity, worst: compiled.worst, raisedAt: Math.max(clock, at), ...(note !== undefined && { note }) });
      const change = result.events.includes('reopened') ? 'reopened' : result.events.includes('deescalated') ? 'deescalated' : result.change;
      counters[change]++;
      await onChange?.({ ticket: result.ticket, change, value });
      return result.ticket;
    }
    if (decision.type === 'resolve') return resolveTicket(subject.fingerprint, at, value, note);
    return undefined;
  }

  /** Resolves a fingerprint's ticket; `value` is the clearing reading (none when superseded). */
  async function resolveTicket(fingerprint: string, at: number, value: number | undefined, note?: string): Promise<Ticket | undefined> {
    const ticket = await store.resolve({ fingerprint, at, actor: SYSTEM_ACTOR, ...(value !== undefined && Number.isFinite(value) && { value }), ...(note !== undefined && { note }) });
    if (ticket === undefined) return undefined; // nothing was open (e.g. the write that opened it failed), or flapping held it
    counters.resolved++;
    await onChange?.({ ticket, change: 'resolved', value: value ?? ticket.lastValue });
    return ticket;
  }

  /**
   * A superseding rule fired at `site`: the rules it newly covers there have their open tickets
   * resolved into its ticket, each on its own fingerprint's chain, after the superseding write.
   */
  function supersede(compiled: CompiledRule, subject: TicketSubject, at: number, written: Promise<Ticket | undefined>): void {
    for (const ruleId of coverage.cover(subject.fingerprint, subject.site, compiled.rule.supersedes ?? [])) {
      const covered = index.byId.get(ruleId);
      if (covered === undefined) continue;
      const fingerprint = fingerprintOf(ruleId, subject.site);
      const entry = entryOf(fingerprint, covered);
      void enqueue(entry, { fingerprint, ruleId }, async () => {
        const ticket = await written;
        const note = `superseded by ticket ${ticket ? `#${ticket.id} ` : ''}(${compiled.rule.id})`;
        if (await resolveTicket(fingerprint, at, undefined, note)) counters.superseded++;
      });
    }
  }

  /** Stores the new state; queues the ticket write a decision asks for. */
  function settle(entry: Fingerprint, compiled: CompiledRule, evaluation: Evaluation<unknown>, at: number, subject: () => TicketSubject & { readonly tier?: Tier }): Promise<void> | undefined {
    entry.state = evaluation.state;
    if (evaluation.decision.type !== 'none') entry.firing = evaluation.decision.type !== 'resolve';
    if (evaluation.decision.type === 'none') {
      if (evaluation.decision.ignored === 'out_of_order') counters.outOfOrder++;
      return undefined;
    }
    const ticketSubject = subject();
    const resolving = evaluation.decision.type === 'resolve';
    if (compiled.rule.inhibit && compiled.kind.group === undefined) {
      const changed = resolving ? inhibitions.release(ticketSubject.fingerprint) : inhibitions.hold(ticketSubject.fingerprint, ticketSubject.device, ticketSubject.metric);
      if (changed) restartWaits(ticketSubject.site, ticketSubject.device, ticketSubject.metric);
    }
    // Covered by a more specific rule firing at the site: no ticket of this rule there (supersede.ts).
    if (!resolving && coverage.isCovered(compiled.rule.id, ticketSubject.site)) return undefined;
    let written: Promise<Ticket | undefined> | undefined;
    const run = enqueue(entry, { fingerprint: ticketSubject.fingerprint, ruleId: compiled.rule.id }, () => (written = apply(compiled, ticketSubject, at, evaluation)));
    if (compiled.rule.supersedes !== undefined) {
      if (resolving) coverage.uncover(ticketSubject.fingerprint, ticketSubject.site, compiled.rule.supersedes);
      else supersede(compiled, ticketSubject, at, run.then(() => written));
    }
    return run;
  }

  /**
   * A hold on a device's metric began or ended: the process rules of that metric still waiting
   * there (pending `for`, not firing) start over. The faulty sensor's readings that started the
   * wait must not finish it an hour later, nor may a wait begun before the hold run through it.
   * Open tickets stay as they are.
   */
  function restartWaits(site: string, device: string, metric: MetricName): void {
    for (const compiled of processRulesByMetric.get(metric) ?? []) {
      const entry = fingerprints.get(fingerprintOf(compiled.rule.id, site, compiled.rule.subject === 'device' ? device : undefined));
      if (entry !== undefined && !entry.firing) entry.state = compiled.kind.initial(compiled.rule);
    }
  }

  /** Keeps an onset the kind reported as a zone signal, if some rule listens to this one. */
  function signal(compiled: CompiledRule, site: Site, evaluation: Evaluation<unknown>): void {
    if (evaluation.onset !== undefined) zones.record(compiled.rule.id, site.zone, site.id, evaluation.onset);
  }

  function evaluateRule(compiled: CompiledRule, reading: RuleReading): Promise<void> | undefined {
    counters.evaluations++;
    const { rule, listen } = compiled;
    const { site } = reading.device;
    const fingerprint = fingerprintFor(compiled, reading.device);
    const entry = entryOf(fingerprint, compiled);
    if (reading.values.has(compiled.metric)) entry.device = reading.device;
    const input = listen === undefined ? reading : { ts: reading.ts, values: reading.values, zone: { site: site.id, signals: zones.recent(site.zone, listen.rules) } };
    const evaluation = compiled.kind.evaluate(rule, entry.state, input);
    signal(compiled, site, evaluation);
    return settle(entry, compiled, evaluation, reading.ts, () => subjectOf(compiled, fingerprint, entry.device ?? reading.device, compiled.metric));
  }

  /** Runs one watch through a kind call; `at` is the ticket time of any decision. */
  function runWatch(watch: Watch, at: number, call: (state: unknown) => Evaluation<unknown>): Promise<void> | undefined {
    counters.evaluations++;
    const entry = entryOf(watch.fingerprint, watch.compiled);
    const evaluation = call(entry.state);
    // Held back by an open group ticket: no ticket, and the state stays as it was, so the device
    // opens its own at the first tick after the group lets go if it is still silent.
    if (evaluation.decision.type === 'fire' && inhibitions.watchHeld(watch.compiled.rule.id, watch.device.id)) return undefined;
    signal(watch.compiled, watch.device.site, evaluation);
    return settle(entry, watch.compiled, evaluation, at, () => subjectOf(watch.compiled, watch.fingerprint, watch.device, watch.metric));
  }

  function evaluate(reading: RuleReading): Promise<void> {
    counters.readings++;
    let writes: Promise<void>[] | undefined;
    const candidates = index.candidates(reading);
    // Inhibiting rules first, on the whole reading: the reading that trips one is already withheld from the rest.
    for (const compiled of candidates) {
      const write = compiled.rule.inhibit ? evaluateRule(compiled, reading) : undefined;
      if (write) (writes ??= []).push(write);
    }
    const seen = inhibitions.withhold(reading);
    counters.withheld += reading.values.size - seen.values.size;
    for (const compiled of seen === reading ? candidates : index.candidates(seen)) {
      const write = compiled.rule.inhibit ? undefined : evaluateRule(compiled, seen);
      if (write) (writes ??= []).push(write);
    }
    // Watch kinds judge arrival, not values: a withheld value still proves the device talks.
    const watched = watches.get(reading.device.id);
    if (watched !== undefined) {
      // Watch kinds see the reading as heard no earlier than the engine clock: arrival, as far as
      // the engine can tell (a batch of old samples still means the device is back).
      const heard = { ts: Math.max(reading.ts, clock), values: reading.values };
      for (const watch of watched) {
        const write = runWatch(watch, heard.ts, (state) => watch.compiled.kind.evaluate(watch.compiled.rule, state, heard));
        if (write) (writes ??= []).push(write);
      }
    }
    return settleAll(writes);
  }

  /** What judging the groups needs of the engine (groups.ts `judgeGroup`). */
  const groupHost: GroupHost<Fingerprint> = {
    entryOf,
    existing: (fingerprint) => fingerprints.get(fingerprint),
    settle,
    inhibitions,
    timeZone: options.places?.timeZone,
    evaluated: () => void counters.evaluations++,
  };

  function tick(now: number): Promise<void> {
    counters.ticks++;
    clock = Math.max(clock, now);
    const writes: Promise<void>[] = [];
    // Groups first: a group that forms at this tick holds its members before their own tickets are due.
    for (const group of groups) judgeGroup(group, now, groupHost, writes);
    for (const list of watches.values()) {
      for (const watch of list) {
        const { rule, kind } = watch.compiled;
        const write = runWatch(watch, now, (state) => kind.watch?.tick(rule, state, watch.device, now) ?? { state, decision: { type: 'none' } });
        if (write) writes.push(write);
      }
    }
    return settleAll(writes);
  }

  function deviceStatus(deviceId: string, status: 'online' | 'offline', at: number): Promise<void> {
    const list = watches.get(deviceId);
    if (list === undefined) return DONE;
    counters.statuses++;
    const writes: Promise<void>[] = [];
    for (const watch of list) {
      const { rule, kind } = watch.compiled;
      const write = runWatch(watch, at, (state) => kind.watch?.status(rule, state, watch.device, status, at) ?? { state, decision: { type: 'none' } });
      if (write) writes.push(write);
    }
    return settleAll(writes);
  }

  return {
    async start() {
      const saved = options.restore ? usableStates(options.restore, options.rules) : { states: new Map<string, SavedFingerprint>(), dropped: 0 };
      let resumed = 0;
      let orphaned = 0;
      let restored = 0;
      const active = new Set<string>();
      for (const ticket of await store.list({ state: 'open' })) {
        const compiled = index.byId.get(ticket.ruleId);
        if (compiled === undefined) {
          orphaned++; // its rule is gone from the packs; a person resolves it
          continue;
        }
        active.add(ticket.fingerprint);
        const mine = saved.states.get(ticket.fingerprint);
        // The saved state wins where it agrees that a ticket is wanted; else resume from the ticket.
        const state = mine?.firing ? (restored++, mine.state) : compiled.kind.resume(compiled.rule, ticket.severity, ticket);
        fingerprints.set(ticket.fingerprint, { state, firing: true, tail: undefined, device: undefined });
        if (compiled.rule.inhibit && compiled.kind.group === undefined) inhibitions.hold(ticket.fingerprint, ticket.device, ticket.metric);
        if (compiled.rule.supersedes) coverage.cover(ticket.fingerprint, ticket.site, compiled.rule.supersedes);
        resumed++;
      }
      // Quiet and pending states come back as saved; a firing state without an active ticket (a
      // person resolved it, or its write never landed) starts over.
      for (const [fingerprint, mine] of saved.states) {
        if (active.has(fingerprint) || mine.firing) continue;
        fingerprints.set(fingerprint, { state: mine.state, firing: false, tail: undefined, device: undefined });
        restored++;
      }
      for (const signal of options.restore?.signals ?? []) zones.record(signal.ruleId, signal.zone, signal.site, signal.at);
      // Open groups hold their members again (from the saved state; a group resumed from its ticket alone finds them at the next ticks).
      for (const group of groups) {
        for (const scope of group.scopes) {
          const entry = fingerprints.get(scope.fingerprint);
          if (entry !== undefined) holdMembers(group, scope.fingerprint, entry.state, inhibitions);
        }
      }
      return { resumed, orphaned, restored, dropped: saved.dropped };
    },
    evaluate,
    tick,
    deviceStatus,
    snapshot(savedAt) {
      const hashes = new Map(options.rules.map((rule) => [rule.id, ruleHash(rule)]));
      const saved: SavedFingerprint[] = [];
      for (const [fingerprint, entry] of fingerprints) {
        const ruleId = fingerprint.slice(0, fingerprint.indexOf('/'));
        saved.push({ fingerprint, ruleId, ruleHash: hashes.get(ruleId) ?? '', firing: entry.firing, state: entry.state });
      }
      return { version: 1, savedAt, fingerprints: saved, signals: zones.saved() };
    },
    stats: () => ({ ...counters, fingerprints: fingerprints.size, inhibited: inhibitions.size(), grouped: inhibitions.heldWatches(), covered: coverage.size(), signals: zones.recorded, signalsDropped: zones.dropped }),
    async stop() {
      // A write may chain another (onChange feeding back): drain until the chains are idle.
      for (;;) {
        const tails = [...fingerprints.values()].map((entry) => entry.tail).filter((tail) => tail !== undefined);
        if (tails.length === 0) return;
        await Promise.all(tails);
      }
    },
  };
}

function settleAll(writes: readonly Promise<void>[] | undefined): Promise<void> {
  if (writes === undefined || writes.length === 0) return DONE;
  return writes.length === 1 ? (writes[0] ?? DONE) : Promise.all(writes).then(() => undefined);
}
