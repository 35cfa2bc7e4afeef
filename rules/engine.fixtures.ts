/**
 * Test fixtures for engine timelines: the sample county, the shipped packs, a ticket store in a
 * temp dir, readings stamped at "minutes after T0", and `timeline()`, the harness every
 * `engine.*.timeline.test.ts` plays its steps on. Used by the engine tests only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { parseDuration } from '../network/duration.ts';
import { expect } from 'vitest';
import { createRulesEngine, type RuleReading, type RulesEngine, type RulesEngineOptions, type EngineChange } from './engine.ts';
import type { Rule } from './kinds/index.ts';
import { loadRulePack } from './pack.ts';
import type { LifecyclePolicy } from './tickets/policy.ts';
import { openSqliteTicketStore } from './tickets/sqlite.ts';
import type { TicketStore } from './tickets/store.ts';
import type { Ticket } from './tickets/ticket.ts';

/** 2026-11-28 10:00 Beijing time. */
export const T0 = Date.UTC(2026, 10, 28, 2, 0);

export const sampleCatalog = (): Promise<Catalog> => loadCatalog(fileURLToPath(new URL('../network/sample/county.yaml', import.meta.url)));

export async function tapWaterRules(): Promise<Rule[]> {
  return packRules('tap-water');
}

/** The rules of one shipped pack, by name (`rules/packs/<name>.yaml`). */
export async function packRules(name: string): Promise<Rule[]> {
  return (await loadRulePack(fileURLToPath(new URL(`./packs/${name}.yaml`, import.meta.url)))).rules;
}

/** The time `at` ("3m", "90s") after T0, epoch ms. */
export function timeAt(at: string): number {
  const offset = parseDuration(at);
  if (offset === undefined) throw new Error(`bad offset ${at}`);
  return T0 + offset;
}

export interface TempStore {
  readonly store: TicketStore;
  readonly path: string;
  dispose(): Promise<void>;
}

