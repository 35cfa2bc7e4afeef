/**
 * The scenario library (simulators/scenarios/library/), each file rehearsed through the whole
 * pipeline on real servers (the simulated network over MQTT, the embedded broker, ingest, InfluxDB,
 * rules, tickets) on one simulated clock, and its tickets scored against its ground truth
 * (app/rehearse.ts, rules/evaluate/truth-score.ts). The floors are what each scenario must keep.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../app/config.ts';
import { createLogger } from '../app/log.ts';
import { rehearse, type Rehearsal } from '../app/rehearse.ts';

const LIBRARY = fileURLToPath(new URL('../simulators/scenarios/library/', import.meta.url));
const MIN = 60_000;

async function play(file: string, database: string): Promise<Rehearsal> {
  const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-rehearsal-'));
  try {
    const parsed = parseConfig({ dataDir, broker: { port: 0 }, http: { port: 0 }, influx: { url: inject('influxUrl'), api: 'v1', database, flushIntervalMs: 100 }, log: { level: process.env.TEST_LOG ?? 'silent', pretty: false } });
    if (!parsed.ok) throw new Error(parsed.problems);
    const simulation = parseYaml(await readFile(join(LIBRARY, file), 'utf8')) as Record<string, unknown>;
    const r = await rehearse(parsed.config, simulation, { graceMs: 30 * MIN, log: createLogger(parsed.config.log.level, false) });
    if (process.env.REHEARSAL_REPORT) console.log(`${file}: ${summary(r)}`);
    return r;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

const summary = (r: Rehearsal) => JSON.stringify({ kinds: r.score.kinds, falseByRule: r.score.falseByRule, tickets: r.tickets.map((t) => `${t.ruleId}@${t.device} +${Math.round((t.openedAt - r.fromMs) / MIN)}m v${t.firstValue}`) });

describe('rehearsals of the scenario library', { timeout: 120_000 }, () => {
  it('yellow water at Tongmen: detected within 15 minutes, no false ticket', async () => {
    const r = await play('yellow-water-tongmen.yaml', 'rehearsal_yellow');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'yellow-water', incidents: 1, detected: 1 });
    expect(kind!.maxDelayMin, summary(r)).toBeLessThanOrEqual(15);
    expect(r.score.falseTickets, summary(r)).toBe(0);
  });

  it('a chlorine dosing failure at the north plant: detected within 30 minutes, no false ticket', async () => {
    const r = await play('dosing-failure-north.yaml', 'rehearsal_dosing');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'dosing-failure', incidents: 1, detected: 1 });
    expect(kind!.maxDelayMin, summary(r)).toBeLessThanOrEqual(30);
    expect(r.score.falseTickets, summary(r)).toBe(0);
  });

  it('three sensor faults: a maintenance ticket for each, no process alarm', async () => {
    const r = await play('sensor-faults.yaml', 'rehearsal_faults');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'sensor-fault', incidents: 3, detected: 3 });
    // The flatline rule waits 3 h of a stuck value by design (sensor-health pack); the others are quick.
    expect(r.score.incidents.filter((i) => !i.name.startsWith('flatline')).every((i) => i.delayMin! <= 60), summary(r)).toBe(true);
    expect(r.score.falseTickets, summary(r)).toBe(0);
  });

  it('a device offline for an hour: its silence ticket at once, nothing else', async () => {
    const r = await play('device-offline-hour.yaml', 'rehearsal_offline');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'device-offline', incidents: 1, detected: 1 });
    expect(kind!.maxDelayMin, summary(r)).toBeLessThanOrEqual(5);
    expect(r.score.falseTickets, summary(r)).toBe(0);
    // The backlog it uploaded when back resolved the ticket.
    expect(r.tickets.filter((t) => t.ruleId === 'device-silent').map((t) => t.state), summary(r)).toEqual(['resolved']);
  });

  it('twelve quiet hours: no ticket', async () => {
    const r = await play('quiet-half-day.yaml', 'rehearsal_quiet');
    expect(r.score.tickets, summary(r)).toBe(0);
  });

  it('a township losing its link for 30 minutes: one grouped ticket, no device tickets, no alarm flood', async () => {
    const r = await play('link-loss-tongmen.yaml', 'rehearsal_link_loss');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'link-loss', incidents: 1, detected: 1 });
    expect(kind!.maxDelayMin, summary(r)).toBeLessThanOrEqual(5);
    expect(r.tickets.filter((t) => t.ruleId === 'devices-silent-together'), summary(r)).toHaveLength(1);
    expect(r.score.falseTickets, summary(r)).toBe(0);
    expect(r.score.worst10Minutes, summary(r)).toBeLessThanOrEqual(10);
  });

  it('a main burst at night, on the EPANET model: detected within 15 minutes', async () => {
    const r = await play('burst-night.yaml', 'rehearsal_burst_night');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'burst', incidents: 1, detected: 1 });
    expect(kind!.maxDelayMin, summary(r)).toBeLessThanOrEqual(15);
    expect(r.score.falseTickets, summary(r)).toBe(0);
  });

  it('a main burst at the morning peak, on the EPANET model', async () => {
    const r = await play('burst-morning-peak.yaml', 'rehearsal_burst_peak');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'burst', incidents: 1, detected: 1 });
    expect(r.score.falseTickets, summary(r)).toBe(0);
  });

  it('a booster pump trip, on the EPANET model', async () => {
    const r = await play('pump-trip-houwu.yaml', 'rehearsal_pump_trip');
    const [kind] = r.score.kinds;
    expect(kind, summary(r)).toMatchObject({ kind: 'pump-trip', incidents: 1, detected: 1 });
    expect(r.score.falseTickets, summary(r)).toBe(0);
  });
});
