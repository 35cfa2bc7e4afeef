/**
 * Tank levels by a mass balance over each hydraulic step (pure): level += (in − out)·Δt / area,
 * held between the tank's minimum and maximum level. The snapshot solution (`model.ts`) gives
 * each step's outflow (the pump lifting from the tank) and what the feed can deliver; the tank's
 * geometry is the network's (`network-inp.ts`), so every run of the model sees the same tanks.
 *
 * Inflow: a tank is fed at most at its feed capacity, `maxDayFactor` × the day-mean flow its
 * pump lifts on a day without events (a plant's steady production into its clear well; a
 * booster's feed main into its break tank),
 * since the usual design sizes a plant and its feed mains for the maximum day's average rate and
 * leaves the hour-to-hour peaks to storage (GB 50013-2018, Standard for design of outdoor water
 * supply engineering: daily variation coefficient 1.1-1.5; the clause is not restated here). A
 * break tank's feed is also limited to what its valve passes in the snapshot, never negative:
 * the float valve discharges above the water (an air gap), so a tank never drains back into a
 * main that has lost its pressure. At the top the float valve closes to what the pump draws.
 */
import { networkParams, type CountyNetwork } from './network-inp.ts';

export const tankBalanceParams = {
  /** Feed capacity ÷ day-mean demand (modelling choice, inside GB 50013-2018's daily variation coefficient of 1.1-1.5). */
  maxDayFactor: 1.1,
} as const;

/** One tank of the network and the links that fill and empty it. */
export interface BalancedTank {
  readonly nodeId: string;
  readonly areaM2: number;
  readonly minLevelM: number;
  readonly maxLevelM: number;
  /** Feed capacity, L/s. */
  readonly feedLps: number;
  /** Link whose snapshot flow also limits the feed (a break tank's float valve); a clear well has none. */
  readonly inletLinkId?: string;
  /** Pump lifting water out of the tank. */
  readonly outletLinkId: string;
}

/** The tanks a pump lifts from, given each pump's day-mean flow (L/s) on a day without events. */
export function balancedTanks(network: CountyNetwork, meanPumpFlowLps: ReadonlyMap<string, number>): BalancedTank[] {
  const p = networkParams;
  return network.nodes
    .filter((n) => n.kind === 'tank')
    .flatMap((tank) => {
      const pump = network.links.find((l) => l.kind === 'pump' && l.from === tank.id);
      if (!pump) return [];
      const feedPipe = network.links.find((l) => l.to === tank.id);
      const valve = feedPipe && network.links.find((l) => l.kind === 'fcv' && l.to === feedPipe.from);
      return [{
        nodeId: tank.id,
        areaM2: (Math.PI * p.tankDiameterM ** 2) / 4,
        minLevelM: p.tankMinLevelM,
        maxLevelM: p.tankMaxLevelM,
        feedLps: tankBalanceParams.maxDayFactor * (meanPumpFlowLps.get(pump.id) ?? 0),
        ...(valve && { inletLinkId: valve.id }),
        outletLinkId: pump.id,
      }];
    });
}

/** One step's flows at a tank, L/s. */
export interface TankFlows {
  /** What the feed could deliver now (a break tank's valve flow in the snapshot); Infinity when only the feed capacity limits it. */
  readonly availableLps: number;
  readonly outflowLps: number;
}

/** The level after `dtS` seconds of `flows`, and the inflow the float valve let in, L/s. */
export function nextLevel(tank: BalancedTank, levelM: number, flows: TankFlows, dtS: number): { levelM: number; inflowLps: number } {
  const open = Math.min(tank.feedLps, Math.max(0, flows.availableLps));
  const full = levelM >= tank.maxLevelM;
  const inflowLps = full ? Math.min(open, flows.outflowLps) : open;
  const rawM = levelM + ((inflowLps - flows.outflowLps) / 1000) * dtS / tank.areaM2;
  return { levelM: Math.min(tank.maxLevelM, Math.max(tank.minLevelM, rawM)), inflowLps };
}
