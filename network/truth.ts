/**
 * The ground truth of a rehearsal: every incident and sensor fault a simulator played, with its
 * window and the sites and devices it touched. The simulators write it (one JSON object a line,
 * NDJSON); `clearwater score --truth` reads it back and scores a run's tickets against it. One
 * shape for both sides, checked by zod when read.
 */
import { z } from 'zod';

export const truthRecordSchema = z
  .strictObject({
    kind: z.string().min(1).describe('What happened: a scenario kind (yellow-water, burst, dosing-failure, sensor-fault, link-loss, …)'),
    name: z.string().min(1).describe('A label for logs and reports, e.g. yellow-water@tongmen'),
    village: z.string().min(1).optional().describe('The village it happened in, when one'),
    township: z.string().min(1).optional().describe('The township it happened in, when one'),
    startMs: z.number().int().describe('Simulated epoch ms the incident starts'),
    endMs: z.number().int().describe('Simulated epoch ms by which every value is back to normal'),
    affectedSites: z.array(z.string().min(1)).describe('Sites whose readings it changes'),
    affectedDevices: z.array(z.string().min(1)).describe('Devices at those sites (or the devices a fault hits)'),
    details: z.record(z.string(), z.unknown()).default({}).describe('Kind-specific facts (peaks per site, transient size…)'),
  })
  .refine((r) => r.endMs >= r.startMs, { message: 'endMs is before startMs', path: ['endMs'] });

/** One incident or fault, as written and as read (the schema's output, read-only). */
export interface TruthRecord {
  readonly kind: string;
  readonly name: string;
  readonly village?: string | undefined;
  readonly township?: string | undefined;
  readonly startMs: number;
  readonly endMs: number;
  readonly affectedSites: readonly string[];
  readonly affectedDevices: readonly string[];
  readonly details: Readonly<Record<string, unknown>>;
}

// The schema's output is a TruthRecord: a field added on one side and not the other fails here.
const _sameShape: (r: z.output<typeof truthRecordSchema>) => TruthRecord = (r) => r;
void _sameShape;

/** A truth line that did not parse, with its line number (1-based) and why. */
export interface TruthProblem {
  readonly line: number;
  readonly message: string;
}

/** One record a line. */
export function truthLines(records: readonly TruthRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Reads NDJSON truth: every good line, and every bad one with its reason (blank lines skipped). Pure. */
export function parseTruth(text: string): { records: TruthRecord[]; problems: TruthProblem[] } {
  const records: TruthRecord[] = [];
  const problems: TruthProblem[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      problems.push({ line: index + 1, message: `not JSON: ${(error as Error).message}` });
      return;
    }
    const parsed = truthRecordSchema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else problems.push({ line: index + 1, message: z.prettifyError(parsed.error).replaceAll('\n', '; ') });
  });
  return { records, problems };
}
