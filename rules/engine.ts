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
 * later writes; `evaluate` never rejects.
 */
import type { Evaluation, Rule } from './kinds/index.ts';
import { RuleIndex, type CompiledRule, type RuleReading } from './router.ts';
import type { TicketStore } from './tickets/store.ts';
import { fingerprintOf, SYSTEM_ACTOR, type Ticket, type TicketSubject } from './tickets/ticket.ts';

export type { ReadingDevice, RuleReading } from './router.ts';

export interface TicketChange {
  readonly ticket: Ticket;
  readonly change: 'opened' | 'updated' | 'escalated' | 'resolved';
  /** The reading value behind the change, canonical unit. */
  readonly value: number;
}

export interface RulesEngineOptions {
  /** Parsed rules (pack.ts); ids must be unique. */
  readonly rules: readonly Rule[];
  readonly store: TicketStore;
  /** Every ticket change, in order per fingerprint (InfluxDB `ticket` points, notifications). */
  readonly onChange?: (change: TicketChange) => void | Promise<void>;
  /** A ticket write or `onChange` failed. Default: console.error. */
  readonly onError?: (error: unknown, context: { fingerprint: string; ruleId: string }) => void;
}

export interface RulesEngineStats {
  /** Readings passed to evaluate. */
  readonly readings: number;
  /** Rule evaluations (reading × matching rule). */
  readonly evaluations: number;
  /** Evaluations dropped because the reading was not newer than the fingerprint's last one. */
  readonly outOfOrder: number;
  readonly opened: number;
  readonly updated: number;
  readonly escalated: number;
  readonly resolved: number;
  /** Failed ticket writes or onChange calls. */
  readonly errors: number;
  /** Fingerprints with state in memory. */
  readonly fingerprints: number;
}

export interface RulesEngine {
  /** Loads active tickets so their rules can resolve them after a restart. Call before feeding readings. */
  start(): Promise<{ resumed: number; orphaned: number }>;
  /** Evaluates one reading; resolves once its ticket writes are done. Never rejects. */
  evaluate(reading: RuleReading): Promise<void>;
  stats(): RulesEngineStats;
  /** Waits for every pending ticket write. Stop feeding readings first. */
  stop(): Promise<void>;
}

interface Fingerprint {
  state: unknown;
  /** Tail of this fingerprint's write chain; undefined when idle. */
  tail: Promise<void> | undefined;
}

type Counters = { -readonly [K in keyof RulesEngineStats]: number };
const DONE: Promise<void> = Promise.resolve();

/** Validates and indexes the rules; touches nothing until `start` or `evaluate`. */
export function createRulesEngine(options: RulesEngineOptions): RulesEngine {
  const index = new RuleIndex(options.rules);
  const { store, onChange } = options;
  const onError = options.onError ?? ((error, context) => console.error(`rules: ticket write for ${context.fingerprint} failed`, error));
  const fingerprints = new Map<string, Fingerprint>();
  const counters: Counters = { readings: 0, evaluations: 0, outOfOrder: 0, opened: 0, updated: 0, escalated: 0, resolved: 0, errors: 0, fingerprints: 0 };

  function enqueue(entry: Fingerprint, context: { fingerprint: string; ruleId: string }, write: () => Promise<void>): Promise<void> {
    const run = (entry.tail ?? DONE).then(write).catch((error: unknown) => {
      counters.errors++;
      onError(error, context);
    });
    entry.tail = run;
    void run.then(() => {
      if (entry.tail === run) entry.tail = undefined;
    });
    return run;
  }

  async function apply(compiled: CompiledRule, subject: TicketSubject, at: number, evaluation: Evaluation<unknown>): Promise<void> {
    const { decision } = evaluation;
    const value = evaluation.value ?? Number.NaN;
    if (decision.type === 'fire' || decision.type === 'update') {
      const result = await store.openOrUpdate({ ...subject, at, value, severity: decision.severity, worst: compiled.worst });
      counters[result.change]++;
      await onChange?.({ ticket: result.ticket, change: result.change, value });
    } else if (decision.type === 'resolve') {
      const ticket = await store.resolve({ fingerprint: subject.fingerprint, at, value, actor: SYSTEM_ACTOR });
      if (ticket === undefined) return; // nothing was open (e.g. the write that opened it failed)
      counters.resolved++;
      await onChange?.({ ticket, change: 'resolved', value });
    }
  }

  function evaluate(reading: RuleReading): Promise<void> {
    counters.readings++;
    let writes: Promise<void>[] | undefined;
    for (const compiled of index.candidates(reading)) {
      counters.evaluations++;
      const { rule } = compiled;
      const fingerprint = fingerprintOf(rule.id, reading.device.site.id, rule.subject === 'device' ? reading.device.id : undefined);
      let entry = fingerprints.get(fingerprint);
      if (entry === undefined) fingerprints.set(fingerprint, (entry = { state: compiled.kind.initial(rule), tail: undefined }));
      const evaluation = compiled.kind.evaluate(rule, entry.state, reading);
      entry.state = evaluation.state;
      if (evaluation.decision.type === 'none') {
        if (evaluation.decision.ignored === 'out_of_order') counters.outOfOrder++;
        continue;
      }
      const subject = subjectOf(compiled, fingerprint, reading);
      (writes ??= []).push(enqueue(entry, { fingerprint, ruleId: rule.id }, () => apply(compiled, subject, reading.ts, evaluation)));
    }
    if (writes === undefined) return DONE;
    return writes.length === 1 ? (writes[0] ?? DONE) : Promise.all(writes).then(() => undefined);
  }

  return {
    async start() {
      let resumed = 0;
      let orphaned = 0;
      for (const ticket of await store.list({ state: 'open' })) {
        const compiled = index.byId.get(ticket.ruleId);
        if (compiled === undefined) {
          orphaned++; // its rule is gone from the packs; a person resolves it
          continue;
        }
        fingerprints.set(ticket.fingerprint, { state: compiled.kind.resume(compiled.rule, ticket.severity), tail: undefined });
        resumed++;
      }
      return { resumed, orphaned };
    },
    evaluate,
    stats: () => ({ ...counters, fingerprints: fingerprints.size }),
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

function subjectOf(compiled: CompiledRule, fingerprint: string, reading: RuleReading): TicketSubject {
  const { rule } = compiled;
  const { site } = reading.device;
  return {
    fingerprint,
    ruleId: rule.id,
    title: rule.title,
    titleZh: rule.titleZh,
    source: rule.source,
    metric: compiled.metric,
    site: site.id,
    siteKind: site.kind,
    device: reading.device.id,
    village: site.village ?? null,
    township: site.township,
    zone: site.zone,
  };
}
