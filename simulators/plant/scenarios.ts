/**
 * Incidents inside a treatment plant, played by the plant simulator (simulators/plant/model.ts):
 * - `filter-breakthrough`: one filter's effluent turbidity climbs as its bed exhausts, until an
 *   operator backwashes it (the server's `Backwash` method, or `backwashAfter`);
 * - `chlorine-pump-failure`: the chlorine dosing pump stops; the clear-well residual decays;
 * - `storm`: rain raises the raw-water turbidity for hours; coagulant dosing follows it.
 * Times count from the simulation start (simulated ms). Each kind is a zod schema (its docs) and
 * a pure effect function of time.
 */
import { z } from 'zod';
import { durationField } from '../../network/duration.ts';
import { scenarioArg } from '../scenarios/arg.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export const filterBreakthroughSchema = z.strictObject({
  kind: z.literal('filter-breakthrough'),
  filter: z.number().int().min(1).max(4).default(2).describe('Which of the four filters breaks through'),
  startsAfter: durationField().default(30 * MINUTE_MS).describe('Simulated time (ms or "30m") after the start when the effluent turbidity starts to climb'),
  rampMs: durationField((ms) => ms.positive()).default(20 * MINUTE_MS).describe('How long the climb to the peak takes, simulated ms'),
  peakNtu: z.number().min(0.5).max(50).default(8).describe('Effluent turbidity of the filter at the peak, NTU'),
  backwashAfter: durationField((ms) => ms.positive()).optional().describe('The operator backwashes the filter this long after the start of the breakthrough; absent: only the Backwash method ends it'),
});

export const chlorinePumpFailureSchema = z.strictObject({
  kind: z.literal('chlorine-pump-failure'),
  startsAfter: durationField().default(30 * MINUTE_MS).describe('Simulated time after the start when the chlorine dosing pump trips'),
  durationMs: durationField((ms) => ms.positive()).default(3 * HOUR_MS).describe('How long the pump stays off before it is restarted, simulated ms'),
});

export const stormSchema = z.strictObject({
  kind: z.literal('storm'),
  startsAfter: durationField().default(HOUR_MS).describe('Simulated time after the start when the raw-water turbidity starts to rise'),
  riseMs: durationField((ms) => ms.positive()).default(2 * HOUR_MS).describe('Time to the peak, simulated ms'),
  peakRawNtu: z.number().min(10).max(4000).default(180).describe('Raw-water turbidity at the peak, NTU'),
  halfLifeMs: durationField((ms) => ms.positive()).default(6 * HOUR_MS).describe('Half-life of the decay after the peak, simulated ms'),
});

export const plantScenarioSchema = z
  .discriminatedUnion('kind', [filterBreakthroughSchema, chlorinePumpFailureSchema, stormSchema])
  .describe('An incident the plant plays; `kind` selects its shape');
export type PlantScenario = z.infer<typeof plantScenarioSchema>;
export type PlantScenarioInput = z.input<typeof plantScenarioSchema>;

/** What the scenarios do to the plant at one instant. */
export interface PlantEffect {
  /** Extra raw-water turbidity, NTU. */
  readonly rawNtu: number;
  /** Filters (1-4) in breakthrough, and how far along the climb (0-1) each is. */
  readonly breakthrough: ReadonlyMap<number, number>;
  readonly chlorinePumpRunning: boolean;
}

/** Scenario names for logs: `filter-breakthrough@filter-2`. */
export function scenarioName(scenario: PlantScenario): string {
  return scenario.kind === 'filter-breakthrough' ? `${scenario.kind}@filter-${scenario.filter}` : scenario.kind;
}

/** When each breakthrough has been backwashed away (by the method), simulated ms, by scenario index. */
export type Backwashes = ReadonlyMap<number, number>;

/**
 * The combined effect at `tMs` of every scenario, for a run that started at `startMs`. A
 * breakthrough ends at the first backwash of its filter after it started. Pure.
 */
export function plantEffect(scenarios: readonly PlantScenario[], startMs: number, tMs: number, backwashedAt: (filter: number) => number | undefined): PlantEffect {
  let rawNtu = 0;
  let chlorinePumpRunning = true;
  const breakthrough = new Map<number, number>();
  for (const scenario of scenarios) {
    const since = tMs - startMs - scenario.startsAfter;
    if (since < 0) continue;
    if (scenario.kind === 'storm') {
      rawNtu += since < scenario.riseMs ? scenario.peakRawNtu * (since / scenario.riseMs) : scenario.peakRawNtu * 0.5 ** ((since - scenario.riseMs) / scenario.halfLifeMs);
    } else if (scenario.kind === 'chlorine-pump-failure') {
      if (since < scenario.durationMs) chlorinePumpRunning = false;
    } else {
      const startedAt = startMs + scenario.startsAfter;
      const washed = backwashedAt(scenario.filter);
      const byOperator = scenario.backwashAfter !== undefined && since >= scenario.backwashAfter;
      if ((washed !== undefined && washed >= startedAt && washed <= tMs) || byOperator) continue;
      breakthrough.set(scenario.filter, Math.max(breakthrough.get(scenario.filter) ?? 0, Math.min(1, since / scenario.rampMs)));
    }
  }
  return { rawNtu, breakthrough, chlorinePumpRunning };
}

/** The peak turbidity a filter in breakthrough reaches (the largest of its scenarios). Pure. */
export function breakthroughPeakNtu(scenarios: readonly PlantScenario[], filter: number): number {
  let peak = 0;
  for (const s of scenarios) if (s.kind === 'filter-breakthrough' && s.filter === filter) peak = Math.max(peak, s.peakNtu);
  return peak;
}

/**
 * The command-line form of a plant scenario, for `clearwater plant --scenario …`, as the MQTT
 * simulator's (simulators/scenarios/arg.ts): `filter-breakthrough:filter=3,startsAfter=10m,peakNtu=6`.
 */
export const plantScenarioArgSchema = scenarioArg(plantScenarioSchema);
