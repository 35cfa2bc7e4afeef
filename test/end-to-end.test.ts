/**
 * The whole pipeline, end to end, on real servers: the simulated county network (70 devices,
 * one MQTT client each, over TCP) → the embedded broker → ingest → InfluxDB 1.6.7 → rules →
 * tickets in the HTTP API. Simulated time runs 900× faster than real time (event time
 * throughout), with a yellow-water incident at Tongmen.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ticketsFromApi } from '../app/commands/score.ts';
import { scoreTruth } from '../rules/evaluate/truth-score.ts';
import type { Ticket } from '../rules/tickets/ticket.ts';
import { createNetworkSimulator, type NetworkSimulator } from '../simulators/network-simulator.ts';
import { eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

let pipeline: TestPipeline;
let simulator: NetworkSimulator;

beforeAll(async () => {
  pipeline = await startTestPipeline(inject('influxUrl'), 'end_to_end');
  simulator = createNetworkSimulator(
    {
      brokerUrl: pipeline.mqttUrl,
      seed: 7,
      speed: 900,
      backfillMs: 3 * 3_600_000,
      scenarios: [{ kind: 'yellow-water', village: 'tongmen', startsAfter: 30 * 60_000, peakNtu: 6, durationMs: 3 * 3_600_000, halfLifeMs: 20 * 60_000 }],
    },
    { catalog: pipeline.catalog },
  );
  await simulator.start();
}, 60_000);

afterAll(async () => {
  await simulator?.stop();
  await pipeline?.close();
});

/** The incident's ticket: turbidity, or the more specific yellow-water diagnosis that supersedes it. */
const turbid = (t: Ticket) => t.ruleId === 'tap-turbidity' || t.ruleId === 'tap-yellow-water';

async function tickets(state: 'open' | 'all'): Promise<Ticket[]> {
  const response = await fetch(`${pipeline.http}/api/tickets?state=${state}`);
  return ((await response.json()) as { tickets: Ticket[] }).tickets;
}

describe('a yellow-water incident at Tongmen, from sensors to a ticket', () => {
  it('opens a Tongmen tap turbidity ticket while the water is turbid', async () => {
    const open = await eventually(async () => {
      const found = (await tickets('open')).filter((t) => turbid(t) && t.village === 'tongmen');
      return found.length > 0 ? found : undefined;
    }, 40_000, 'an open Tongmen turbidity ticket');
    const truth = simulator.groundTruth()[0]!;
    for (const ticket of open) {
      expect(truth.affectedSites).toContain(ticket.site);
      expect(ticket.state).toBe('open');
      expect(ticket.peakValue).toBeGreaterThan(1);
      // Event time: the ticket opened after the incident began, in simulated time.
      expect(ticket.openedAt).toBeGreaterThanOrEqual(truth.startMs);
      expect(ticket.openedAt).toBeLessThan(truth.startMs + 30 * 60_000);
    }
  });

  it('resolves the ticket when the water clears, and raised nothing outside the incident', async () => {
    const all = await eventually(async () => {
      const list = await tickets('all');
      const tongmen = list.filter((t) => turbid(t) && t.village === 'tongmen');
      return tongmen.length > 0 && tongmen.every((t) => t.state === 'resolved') ? list : undefined;
    }, 60_000, 'the Tongmen tickets to resolve');
    // The incident starts with a valve operation: a pressure step at Tongmen, which the burst
    // rules may flag too. Nothing may fire anywhere else, and no device may look silent.
    const truth = simulator.groundTruth()[0]!;
    for (const ticket of all) {
      expect(truth.affectedSites, `${ticket.ruleId} at ${ticket.site}`).toContain(ticket.site);
      expect(['tap-turbidity', 'tap-yellow-water', 'tap-pressure-drop', 'main-pressure-drop']).toContain(ticket.ruleId);
    }
    for (const ticket of all.filter(turbid)) expect(ticket.resolvedAt).toBeGreaterThan(ticket.openedAt);
    expect((await tickets('open')).filter(turbid)).toEqual([]);
  });

  it('scores the run against its ground truth as `clearwater score --api` does: detected, no false ticket', async () => {
    const truth = simulator.groundTruth();
    const score = scoreTruth(truth, await ticketsFromApi(pipeline.http, truth[0]!.startMs, undefined));
    expect(score.kinds).toEqual([expect.objectContaining({ kind: 'yellow-water', incidents: 1, detected: 1, recall: 1 })]);
    expect(score.kinds[0]!.medianDelayMin).toBeLessThan(30);
    expect(score.falseTickets).toBe(0);
    expect(score.tickets).toBeGreaterThan(0);
  });

  it('stores the readings in InfluxDB with the catalog tags, every accepted one', async () => {
    const series = await pipeline.query("SELECT last(turbidity) FROM telemetry WHERE village = 'tongmen' AND site_kind = 'tap' GROUP BY *");
    expect(series.length).toBeGreaterThan(0);
    const result = await fetch(
      `${pipeline.config.influx.url}/query?${new URLSearchParams({ db: pipeline.database, q: "SELECT count(turbidity) FROM telemetry WHERE village = 'tongmen' GROUP BY site, device, site_kind, township, zone, village" })}`,
    );
    const body = (await result.json()) as { results: { series: { tags: Record<string, string> }[] }[] };
    const tags = body.results[0]!.series.map((s) => s.tags);
    expect(tags).toContainEqual({ site: 'tongmen-end-tap', device: 'tongmen-end-tap-wq', site_kind: 'tap', township: 'tongmen', zone: 'north', village: 'tongmen' });

    await simulator.stop();
    const accepted = pipeline.ingest.stats.readingsAccepted;
    expect(simulator.stats().total.acknowledged).toBeGreaterThan(1000);
    expect(pipeline.ingest.stats.readingsRejected).toEqual({});
    const stored = await eventually(async () => {
      const [row] = await pipeline.query('SELECT count(*) FROM telemetry');
      const total = (row ?? []).slice(1).reduce((sum: number, n) => sum + Number(n ?? 0), 0);
      return total === accepted ? total : undefined;
    }, 15_000, `${accepted} readings in InfluxDB`);
    expect(stored).toBe(accepted);
  });

  it('writes each ticket change as a point for Grafana annotations', async () => {
    const rows = await pipeline.query("SELECT ticket_id, value FROM ticket WHERE rule = 'tap-turbidity' OR rule = 'tap-yellow-water'");
    const states = (await pipeline.query('SHOW TAG VALUES FROM ticket WITH KEY = "state"')).map((r) => r[1]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(states).toEqual(expect.arrayContaining(['open', 'resolved']));
  });
});
