/**
 * Golden rule-pack cases (`rules/cases/<name>/`): the shape of `config.yaml`, `input.ndjson` and
 * `expected.json`, their parsers (every problem of a file reported at once, with line numbers),
 * and the projection of tickets and ticket changes that `expected.json` holds. Used by
 * `rules/cases.test.ts` only; running a case through the engine lives there.
 *
 * Times in case files are offsets after the test's T0 (`"3m"`, `"1h30m"`, as in pack durations);
 * the projection writes them back the same way, so expected.json reads like the input.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { Catalog, Device } from '../../network/catalog.ts';
import { metricNameSchema, metrics, type MetricName } from '../../network/metrics.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import { durationSchema, formatDuration } from '../../network/duration.ts';
import { ruleSchema } from '../kinds/index.ts';
import { severities } from '../severity.ts';
import { ticketStates, type Ticket } from '../tickets/ticket.ts';

const id = z.string().regex(ID_PATTERN, 'ids are lower-case letters, digits and dashes, at most 64');
const metricSchema = metricNameSchema;

export const caseConfigSchema = z
  .strictObject({
    description: z.string().min(1).describe('What the case shows and why the expected tickets are right'),
    packs: z.array(id).default([]).describe('Shipped packs to load, by name (rules/packs/<name>.yaml); only those the case needs'),
    rules: z.array(ruleSchema).default([]).describe('Inline rules, loaded after the packs; ids unique across both'),
    catalog: z.string().min(1).default('network/sample/county.yaml').describe('Catalog file, relative to the repository root'),
    watch: z
      .union([z.literal('all'), z.array(id).min(1)])
      .default('all')
      .describe('Catalog devices handed to the engine for watch kinds (stale): "all" (as the app does) or these device ids'),
    tickEvery: durationSchema
      .optional()
      .describe('Drive engine.tick every this often, from 0 to the last line (arrival time); a tick due at a line\'s time runs before it. Absent = only `tick` lines'),
    updates: z
      .boolean()
      .default(false)
      .describe('List "updated" changes too; default false: opened, escalated and resolved only (the ticket count shows the readings)'),
  })
  .refine((config) => config.packs.length + config.rules.length > 0, { message: 'give at least one pack or inline rule' })
  .describe('config.yaml of a golden case');
export type CaseConfig = z.infer<typeof caseConfigSchema>;

/** Parses config.yaml; `name` is used in messages. Throws with every problem listed. */
export function parseCaseConfig(text: string, name: string): CaseConfig {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) throw new Error(`${name} is not valid YAML:\n${document.errors.map((e) => e.message).join('\n')}`);
  const parsed = caseConfigSchema.safeParse(document.toJS());
  if (!parsed.success) throw new Error(`${name} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const offset = durationSchema.describe('Arrival time after T0: "90s", "3m", "1h30m"');

const readingLineSchema = z.strictObject({
  at: offset,
  device: id.describe('Catalog device id'),
  values: z
    .partialRecord(metricSchema, z.number().finite())
    .refine((values) => Object.keys(values).length > 0, 'a reading carries at least one metric')
    .describe('Canonical values by metric (network/metrics.ts)'),
  stamped: offset.optional().describe('Event time when it differs from arrival: a late, batched or redelivered reading; default `at`'),
});
const tickLineSchema = z.strictObject({ at: offset, tick: z.literal(true).describe('engine.tick(T0 + at)') });
const statusLineSchema = z.strictObject({
  at: offset,
  device: id.describe('Catalog device id'),
  status: z.enum(['online', 'offline']).describe('Broker presence (status message or last will): engine.deviceStatus'),
});

/** One step of a case, times in ms after T0. */
export type CaseStep =
  | { readonly type: 'reading'; readonly line: number; readonly at: number; readonly device: Device; readonly stamped: number; readonly values: ReadonlyMap<MetricName, number> }
  | { readonly type: 'tick'; readonly line: number | undefined; readonly at: number }
  | { readonly type: 'status'; readonly line: number; readonly at: number; readonly device: string; readonly status: 'online' | 'offline' };

/** Picks the line's schema by its keys, so a bad line gets that shape's messages rather than a union's. */
function schemaOf(raw: unknown) {
  if (typeof raw === 'object' && raw !== null && 'tick' in raw) return tickLineSchema;
  if (typeof raw === 'object' && raw !== null && 'status' in raw) return statusLineSchema;
  return readingLineSchema;
}

/** Checks a reading against the catalog as ingest would (ingest/decode.ts: unknown_device, undeclared_metric, range). */
function readingProblems(line: z.infer<typeof readingLineSchema>, catalog: Catalog): string[] {
  const device = catalog.device(line.device);
  if (device === undefined) return [`device "${line.device}" is not in the catalog`];
  const problems: string[] = [];
  for (const [metric, value] of Object.entries(line.values) as [MetricName, number][]) {
    if (!device.metrics.has(metric)) problems.push(`device ${device.id} does not declare ${metric}`);
    const { min, max, unit } = metrics[metric];
    if (value < min || value > max) problems.push(`${metric} ${value} is outside ${min}..${max} ${unit}`);
  }
  return problems;
}

/** One parsed line as a step, or what is wrong with it. */
function stepOf(raw: unknown, line: number, catalog: Catalog): { step?: CaseStep; problems: string[] } {
  const parsed = schemaOf(raw).safeParse(raw);
  if (!parsed.success) return { problems: [z.prettifyError(parsed.error)] };
  const data = parsed.data;
  if ('tick' in data) return { step: { type: 'tick', line, at: data.at }, problems: [] };
  if ('status' in data) {
    if (catalog.device(data.device) === undefined) return { problems: [`device "${data.device}" is not in the catalog`] };
    return { step: { type: 'status', line, at: data.at, device: data.device, status: data.status }, problems: [] };
  }
  const problems = readingProblems(data, catalog);
  const device = catalog.device(data.device);
  if (problems.length > 0 || device === undefined) return { problems };
  const values = new Map(Object.entries(data.values) as [MetricName, number][]);
  return { step: { type: 'reading', line, at: data.at, device, stamped: data.stamped ?? data.at, values }, problems: [] };
}

/** Parses input.ndjson: one JSON object a line, arrival times never going back. Throws with every problem listed. */
export function parseCaseInput(text: string, catalog: Catalog, name: string): CaseStep[] {
  const steps: CaseStep[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((source, i) => {
    if (source.trim() === '') return;
    const line = i + 1;
    let raw: unknown;
    try {
      raw = JSON.parse(source);
    } catch (error) {
      problems.push(`line ${line}: not JSON (${(error as Error).message})`);
      return;
    }
    const { step, problems: found } = stepOf(raw, line, catalog);
    const previous = steps.at(-1);
    if (step && previous && step.at < previous.at) found.push(`at ${formatDuration(step.at)} is before the previous line's ${formatDuration(previous.at)}: lines are in arrival order; a late reading says so with "stamped"`);
    problems.push(...found.map((problem) => `line ${line}: ${problem}`));
    if (step) steps.push(step);
  });
  if (problems.length > 0) throw new Error(`${name} is invalid:\n${problems.join('\n')}`);
  if (steps.length === 0) throw new Error(`${name} has no lines`);
  return steps;
}

