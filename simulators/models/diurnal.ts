/**
 * Time of day and season in the network's local time, and the demand curve that drives flow and
 * pressure. Asia/Shanghai is UTC+8 all year (no daylight saving since 1991), so a fixed offset
 * is exact and needs no time-zone database.
 *
 * Demand has a morning peak about 07:00, an evening peak about 19:00, a smaller midday shoulder
 * and its minimum in the small hours; pressure mirrors it, lowest at the peaks and highest at
 * 02:00-04:00 (the usual diurnal pattern; a modelling choice, not a figure of a standard).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Asia/Shanghai: UTC+8, no DST. */
export const SHANGHAI_UTC_OFFSET_MS = 8 * HOUR_MS;

/** Local hour of day in [0, 24). */
export function localHour(tMs: number, utcOffsetMs = SHANGHAI_UTC_OFFSET_MS): number {
  const local = (tMs + utcOffsetMs) % DAY_MS;
  return (local < 0 ? local + DAY_MS : local) / HOUR_MS;
}

/** Local day of the year, 0 = 1 January, fractional. */
export function dayOfYear(tMs: number, utcOffsetMs = SHANGHAI_UTC_OFFSET_MS): number {
  const local = new Date(tMs + utcOffsetMs);
  return (local.getTime() - Date.UTC(local.getUTCFullYear(), 0, 1)) / DAY_MS;
}

/** Peaks of household demand: centre (local hour), width (h, one standard deviation), height. */
const demandPeaks = [
  { hour: 7, widthH: 1.2, height: 1 },
  { hour: 12, widthH: 1.5, height: 0.5 },
  { hour: 19, widthH: 1.7, height: 0.95 },
] as const;

function rawDemand(hour: number): number {
  let sum = 0;
  for (const peak of demandPeaks) {
    const d = Math.abs(hour - peak.hour);
    const circular = Math.min(d, 24 - d);
    sum += peak.height * Math.exp(-(circular ** 2) / (2 * peak.widthH ** 2));
  }
  return sum;
}

const rawSamples = Array.from({ length: 24 * 60 }, (_, minute) => rawDemand(minute / 60));
const rawMin = Math.min(...rawSamples);
const rawMax = Math.max(...rawSamples);

/** Demand over the day normalised to [0, 1]: 0 at the night minimum, 1 at the morning peak. */
export function demandShape(hour: number): number {
  return (rawDemand(hour) - rawMin) / (rawMax - rawMin);
}

/** Minimum night flow as a fraction of peak flow (typical of rural networks; a modelling choice). */
export const NIGHT_FLOW_FRACTION = 0.25;

/** Flow as a fraction of peak flow, in [NIGHT_FLOW_FRACTION, 1]. */
export function flowFraction(hour: number): number {
  return NIGHT_FLOW_FRACTION + (1 - NIGHT_FLOW_FRACTION) * demandShape(hour);
}
