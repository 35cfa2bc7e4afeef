/**
 * The instruments a county installs, by what they are: model, catalog suffix, reporting interval
 * and metrics. The sample county (tools/generate-sample-catalog.ts) and the synthetic counties of
 * the benchmarks and tests (generate.ts) install from this one table, so a pressure logger is the
 * same device in all of them.
 */
import type { CatalogDocument } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';

export interface Instrument {
  /** Device id = `<site id>-<suffix>`. */
  readonly suffix: string;
  readonly model: string;
  readonly intervalS: number;
  readonly metrics: readonly MetricName[];
  /** A data logger's upload period, s (catalog `uploadEveryS`): it sends its samples together this often. */
  readonly uploadEveryS?: number;
}

/** A catalog device entry before its password hash is known. */
export type DeviceSpec = Omit<CatalogDocument['devices'][number], 'passwordHash'>;

/** Outlet panel: every indicator of plant-outlet-anomaly.yaml in one sample. */
export const PLANT_PANEL: readonly MetricName[] = ['turbidity', 'free_chlorine', 'ph', 'orp', 'conductivity', 'total_chlorine'];
export const TAP_QUALITY: readonly MetricName[] = ['turbidity', 'free_chlorine', 'ph', 'temperature'];

const at = (suffix: string, model: string, intervalS: number, metrics: readonly MetricName[]): Instrument => ({ suffix, model, intervalS, metrics });

export const instruments = {
  sonde: at('mp', 'multiparameter sonde', 60, ['turbidity', 'ph', 'temperature', 'conductivity']),
  plantTurbidimeter: at('turb', 'online turbidimeter', 60, ['turbidity']),
  plantChlorine: at('cl', 'amperometric chlorine analyser', 60, ['free_chlorine', 'total_chlorine']),
  plantPh: at('ph', 'pH/ORP analyser', 60, ['ph', 'orp', 'temperature']),
  outletPanel: at('panel', 'outlet analyser panel', 60, PLANT_PANEL),
  flowMeter: at('fm', 'electromagnetic flow meter', 60, ['flow', 'pressure']),
  // A turbidimeter on each filter's effluent (US EPA asks for one per filter, recorded every
  // 15 minutes: 40 CFR 141.560); the suffix is filter<n>.
  filterTurbidimeter: at('filter', 'filter-effluent turbidimeter', 60, ['filter_turbidity']),
  doseController: at('dose', 'chlorinator dose controller', 60, ['chlorine_dose']),
  reservoirLevel: at('lvl', 'radar level gauge', 300, ['level']),
  reservoirChlorine: at('cl', 'amperometric chlorine analyser', 60, ['free_chlorine']),
  mainLogger: at('pt', 'pressure/flow logger', 60, ['pressure', 'flow']),
  mainQuality: at('wq', 'pipe water-quality probe', 60, ['turbidity', 'free_chlorine']),
  boosterTank: at('tank', 'booster tank level gauge', 300, ['level']),
  suctionPressure: at('suction', 'pressure transmitter', 60, ['pressure']),
  dischargePressure: at('discharge', 'pressure/flow transmitter', 60, ['pressure', 'flow']),
  tapStation: at('wq', 'village water-quality station', 60, TAP_QUALITY),
  tapPressure: at('pt', 'network-end pressure logger', 60, ['pressure']),
  benchStation: at('wq', 'benchmark device', 1, TAP_QUALITY),
} as const satisfies Record<string, Instrument>;

/** The device entry of `instrument` at `site`; `changes` for a numbered suffix, another interval or more metrics, or an upload period. Pure. */
export function install(site: string, instrument: Instrument, changes: Partial<Instrument> = {}): DeviceSpec {
  const { suffix, model, intervalS, metrics, uploadEveryS } = { ...instrument, ...changes };
  return { id: `${site}-${suffix}`, site, model, intervalS, metrics: [...metrics], ...(uploadEveryS !== undefined && { uploadEveryS }) };
}
