/**
 * Test fixtures for engine timelines: the sample county, the shipped packs, a ticket store in a
 * temp dir, and readings stamped at "minutes after T0". Used by the engine tests only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog, type Catalog } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { parseDuration } from './duration.ts';
import { expect } from 'vitest';
import type { RuleReading, TicketChange } from './engine.ts';
import type { Rule } from './kinds/index.ts';
import { loadRulePack } from './pack.ts';
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

export async function tempStore(): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'clearwater-engine-'));
  const path = join(dir, 'tickets.db');
  const store = await openSqliteTicketStore({ path });
  return {
    store,
    path,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A reading of a catalog device at `at` ("3m", "90s") after T0. */
export function readingAt(catalog: Catalog, deviceId: string, at: string, values: Partial<Record<MetricName, number>>): RuleReading {
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
  readonly changes: readonly string[];
  readonly open: readonly string[];
}

/** Asserts one timeline step (Alertmanager style): its ticket changes, then the open tickets. */
export async function expectStep(label: string, changes: readonly TicketChange[], store: TicketStore, step: StepExpectation): Promise<void> {
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
