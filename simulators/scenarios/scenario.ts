/**
 * What a scenario is: a disturbance of some sites over a window of simulated time, with the
 * ground truth a test (or a demo) compares tickets against.
 */
import type { Catalog } from '../../network/catalog.ts';
import type { TruthRecord } from '../../network/truth.ts';
import type { SiteEffect } from '../models/context.ts';
import type { SensorFault } from '../models/faults.ts';
import type { Random } from '../random.ts';
import type { SiteProfile } from '../site-profile.ts';

/** What a scenario played: its window, sites and devices (the truth `clearwater score` reads). */
export type GroundTruth = TruthRecord;

/** How a scenario disturbs one device (not the water): its sensor, its link, its clock. */
export interface DeviceDisturbance {
  /** A sensor fault on one of its metrics. */
  readonly fault?: SensorFault;
  /** Its link is down: it reports nothing; with `buffers`, it keeps its samples and uploads them as one batch when the link is back. */
  readonly linkDown?: { readonly buffers: boolean };
  /** Its clock is off by this much: ms added to its timestamps. */
  readonly skewMs?: number;
}

export interface Scenario {
  readonly groundTruth: GroundTruth;
  /** The scenario's effect on a site at a simulated instant, or undefined when it has none. */
  effectAt(siteId: string, tMs: number): SiteEffect | undefined;
  /** The scenario's disturbance of one device at a simulated instant; absent or undefined: none. */
  deviceAt?(deviceId: string, tMs: number): DeviceDisturbance | undefined;
}

export interface ScenarioContext {
  readonly catalog: Catalog;
  readonly profiles: ReadonlyMap<string, SiteProfile>;
  /** Simulated epoch ms the run starts; `startsAfter` counts from here. */
  readonly simStartMs: number;
  /** The scenario's own stream. */
  readonly rng: Random;
}

export interface ScenarioKind<Config> {
  readonly description: string;
  /** Throws when the config does not fit the catalog (unknown village…). */
  create(config: Config, context: ScenarioContext): Scenario;
}

/** Devices installed at any of `siteIds`, in catalog order. */
export function devicesAt(catalog: Catalog, siteIds: readonly string[]): string[] {
  const sites = new Set(siteIds);
  return [...catalog.devices.values()].filter((d) => sites.has(d.site.id)).map((d) => d.id);
}