/** A SQLite ticket store in a fresh temp dir; `policy` defaults to the store's own. */
export async function tempStore(options: { readonly policy?: LifecyclePolicy } = {}): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'clearwater-engine-'));
  const path = join(dir, 'tickets.db');
  const store = await openSqliteTicketStore({ path, policy: options.policy });
  return {
    store,
    path,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The values of one reading, canonical units. */
export type Values = Partial<Record<MetricName, number>>;

/** A reading of a catalog device at `at` ("3m", "90s") after T0. */
export function readingAt(catalog: Catalog, deviceId: string, at: string, values: Values): RuleReading {
  const device = catalog.device(deviceId);
  if (!device) throw new Error(`no device ${deviceId} in the sample catalog`);
  return { device, ts: timeAt(at), values: new Map(Object.entries(values) as [MetricName, number][]) };
}

/** A ticket as one line of a timeline: "tap-turbidity/tongmen-tap open warning last=3 peak=3 n=1". */
export function spellTicket(ticket: Ticket): string {
  return `${ticket.fingerprint} ${ticket.state} ${ticket.severity} last=${ticket.lastValue} peak=${ticket.peakValue} n=${ticket.count}`;
}

/** What one timeline step expects: the changes it caused and the open tickets after it. */
export interface StepExpectation {
  /** The ticket changes the step caused, as "change severity" ("opened warning"), in order. */
  readonly changes: readonly string[];
  /** Every open ticket after the step, spelled by `spellTicket`. */
  readonly open: readonly string[];
}

/** Asserts one timeline step (Alertmanager style): its ticket changes, then the open tickets. */
export async function expectStep(label: string, changes: readonly EngineChange[], store: TicketStore, step: StepExpectation): Promise<void> {
  expect(changes.map((c) => `${c.change} ${c.ticket.severity}`), label).toEqual(step.changes);
  expect((await store.list({ state: 'open' })).map(spellTicket), label).toEqual(step.open);
}

/** Wraps a store to count the calls that write. */
export function countingStore(inner: TicketStore): TicketStore & { writes: number } {
  // A prototype-backed wrapper: every other method (list, get, sweep, silences …) is the inner store's.
  const counted: TicketStore & { writes: number } = Object.assign(Object.create(inner) as TicketStore, {
    writes: 0,
    openOrUpdate: (input: Parameters<TicketStore['openOrUpdate']>[0]) => (counted.writes++, inner.openOrUpdate(input)),
    resolve: (input: Parameters<TicketStore['resolve']>[0]) => (counted.writes++, inner.resolve(input)),
  });
  return counted;
}

/** A reading of catalog device `device` arriving at the step's `at`, event time `stamped` (default `at`). */
export interface ReadingStep {
  readonly device: string;
  readonly push: Values;
  /** A late sample's own time, when it arrives after `at`'s tick (a logger's backlog). */
  readonly stamped?: string;
}

/** The engine clock advanced to `at` (`engine.tick`), for watch kinds. */
export interface TickStep {
  readonly tick: true;
}

/** The broker's presence for `device` at `at` (`engine.deviceStatus`). */
export interface StatusStep {
  readonly device: string;
  readonly status: 'online' | 'offline';
}

/** One step of a timeline at `at` after T0: what happens, then what it must cause. */
export type TimelineStep = { readonly at: string } & (ReadingStep | TickStep | StatusStep) & StepExpectation;

/**
 * A timeline harness (Alertmanager style): the sample county, a temp ticket store, and the engines
 * started on it, each collecting its ticket changes into `changes`. Create one per test
 * (`beforeEach`) and `dispose()` it after (`afterEach`).
 */
export class Timeline {
  /** Ticket changes of every engine started here, since the start or the current step of `play`. */
  changes: EngineChange[] = [];
  private readonly engines: RulesEngine[] = [];

  constructor(
    readonly catalog: Catalog,
    private readonly temp: TempStore,
  ) {}

  get store(): TicketStore {
    return this.temp.store;
  }

  /** The engine started last. */
  get engine(): RulesEngine {
    const engine = this.engines.at(-1);
    if (!engine) throw new Error('no engine started: call start(rules) first');
    return engine;
  }

  /** Creates and starts an engine on the store (a restart when one ran before: stop it first). */
  start(rules: readonly Rule[], options: Pick<RulesEngineOptions, 'devices' | 'restore' | 'places'> = {}): ReturnType<RulesEngine['start']> {
    const engine = createRulesEngine({ ...options, rules, store: this.store, onChange: (change) => void this.changes.push(change) });
    this.engines.push(engine);
    return engine.start();
  }

  /** Evaluates a reading of a catalog device at `at` after T0 with the engine started last. */
  evaluate(device: string, at: string, values: Values): Promise<void> {
    return this.engine.evaluate(readingAt(this.catalog, device, at, values));
  }

  /** Plays the steps in order, asserting after each its ticket changes and the open tickets. */
  async play(steps: readonly TimelineStep[]): Promise<void> {
    for (const step of steps) {
      this.changes = [];
      const label = await this.run(step);
      await expectStep(label, this.changes, this.store, step);
    }
  }

  /** Stops every engine started here, then removes the store. */
  async dispose(): Promise<void> {
    for (const engine of this.engines.splice(0)) await engine.stop();
    await this.temp.dispose();
  }

  /** Runs one step; returns its label for the assertion messages. */
  private async run(step: TimelineStep): Promise<string> {
    if ('tick' in step) {
      await this.engine.tick(timeAt(step.at));
      return `t=${step.at} tick`;
    }
    if ('status' in step) {
      await this.engine.deviceStatus(step.device, step.status, timeAt(step.at));
      return `t=${step.at} ${step.device} ${step.status}`;
    }
    await this.evaluate(step.device, step.stamped ?? step.at, step.push);
    return `t=${step.at} ${step.device} ${JSON.stringify(step.push)}${step.stamped ? ` stamped ${step.stamped}` : ''}`;
  }
}

/** A timeline on the sample county and a fresh temp store (`policy`: the store's lifecycle policy). */
export async function timeline(options: { readonly policy?: LifecyclePolicy } = {}): Promise<Timeline> {
  return new Timeline(await sampleCatalog(), await tempStore(options));
}