/** Adds a tick every `everyMs` from 0 to the last step's time; a tick due at a step's time goes before it. Pure. */
export function withTicks(steps: readonly CaseStep[], everyMs: number | undefined): CaseStep[] {
  if (everyMs === undefined || everyMs <= 0) return [...steps];
  const out: CaseStep[] = [];
  let next = 0;
  for (const step of steps) {
    for (; next <= step.at; next += everyMs) out.push({ type: 'tick', line: undefined, at: next });
    out.push(step);
  }
  return out;
}

// ---- expected.json -------------------------------------------------------------------------

const offsetText = z.string().describe('Offset after T0, as formatDuration writes it ("13m", "6h51m")');

const goldenTicketSchema = z.strictObject({
  rule: id.describe('Rule id'),
  site: id.describe('Site id'),
  device: id.describe('The ticket device'),
  severity: z.enum(severities).describe('Most severe level reached'),
  state: z.enum(ticketStates).describe('State at the end of the input'),
  openedAt: offsetText,
  resolvedAt: offsetText.nullable().describe('null while active'),
  firstValue: z.number().describe('Opening value, canonical unit (stale: silence in s)'),
  peakValue: z.number().describe('Worst value recorded'),
  lastValue: z.number().describe('Last value (the clearing one once resolved)'),
  count: z.number().int().describe('Readings recorded on the ticket, the opening one included'),
});
export type GoldenTicket = z.infer<typeof goldenTicketSchema>;

