/**
 * The metric registry: every quantity Clearwater accepts, its canonical unit, the units it
 * converts from, and the physical range outside which a reading cannot be true.
 *
 * Canonical names and units are part of the wire contract: a device sends a reading as a number
 * in the canonical unit or as `{value, unit}` in a unit listed here (message.ts). Ranges are
 * physical plausibility bounds (what a working instrument can report), not water-quality limits;
 * the limits live in the rule packs.
 */
import { z } from 'zod';

/** Converts a value in some unit to the metric's canonical unit. */
export type ToCanonical = (value: number) => number;

export interface MetricSpec {
  /** Canonical unit, as stored in InfluxDB. */
  readonly unit: string;
  /** Accepted units (case-sensitive aliases) and how each converts to the canonical unit. */
  readonly units: Readonly<Record<string, ToCanonical>>;
  /** Smallest physically possible value, canonical unit. */
  readonly min: number;
  /** Largest physically possible value, canonical unit. */
  readonly max: number;
  readonly description: string;
}

const same: ToCanonical = (v) => v;
const times =
  (factor: number): ToCanonical =>
  (v) =>
    v * factor;

/**
 * 1 m of water head = 9.80665 kPa: the conventional metre of water, ρ = 1000 kg/m³ times the
 * standard acceleration of gravity g_n = 9.80665 m/s² (declared by the 3rd CGPM, 1901).
 */
export const KPA_PER_METRE_HEAD = 9.80665;

/** FNU (ISO 7027) and NTU (EPA 180.1) agree closely enough for monitoring purposes. */
const turbidityUnits = { NTU: same, FNU: same };

