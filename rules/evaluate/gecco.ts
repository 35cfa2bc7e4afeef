/**
 * GECCO Industrial Challenge CSVs (2017, 2018 training sets: Zenodo records 3884465 and 3884398;
 * rules/evaluate/README.md) as readings of one plant-outlet analyser panel. Pure: text in,
 * samples out.
 *
 * The data: Thüringer Fernwasserversorgung, 1-minute samples; columns Time (naive local time,
 * unused), Tp, Cl, pH, Redox, Leit, Trueb, Cl_2, Fm, Fm_2, EVENT, Time_UTC. `NA` is a missing
 * value; a row with every sensor missing is a gap, not a reading. Values are read as numbers
 * and checked against the metric's physical range as ingest would; their formatting (digits,
 * rounding) means nothing to anything downstream.
 *
 * Column → metric, canonical units (network/metrics.ts):
 * | column | metric | note |
 * |---|---|---|
 * | Tp | temperature (°C) | operational data, not an event indicator |
 * | Cl | free_chlorine (mg/L) | |
 * | pH | ph | |
 * | Redox | orp (mV) | |
 * | Leit | conductivity (µS/cm) | |
 * | Trueb | turbidity (NTU) | |
 * | Cl_2 | total_chlorine (mg/L) | stand-in channel for the plant's second chlorine analyser: it reads below Cl, so it is no true total chlorine and no rule may compare it with free chlorine |
 * | Fm | flow (m³/h) | operational data |
 * | Fm_2 | — | a second flow; the registry has one `flow` per device, and flows are not indicators |
 */
import { toCanonical, type MetricName } from '../../network/metrics.ts';

export const geccoColumns: Readonly<Record<string, MetricName | undefined>> = {
  Tp: 'temperature',
  Cl: 'free_chlorine',
  pH: 'ph',
  Redox: 'orp',
  Leit: 'conductivity',
  Trueb: 'turbidity',
  Cl_2: 'total_chlorine',
  Fm: 'flow',
  Fm_2: undefined,
};

/** Sensor columns: all of them missing makes a row a gap. */
const SENSOR_COLUMNS = Object.keys(geccoColumns);

/** Metrics the plant-outlet panel declares. */
export const geccoMetrics: readonly MetricName[] = Object.values(geccoColumns).filter((metric) => metric !== undefined);

export interface GeccoSample {
  /** Time_UTC, epoch ms. */
  readonly ts: number;
  readonly event: boolean;
  /** Canonical values; empty for a gap row. */
  readonly values: ReadonlyMap<MetricName, number>;
}

export interface GeccoParse {
  readonly samples: GeccoSample[];
  /** Rows left out, with a reason; values refused (non-numeric, out of range) are counted. */
  readonly problems: string[];
  readonly refusedValues: number;
}

const REQUIRED = ['Time_UTC', 'EVENT'];
const MAX_PROBLEMS = 20;

function headerIndex(header: readonly string[]): Map<string, number> | string {
  const index = new Map(header.map((name, i) => [name.trim().replace(/^"|"$/g, ''), i]));
  const missing = [...REQUIRED, ...SENSOR_COLUMNS].filter((name) => !index.has(name));
  return missing.length > 0 ? `not a GECCO CSV: missing column(s) ${missing.join(', ')}` : index;
}

/** A cell as a number; undefined for NA, empty or anything not a finite number. */
function cellNumber(cell: string | undefined): number | undefined {
  const text = cell?.trim() ?? '';
  if (text === '' || text === 'NA') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Parses a GECCO CSV. Throws only when the header is not GECCO's. */
export function parseGeccoCsv(text: string): GeccoParse {
  const lines = text.split(/\r?\n/);
  const index = headerIndex((lines[0] ?? '').split(','));
  if (typeof index === 'string') throw new Error(index);
  const col = (name: string) => index.get(name) ?? -1;
  const tsColumn = col('Time_UTC');
  const eventColumn = col('EVENT');
  const sensors = SENSOR_COLUMNS.map((name) => [col(name), geccoColumns[name]] as const);
  const samples: GeccoSample[] = [];
  const problems: string[] = [];
  let refusedValues = 0;
  const problem = (message: string) => void (problems.length < MAX_PROBLEMS && problems.push(message));

  for (let row = 1; row < lines.length; row++) {
    const line = lines[row] ?? '';
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const ts = Date.parse((cells[tsColumn] ?? '').replace(/"/g, ''));
    if (!Number.isFinite(ts)) {
      problem(`line ${row + 1}: no valid Time_UTC`);
      continue;
    }
    const values = new Map<MetricName, number>();
    for (const [column, metric] of sensors) {
      const value = cellNumber(cells[column]);
      if (value === undefined || metric === undefined) continue;
      const canonical = toCanonical(metric, value);
      if (canonical.ok) values.set(metric, canonical.value);
      else refusedValues++;
    }
    samples.push({ ts, event: /^"?true"?$/i.test(cells[eventColumn]?.trim() ?? ''), values });
  }
  return { samples, problems, refusedValues };
}
