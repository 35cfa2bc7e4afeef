/**
 * Replays recorded samples of one device through the real rules engine (createRulesEngine with
 * an in-memory SQLite ticket store), in event time, and scores the tickets it opened.
 */
import type { Site } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import { createRulesEngine, type RulesEngineStats, type WatchedDevice } from '../engine.ts';
import type { Rule } from '../kinds/index.ts';
import { lifecyclePolicySchema } from '../tickets/policy.ts';
import { openSqliteTicketStore } from '../tickets/sqlite.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { DEFAULT_GRACE_MS, eventRuns, isSensorHealthRule, matchTickets, score, type LabelledReading, type Score } from './score.ts';

export interface ReplaySample extends LabelledReading {
  /** Canonical values; empty = a gap (not a reading). */
  readonly values: ReadonlyMap<MetricName, number>;
}

/** The one plant-outlet site a GECCO station is replayed as. */
export const replaySite: Site = {
  id: 'gecco-outlet',
  name: 'GECCO plant outlet (Thüringer Fernwasserversorgung)',
  kind: 'plant',
  township: 'gecco',
  zone: 'gecco',
  location: { lat: 50.98, lon: 11.03 },
};
/** The analyser panel at that site: one sample a minute (or every `intervalMs`), every metric of the data set. */
export function replayDevice(metrics: Iterable<MetricName>, intervalMs = 60_000): WatchedDevice {
  return { id: 'gecco-outlet-panel', site: replaySite, intervalMs, metrics: new Set(metrics) };
}

export interface ReplayResult {
  readonly score: Score;
  /** Tickets that count (sensor-health tickets excluded), opening order. */
  readonly tickets: Ticket[];
  /** The scored tickets that matched no event. */
  readonly falseTickets: Ticket[];
  /** Tickets of sensor-health rules (stale, flatline, sensor-fault), listed apart. */
  readonly sensorHealth: Ticket[];
  readonly readings: number;
  readonly gaps: number;
  readonly stats: RulesEngineStats;
}

/**
 * Feeds the samples to a fresh engine in event time: the clock ticks at every row (gaps
 * included, so sensor-health rules see the silence), every non-gap row is a reading of
 * `device`. Then scores the tickets.
 */
export async function replay(rules: readonly Rule[], device: WatchedDevice, samples: readonly ReplaySample[]): Promise<ReplayResult> {
  // Scores alarms, not the dispatcher's view of them: every activation is its own ticket (no
  // reopen within a cool-down, hence no flapping merge), so a reopened ticket cannot hide an
  // event's detection nor fold several false alarms into one.
  const store = await openSqliteTicketStore({ path: ':memory:', policy: lifecyclePolicySchema.parse({ reopenWithin: 0 }) });
  try {
    const errors: unknown[] = [];
    const engine = createRulesEngine({ rules, store, devices: [device], onError: (error) => void errors.push(error) });
    await engine.start();
    const readings: LabelledReading[] = [];
    for (const sample of samples) {
      await engine.tick(sample.ts);
      if (sample.values.size === 0) continue;
      readings.push(sample);
      await engine.evaluate({ device, ts: sample.ts, values: sample.values });
    }
    await engine.stop();
    if (errors.length > 0) throw new Error(`${errors.length} ticket write(s) failed, first: ${String(errors[0])}`);
    const healthIds = new Set(rules.filter(isSensorHealthRule).map((rule) => rule.id));
    const all = (await store.list({ state: 'all' })).sort((a, b) => a.openedAt - b.openedAt || a.id - b.id);
    const tickets = all.filter((ticket) => !healthIds.has(ticket.ruleId));
    const first = samples[0]?.ts ?? 0;
    const last = samples.at(-1)?.ts ?? first;
    const { matched } = matchTickets(eventRuns(readings), tickets, DEFAULT_GRACE_MS);
    return {
      score: score({ readings, tickets, spanMs: last - first }),
      tickets,
      falseTickets: tickets.filter((_, i) => !matched[i]),
      sensorHealth: all.filter((ticket) => healthIds.has(ticket.ruleId)),
      readings: readings.length,
      gaps: samples.length - readings.length,
      stats: engine.stats(),
    };
  } finally {
    await store.close();
  }
}
