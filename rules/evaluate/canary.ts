/**
 * US EPA CANARY tutorial data, station B (USEPA/CANARY @ f5509ba5:
 * java/canaryeds-0.0/examples/Tutorial_Station_B.csv, Apache-2.0; units from v4config.yml there):
 * a real utility's monitoring station, one row every 20 minutes, no event labels. Read as one
 * station panel's readings. Pure: text in, samples out.
 *
 * | column | metric | unit in the file (v4config.yml) |
 * |---|---|---|
 * | B_CL2_VAL | free_chlorine | mg/L (CANARY "CL2": the residual chlorine analyser) |
 * | B_TURB_VAL | turbidity | NTU |
 * | B_PH_VAL | ph | pH |
 * | B_COND_VAL | conductivity | µS/cm |
 * | B_TEMP_VAL | temperature | °F (operational data in CANARY's config) |
 * | B_PRES_OP | pressure | psi (operational) |
 * | B_TOC_VAL | — | total organic carbon has no metric in the registry |
 * | B_PLNT_* | — | the plant's own signals, not the station's water |
 *
 * TimeStep is "MM/DD/YYYY HH:MM:SS" with no zone; read as UTC (only spacing matters here). A row
 * with every value empty is a gap.
 */
import { toCanonical, type MetricName } from '../../network/metrics.ts';
import type { ReplaySample } from './replay.ts';

const COLUMNS: readonly (readonly [column: string, metric: MetricName, unit: string | undefined])[] = [
  ['B_CL2_VAL', 'free_chlorine', undefined],
  ['B_TURB_VAL', 'turbidity', undefined],
  ['B_PH_VAL', 'ph', undefined],
  ['B_COND_VAL', 'conductivity', undefined],
  ['B_TEMP_VAL', 'temperature', '°F'],
  ['B_PRES_OP', 'pressure', 'psi'],
];

/** Metrics the station panel declares. */
export const canaryMetrics: readonly MetricName[] = COLUMNS.map(([, metric]) => metric);

const STAMP = /^(\d\d)\/(\d\d)\/(\d{4}) (\d\d):(\d\d):(\d\d)$/;

/** "02/21/2006 00:20:00" → epoch ms (as UTC); NaN when it is not one. Pure. */
export function canaryTime(text: string): number {
  const match = STAMP.exec(text.trim());
  if (match === null) return Number.NaN;
  const [, month, day, year, hour, minute, second] = match.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

export interface CanaryParse {
  readonly samples: ReplaySample[];
  readonly problems: string[];
  readonly refusedValues: number;
}

/** Parses the station CSV; throws when a needed column is missing. Every sample is labelled normal (the data has no labels). */
export function parseCanaryCsv(text: string): CanaryParse {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((name) => name.trim());
  const missing = ['TimeStep', ...COLUMNS.map(([column]) => column)].filter((name) => !header.includes(name));
  if (missing.length > 0) throw new Error(`not CANARY station B data: missing column(s) ${missing.join(', ')}`);
  const timeColumn = header.indexOf('TimeStep');
  const columns = COLUMNS.map(([column, metric, unit]) => [header.indexOf(column), metric, unit] as const);
  const samples: ReplaySample[] = [];
  const problems: string[] = [];
  let refusedValues = 0;
  for (let row = 1; row < lines.length; row++) {
    const line = lines[row] ?? '';
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const ts = canaryTime(cells[timeColumn] ?? '');
    if (!Number.isFinite(ts)) {
      if (problems.length < 20) problems.push(`line ${row + 1}: no valid TimeStep`);
      continue;
    }
    const values = new Map<MetricName, number>();
    for (const [column, metric, unit] of columns) {
      const text = cells[column]?.trim() ?? '';
      if (text === '') continue;
      const canonical = toCanonical(metric, Number(text), unit);
      if (canonical.ok) values.set(metric, canonical.value);
      else refusedValues++;
    }
    samples.push({ ts, event: false, values });
  }
  return { samples, problems, refusedValues };
}
