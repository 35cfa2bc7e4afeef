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

/** What a library file must keep: its kind detected for every incident, within `withinMin`, with no false ticket. */
interface Floor {
  readonly file: string;
  readonly title: string;
  /** The incident kind and how many; absent for a stretch where nothing may happen. */
  readonly kind?: { readonly kind: string; readonly incidents: number };
  /** Every detecting ticket within this many minutes of its incident's start. */
  readonly withinMin?: number;
  /** Further checks of the run. */
  readonly also?: (r: Rehearsal) => void;
}

const floors: readonly Floor[] = [
  { file: 'yellow-water-tongmen.yaml', title: 'yellow water at Tongmen: detected within 15 minutes, no false ticket', kind: { kind: 'yellow-water', incidents: 1 }, withinMin: 15 },
  { file: 'dosing-failure-north.yaml', title: 'a chlorine dosing failure at the north plant: detected within 30 minutes, no false ticket', kind: { kind: 'dosing-failure', incidents: 1 }, withinMin: 30 },
  {
    file: 'sensor-faults.yaml',
    title: 'three sensor faults: a maintenance ticket for each, no process alarm',
    kind: { kind: 'sensor-fault', incidents: 3 },
    // The flatline rule waits 3 h of a stuck value by design (sensor-health pack); the others are quick.
    also: (r) => expect(r.score.incidents.filter((i) => !i.name.startsWith('flatline')).every((i) => i.delayMin! <= 60), summary(r)).toBe(true),
  },
  {
    file: 'device-offline-hour.yaml',
    title: 'a device offline for an hour: its silence ticket at once, resolved by its backlog, nothing else',
    kind: { kind: 'device-offline', incidents: 1 },
    withinMin: 5,
    also: (r) => expect(r.tickets.filter((t) => t.ruleId === 'device-silent').map((t) => t.state), summary(r)).toEqual(['resolved']),
  },
  { file: 'quiet-half-day.yaml', title: 'twelve quiet hours: no ticket', also: (r) => expect(r.score.tickets, summary(r)).toBe(0) },
  {
    file: 'link-loss-tongmen.yaml',
    title: 'a township losing its link for 30 minutes: one grouped ticket, no device tickets, no alarm flood',
    kind: { kind: 'link-loss', incidents: 1 },
    withinMin: 5,
    also: (r) => {
      expect(r.tickets.filter((t) => t.ruleId === 'devices-silent-together'), summary(r)).toHaveLength(1);
      expect(r.score.worst10Minutes, summary(r)).toBeLessThanOrEqual(10);
    },
  },
  { file: 'burst-night.yaml', title: 'a main burst at night, on the EPANET model: detected within 15 minutes', kind: { kind: 'burst', incidents: 1 }, withinMin: 15 },
  {
    file: 'burst-morning-peak.yaml',
    title: 'a main burst at the morning peak, on the EPANET model, and the yellow water its flow stirs up',
    kind: { kind: 'burst', incidents: 1 },
    also: (r) => expect(r.score.kinds.find((k) => k.kind === 'yellow-water'), summary(r)).toMatchObject({ incidents: 2, detected: 2 }),
  },
  { file: 'pump-trip-houwu.yaml', title: 'a booster pump trip, on the EPANET model', kind: { kind: 'pump-trip', incidents: 1 } },
];

describe('rehearsals of the scenario library', { timeout: 120_000 }, () => {
  it.each(floors)('$title', async ({ file, kind, withinMin, also }) => {
    const r = await play(file, `rehearsal_${file.replace(/\.yaml$/, '').replaceAll('-', '_')}`);
    if (kind !== undefined) {
      const [scored] = r.score.kinds;
      expect(scored, summary(r)).toMatchObject({ ...kind, detected: kind.incidents });
      if (withinMin !== undefined) expect(scored!.maxDelayMin, summary(r)).toBeLessThanOrEqual(withinMin);
    }
    expect(r.score.falseTickets, summary(r)).toBe(0);
    also?.(r);
  });
});