const goldenChangeSchema = z.strictObject({
  at: offsetText.describe('Arrival time of the line (or tick) that caused the change'),
  rule: id.describe('Rule id'),
  site: id.describe('Site id'),
  device: id.describe('The ticket device'),
  change: z
    .enum(['opened', 'reopened', 'updated', 'escalated', 'deescalated', 'resolved'])
    .describe('As onChange reports it; plain "updated" only with `updates: true`'),
  severity: z.enum(severities).describe('Ticket severity after the change'),
});
export type GoldenChange = z.infer<typeof goldenChangeSchema>;

export const goldenSchema = z
  .strictObject({
    tickets: z.array(goldenTicketSchema).describe('Every ticket at the end, by opening time, rule, site, device'),
    changes: z.array(goldenChangeSchema).describe('Ticket changes in order (within one line: by rule, site, device)'),
    outOfOrder: z.number().int().nonnegative().describe('Evaluations the engine dropped as not newer (stats().outOfOrder)'),
  })
  .describe('expected.json of a golden case: stable fields only, so the case survives new ticket columns');
export type Golden = z.infer<typeof goldenSchema>;

export function projectTicket(ticket: Ticket, t0: number): GoldenTicket {
  const { ruleId: rule, site, device, severity, state, firstValue, peakValue, lastValue, count } = ticket;
  const resolvedAt = ticket.resolvedAt === null ? null : formatDuration(ticket.resolvedAt - t0);
  return { rule, site, device, severity, state, openedAt: formatDuration(ticket.openedAt - t0), resolvedAt, firstValue, peakValue, lastValue, count };
}

const subjectKey = (x: { rule: string; site: string; device: string }) => `${x.rule}/${x.site}/${x.device}`;

/** Tickets projected, in a stable order: opening time, then rule, site, device. */
export function sortTickets(tickets: readonly Ticket[], t0: number): GoldenTicket[] {
  const sorted = [...tickets].sort((a, b) => a.openedAt - b.openedAt || `${a.ruleId}/${a.site}/${a.device}`.localeCompare(`${b.ruleId}/${b.site}/${b.device}`));
  return sorted.map((ticket) => projectTicket(ticket, t0));
}

/** Changes of one step in a stable order (different fingerprints write in parallel). */
export function sortChanges(changes: readonly GoldenChange[]): GoldenChange[] {
  return [...changes].sort((a, b) => subjectKey(a).localeCompare(subjectKey(b)));
}

/** Parses expected.json; throws with every problem listed. */
export function parseGolden(text: string, name: string): Golden {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not JSON: ${(error as Error).message}`);
  }
  const parsed = goldenSchema.safeParse(document);
  if (!parsed.success) throw new Error(`${name} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** expected.json text: one ticket or change a line, so a diff shows which one moved. */
export function formatGolden(golden: Golden): string {
  const list = (items: readonly object[]) => (items.length === 0 ? '[]' : `[\n${items.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`);
  return `{\n  "tickets": ${list(golden.tickets)},\n  "changes": ${list(golden.changes)},\n  "outOfOrder": ${golden.outOfOrder}\n}\n`;
}
