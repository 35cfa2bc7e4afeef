/**
 * A rehearsal's tickets scored against its ground truth (network/truth.ts), all pure.
 *
 * - A ticket belongs to an incident when it opened in the incident's window (its start to
 *   `graceMs` after its end) at one of its sites or devices. A group ticket is filed at its first
 *   member's site and device, so a township's link loss owns it through its members; a township
 *   alone owns nothing, or a false ticket elsewhere in the township would pass as the incident's.
 * - An incident is detected when one of its tickets comes from a rule that detects its kind
 *   (`expectations`); the delay runs from the incident's start to the first such ticket.
 * - A ticket of a rule the kind tolerates is a consequence (a yellow-water event's pressure
 *   transient), neither a detection nor false. Every other ticket is false, counted by rule: a
 *   `quiet` scenario expects nothing, so all its tickets are false.
 * - Alarm load: the most tickets opened in any 10 minutes, against ISA-18.2's 10 (ANSI/ISA-18.2-2016
 *   clause 16).
 */
import type { TruthRecord } from '../../network/truth.ts';
import type { Ticket } from '../tickets/ticket.ts';

export type ScoredTicket = Pick<Ticket, 'id' | 'ruleId' | 'site' | 'device' | 'openedAt'>;

/** Which rules detect an incident kind, and which it may cause without being wrong. */
export interface Expectation {
  readonly detect: readonly string[];
  readonly tolerate: readonly string[];
}

const pressureRules = ['main-pressure-drop', 'booster-pressure-drop', 'tap-pressure-drop', 'main-pressure-low', 'tap-pressure-low', 'main-pressure-high'];
const turbidityRules = ['tap-yellow-water', 'tap-turbidity', 'small-supply-turbidity'];
const sensorRules = ['turbidity-flatline', 'free-chlorine-flatline', 'ph-flatline', 'turbidity-bubble-spikes', 'turbidity-saturated'];

/** The shipped packs' rules per incident kind of the simulators. A kind not listed: any rule detects it. */
export const defaultExpectations: Readonly<Record<string, Expectation>> = {
  'yellow-water': { detect: turbidityRules, tolerate: [...pressureRules, 'tap-free-chlorine-low'] },
  burst: { detect: ['main-pressure-drop', 'booster-pressure-drop', 'tap-pressure-drop'], tolerate: ['main-pressure-low', 'tap-pressure-low', ...turbidityRules] },
  'pump-trip': { detect: ['booster-pressure-drop', 'main-pressure-low', 'tap-pressure-low'], tolerate: pressureRules },
  'valve-operation': { detect: pressureRules, tolerate: turbidityRules },
  'dosing-failure': { detect: ['plant-outlet-free-chlorine-low', 'plant-outlet-quality-anomaly', 'tap-free-chlorine-low'], tolerate: ['plant-outlet-ph'] },
  'sensor-fault': { detect: sensorRules, tolerate: [] },
  'device-offline': { detect: ['device-silent'], tolerate: [] },
  'link-loss': { detect: ['devices-silent-together'], tolerate: [] },
  quiet: { detect: [], tolerate: [] },
};

export interface KindScore {
  readonly kind: string;
  readonly incidents: number;
  readonly detected: number;
  /** detected / incidents; null for a kind that expects nothing (quiet). */
  readonly recall: number | null;
  /** Minutes from start to first detecting ticket, median and worst; null when none detected. */
  readonly medianDelayMin: number | null;
  readonly maxDelayMin: number | null;
}

export interface IncidentScore {
  readonly name: string;
  readonly kind: string;
  readonly detected: boolean;
  readonly delayMin: number | null;
  /** The first detecting ticket's id. */
  readonly ticketId: number | null;
}

export interface TruthScore {
  readonly incidents: readonly IncidentScore[];
  readonly kinds: readonly KindScore[];
  readonly tickets: number;
  readonly consequences: number;
  readonly falseByRule: Readonly<Record<string, number>>;
  readonly falseTickets: number;
  /** The most tickets opened in any 10-minute window. */
  readonly worst10Minutes: number;
}

export interface TruthScoreOptions {
  /** How long after an incident's end a ticket still belongs to it, ms (a stale rule waits 3 intervals). */
  readonly graceMs: number;
  readonly expectations: Readonly<Record<string, Expectation>>;
}

export const defaultTruthScoreOptions: TruthScoreOptions = { graceMs: 30 * 60_000, expectations: defaultExpectations };

const MINUTE = 60_000;

function inWindow(ticket: ScoredTicket, record: TruthRecord, graceMs: number): boolean {
  if (ticket.openedAt < record.startMs || ticket.openedAt > record.endMs + graceMs) return false;
  return record.affectedSites.includes(ticket.site) || record.affectedDevices.includes(ticket.device);
}

const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The most of `times` (epoch ms) inside any window of `windowMs`. */
export function mostInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

export function scoreTruth(records: readonly TruthRecord[], tickets: readonly ScoredTicket[], options: TruthScoreOptions = defaultTruthScoreOptions): TruthScore {
  const expectationOf = (kind: string): Expectation | undefined => options.expectations[kind];
  const detects = (kind: string, ruleId: string) => {
    const e = expectationOf(kind);
    return e === undefined || e.detect.includes(ruleId);
  };
  const tolerates = (kind: string, ruleId: string) => expectationOf(kind)?.tolerate.includes(ruleId) ?? false;

  const incidents: IncidentScore[] = records.map((record) => {
    const first = tickets.filter((t) => inWindow(t, record, options.graceMs) && detects(record.kind, t.ruleId)).sort((a, b) => a.openedAt - b.openedAt)[0];
    return {
      name: record.name,
      kind: record.kind,
      detected: first !== undefined,
      delayMin: first === undefined ? null : (first.openedAt - record.startMs) / MINUTE,
      ticketId: first?.id ?? null,
    };
  });

  let consequences = 0;
  const falseByRule: Record<string, number> = {};
  for (const ticket of tickets) {
    const owners = records.filter((r) => inWindow(ticket, r, options.graceMs));
    if (owners.some((r) => detects(r.kind, ticket.ruleId))) continue;
    if (owners.some((r) => tolerates(r.kind, ticket.ruleId))) consequences++;
    else falseByRule[ticket.ruleId] = (falseByRule[ticket.ruleId] ?? 0) + 1;
  }

  const kinds = [...new Set(records.map((r) => r.kind))].map((kind): KindScore => {
    const of = incidents.filter((i) => i.kind === kind);
    const expectsNothing = expectationOf(kind)?.detect.length === 0;
    const delays = of.flatMap((i) => (i.delayMin === null ? [] : [i.delayMin]));
    const detected = expectsNothing ? 0 : delays.length;
    return {
      kind,
      incidents: of.length,
      detected,
      recall: expectsNothing ? null : detected / of.length,
      medianDelayMin: median(delays),
      maxDelayMin: delays.length === 0 ? null : Math.max(...delays),
    };
  });

  const falseTickets = Object.values(falseByRule).reduce((a, b) => a + b, 0);
  return { incidents, kinds, tickets: tickets.length, consequences, falseByRule, falseTickets, worst10Minutes: mostInWindow(tickets.map((t) => t.openedAt), 10 * MINUTE) };
}
