/**
 * The `hydraulics` section of `clearwater simulate`: when present, pressure, flow and level
 * devices read the EPANET solution and free-chlorine devices the water quality run; `events` are
 * the bursts, valve operations, pump trips and dosing failures played on it. `stateAt` turns the events into the `HydraulicState` in force at an instant (pure).
 */
import { z } from 'zod';
import { durationField } from '../../network/duration.ts';
import type { QualityState } from './quality-model.ts';

const timing = {
  startsAfter: durationField().describe('Simulated time (ms or "2h") after the simulation start when the event begins'),
  durationMs: durationField((ms) => ms.positive())
    .optional()
    .describe('How long the event lasts (ms or "1h"); absent = until the end of the run'),
};

export const hydraulicEventSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('burst'),
    node: z.string().min(1).describe('Model node that bursts: a site id (main or tap)'),
    coefficient: z
      .number()
      .positive()
      .default(3)
      .describe('Emitter coefficient, L/s per m^0.5 of pressure (EPANET 2.2 manual §3.1, Emitters): 3 leaks about 17 L/s at 30 m'),
    ...timing,
  }),
  z.strictObject({
    kind: z.literal('valve'),
    link: z.string().min(1).describe('Model link operated: `pipe-<site>`, the pipe feeding a site, or `tie-<main>`, the normally closed tie from a main to its nearest other main'),
    closed: z.boolean().default(true).describe('Close the link fully (true), or open it (false: a tie opens; with minorLossK, a throttle)'),
    minorLossK: z.number().min(0).optional().describe('Throttle as an added minor-loss coefficient K on the link (dimensionless)'),
    ...timing,
  }),
  z.strictObject({
    kind: z.literal('pump-trip'),
    pump: z.string().min(1).describe('Model pump that trips: `pump-<booster>` or `pump-<plant>`'),
    ...timing,
  }),
  z.strictObject({
    kind: z.literal('dosing-failure'),
    plant: z.string().min(1).describe('Plant site whose chlorine dosing fails: its outlet residual drops, and the water quality model carries the drop downstream'),
    residualFactor: z.number().min(0).max(1).default(0.15).describe('Free chlorine leaving the plant while dosing is off, as a share of normal'),
    ...timing,
  }),
]);
export type HydraulicEvent = z.infer<typeof hydraulicEventSchema>;

export const hydraulicsConfigSchema = z.strictObject({
  stepMs: durationField((ms) => ms.min(60_000).max(15 * 60_000))
    .default(5 * 60_000)
    .describe('Hydraulic time step (ms or "5m", 1-15 min): the network is solved once per step and devices read that solution'),
  events: z.array(hydraulicEventSchema).default([]).describe('Bursts, valve operations, pump trips and dosing failures played on the network'),
});
export type HydraulicsConfig = z.infer<typeof hydraulicsConfigSchema>;

const active = (event: HydraulicEvent, simStartMs: number, tMs: number) => {
  const from = simStartMs + event.startsAfter;
  return tMs >= from && (event.durationMs === undefined || tMs < from + event.durationMs);
};

/** The operations in force at `tMs` of a run started at `simStartMs`. */
export function stateAt(events: readonly HydraulicEvent[], simStartMs: number, tMs: number): QualityState {
  const now = events.filter((e) => active(e, simStartMs, tMs));
  return {
    bursts: now.flatMap((e) => (e.kind === 'burst' ? [{ nodeId: e.node, coefficient: e.coefficient }] : [])),
    valves: now.flatMap((e) =>
      e.kind === 'valve' ? [{ linkId: e.link, closed: e.closed, ...(e.minorLossK !== undefined && { minorLossK: e.minorLossK }) }] : [],
    ),
    trippedPumps: now.flatMap((e) => (e.kind === 'pump-trip' ? [e.pump] : [])),
    dosingFailures: now.flatMap((e) => (e.kind === 'dosing-failure' ? [{ plantId: e.plant, residualFactor: e.residualFactor }] : [])),
  };
}
