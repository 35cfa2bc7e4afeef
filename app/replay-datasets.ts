/**
 * The data sets `clearwater replay` knows by name, and a CSV's rows as recorded samples. The
 * column mappings and unit conversions are the evaluation's (rules/evaluate/gecco.ts,
 * canary.ts), reused as they are: this file lives in app/ because simulators/ may import only
 * network/ (DESIGN.md, "Layout"), and the app composes the two.
 *
 * The files are read from ../shared/data beside the repository, as the evaluation's tests do
 * (never copied into it; /work/shared/data/README.md cites their sources).
 */
import { fileURLToPath } from 'node:url';
import { parseCanaryCsv } from '../rules/evaluate/canary.ts';
import { parseGeccoCsv } from '../rules/evaluate/gecco.ts';
import type { RecordedSample } from '../simulators/replay/plan.ts';

/** The reference data folder: ../shared/data beside the repository. */
export const SHARED_DATA_DIR = fileURLToPath(new URL('../../shared/data/', import.meta.url));

export type DatasetFormat = 'gecco' | 'canary-station-b';

/** Named data sets: their file under the shared data folder and their format. */
export const namedDatasets = {
  'gecco-2018': { file: 'gecco-2018/gecco2018_train.csv', format: 'gecco' },
  'gecco-2017': { file: 'gecco-2017/gecco2017_train.csv', format: 'gecco' },
  'canary-station-b': { file: 'canary-station-b/Tutorial_Station_B.csv', format: 'canary-station-b' },
} as const satisfies Record<string, { file: string; format: DatasetFormat }>;
export type DatasetName = keyof typeof namedDatasets;

const isNamed = (dataset: string): dataset is DatasetName => Object.hasOwn(namedDatasets, dataset);

/** A `--dataset` value → the CSV to read: a named data set under `dataDir`, or the value as a path. Pure. */
export function datasetPath(dataset: string, dataDir: string = SHARED_DATA_DIR): string {
  return isNamed(dataset) ? `${dataDir.replace(/\/?$/, '/')}${namedDatasets[dataset].file}` : dataset;
}

/** The format a CSV's header line says; undefined when it is neither. Pure. */
export function formatOf(headerLine: string): DatasetFormat | undefined {
  const columns = new Set(headerLine.split(',').map((name) => name.trim().replace(/^"|"$/g, '')));
  if (columns.has('Time_UTC') && columns.has('Trueb')) return 'gecco';
  if (columns.has('TimeStep') && columns.has('B_CL2_VAL')) return 'canary-station-b';
  return undefined;
}

export interface DatasetRows {
  readonly format: DatasetFormat;
  /** Rows read as samples, in file order; a gap row has no values. */
  readonly samples: RecordedSample[];
  /** Data lines that are not a sample (no valid timestamp). */
  readonly badRows: number;
  /** Values refused: not a number, or outside the metric's physical range. */
  readonly refusedValues: number;
  /** The first few problems, with their line numbers. */
  readonly problems: readonly string[];
}

/** A CSV's text as recorded samples, by its header. Throws only when the header is neither format's. Pure. */
export function readDataset(text: string): DatasetRows {
  const newline = text.indexOf('\n');
  const format = formatOf(newline < 0 ? text : text.slice(0, newline));
  if (format === undefined) throw new Error('not a GECCO or CANARY station B CSV: no Time_UTC/Trueb or TimeStep/B_CL2_VAL column');
  const parsed = format === 'gecco' ? parseGeccoCsv(text) : parseCanaryCsv(text);
  // The parsers keep the first 20 problems only; every data line that did not become a sample is a bad row.
  const dataLines = text.split(/\r?\n/).slice(1).filter((line) => line.trim() !== '').length;
  return { format, samples: parsed.samples, badRows: dataLines - parsed.samples.length, refusedValues: parsed.refusedValues, problems: parsed.problems };
}