export const metrics = {
  turbidity: {
    unit: 'NTU',
    units: turbidityUnits,
    // Online nephelometric turbidimeters have ranges up to 0-4000 NTU (typical instrument range;
    // not confirmed against a standard or a datasheet).
    min: 0,
    max: 4000,
    description: 'Turbidity, 90° nephelometric',
  },
  filter_turbidity: {
    unit: 'NTU',
    units: turbidityUnits,
    // Filter-effluent turbidimeters are low-range instruments (typically 0-100 NTU); the bound
    // is the turbidity one, so an instrument of either range passes.
    min: 0,
    max: 4000,
    description: "Turbidity of one filter's effluent, before the clear well (individual filter effluent)",
  },
  pressure: {
    unit: 'kPa',
    units: {
      kPa: same,
      Pa: times(0.001),
      MPa: times(1000),
      bar: times(100),
      psi: times(6.894757293168),
      m: times(KPA_PER_METRE_HEAD),
      mH2O: times(KPA_PER_METRE_HEAD),
    },
    // Gauge pressure: negative transients down to about -70 kPa (-10 psi) were measured after
    // pump failures in power outages (AwwaRF project "Field-Testing of Surge Modeling Predictions
    // to Verify Occurrence of Distribution System Intrusion"); -101.325 kPa is absolute vacuum.
    // 2.5 MPa is above any distribution main's rating (PN25).
    min: -101.325,
    max: 2500,
    description: 'Gauge pressure',
  },
  free_chlorine: {
    unit: 'mg/L',
    units: { 'mg/L': same, ppm: same, 'ug/L': times(0.001), 'µg/L': times(0.001) },
    // Amperometric analysers span 0-20 mg/L.
    min: 0,
    max: 20,
    description: 'Free residual chlorine',
  },
  total_chlorine: {
    unit: 'mg/L',
    units: { 'mg/L': same, ppm: same, 'ug/L': times(0.001), 'µg/L': times(0.001) },
    min: 0,
    max: 20,
    description: 'Total residual chlorine',
  },
  chlorine_dose: {
    unit: 'mg/L',
    units: { 'mg/L': same, ppm: same },
    // A dose is chlorine applied per litre treated; breakpoint and shock dosing stay well under 20 mg/L.
    min: 0,
    max: 20,
    description: 'Chlorine dose applied at the plant, per volume treated',
  },
  ph: {
    unit: 'pH',
    units: { pH: same, '': same },
    min: 0,
    max: 14,
    description: 'pH',
  },
  temperature: {
    unit: '°C',
    units: { '°C': same, C: same, degC: same, '°F': (f) => ((f - 32) * 5) / 9, F: (f) => ((f - 32) * 5) / 9, K: (k) => k - 273.15 },
    // Water in a pressurised main: liquid, not boiling.
    min: -5,
    max: 100,
    description: 'Water temperature',
  },
  conductivity: {
    unit: 'µS/cm',
    units: { 'µS/cm': same, 'uS/cm': same, 'mS/cm': times(1000), 'mS/m': times(10) },
    min: 0,
    max: 200_000,
    description: 'Electrical conductivity',
  },
  orp: {
    unit: 'mV',
    units: { mV: same, V: times(1000) },
    min: -2000,
    max: 2000,
    description: 'Oxidation-reduction potential',
  },
  color: {
    unit: 'Pt-Co',
    // Hazen units and the platinum-cobalt scale are the same scale (APHA 2120).
    units: { 'Pt-Co': same, PCU: same, Hazen: same, HU: same },
    min: 0,
    max: 1000,
    description: 'Apparent colour',
  },
  iron: {
    unit: 'mg/L',
    units: { 'mg/L': same, ppm: same, 'ug/L': times(0.001), 'µg/L': times(0.001) },
    min: 0,
    max: 100,
    description: 'Total iron',
  },
  manganese: {
    unit: 'mg/L',
    units: { 'mg/L': same, ppm: same, 'ug/L': times(0.001), 'µg/L': times(0.001) },
    min: 0,
    max: 100,
    description: 'Total manganese',
  },
  toc: {
    unit: 'mg/L',
    units: { 'mg/L': same, ppm: same },
    min: 0,
    max: 1000,
    description: 'Total organic carbon',
  },
  flow: {
    unit: 'm³/h',
    units: { 'm³/h': same, 'm3/h': same, 'L/s': times(3.6), 'm³/s': times(3600), 'm3/s': times(3600), 'm³/d': times(1 / 24), 'm3/d': times(1 / 24) },
    // Negative flow is reverse flow, which a bidirectional meter reports.
    min: -100_000,
    max: 100_000,
    description: 'Volumetric flow',
  },
  level: {
    unit: 'm',
    units: { m: same, cm: times(0.01), mm: times(0.001) },
    min: -10,
    max: 200,
    description: 'Water level (tank, reservoir, well)',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof metrics;

export const metricNames = Object.keys(metrics) as [MetricName, ...MetricName[]];

/** A canonical metric name in a config file, a catalog or a rule pack. */
export const metricNameSchema = z.enum(metricNames);

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(metrics, name);
}

export type Conversion =
  | { ok: true; value: number }
  | { ok: false; reason: 'unknown_unit' | 'non_finite' | 'out_of_range'; detail: string };

/**
 * Converts `value` in `unit` (undefined = canonical) to the canonical unit and checks the
 * physical range. Pure.
 */
export function toCanonical(metric: MetricName, value: number, unit?: string): Conversion {
  const spec: MetricSpec = metrics[metric];
  if (!Number.isFinite(value)) return { ok: false, reason: 'non_finite', detail: `${metric} is ${value}` };
  let canonical = value;
  if (unit !== undefined && unit !== spec.unit) {
    const convert = Object.hasOwn(spec.units, unit) ? spec.units[unit] : undefined;
    if (!convert) {
      const known = Object.keys(spec.units).filter(Boolean).join(', ');
      return { ok: false, reason: 'unknown_unit', detail: `${metric} has no unit "${unit}" (known: ${known})` };
    }
    canonical = convert(value);
  }
  if (canonical < spec.min || canonical > spec.max) {
    return {
      ok: false,
      reason: 'out_of_range',
      detail: `${metric} ${canonical} ${spec.unit} is outside the physical range ${spec.min}..${spec.max}`,
    };
  }
  return { ok: true, value: canonical };
}
