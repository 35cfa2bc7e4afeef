/**
 * The work of `clearwater deadletters resubmit`, apart from its options and output: page through
 * the store newest first, re-decode each page with the current catalog (ingest/resubmission.ts),
 * write what is accepted now (refused lines found by ingest/bisect.ts), and remove a letter only
 * once InfluxDB acknowledged every line it stands for.
 *
 * Memory is bounded by the page, not by the store: at most `pageLetters` + 1 letters are read at
 * a time (each keeps at most 64 KiB of payload), with the lines decoded from them, written in
 * requests of `batchLines`. A page never ends inside a message (`wholeMessages`), so the letters
 * of one message are still decoded once and judged together.
 */
import { INFLUX_REJECTED_REASON, printable, type DeadLetterFilter, type DeadLetterStore } from '../../ingest/dead-letters.ts';
import { bisect } from '../../ingest/bisect.ts';
import { planResubmission, wholeMessages, type Resubmission } from '../../ingest/resubmission.ts';
import type { WriteFailure } from '../../ingest/write-errors.ts';
import type { Catalog } from '../../network/catalog.ts';
import type { Config } from '../config.ts';

/** Letters read per page: 500 × 64 KiB bounds the payloads held to about 32 MiB. */
export const PAGE_LETTERS = 500;
/** Letters left in the store that the summary describes one by one. */
export const REMAINING_SHOWN = 50;

export interface ResubmitSummary {
  examined: number;
  /** Accepted now and written (with --dry-run: would be). */
  resubmitted: number;
  linesWritten: number;
  /** By the reason they are rejected for now. */
  stillRejected: Record<string, number>;
  /** By the reason they were stored for (why they cannot be resubmitted is in `remaining`). */
  notResubmittable: Record<string, number>;
  /** One line per letter left in the store, for the operator: the first REMAINING_SHOWN. */
  remaining: string[];
}

export const emptySummary = (): ResubmitSummary => ({ examined: 0, resubmitted: 0, linesWritten: 0, stillRejected: {}, notResubmittable: {}, remaining: [] });

export interface ResubmitDeps {
  store: Pick<DeadLetterStore, 'list' | 'remove'>;
  catalog: Catalog;
  limits: Config['ingest'];
  /** One InfluxDB write request; absent for a dry run. */
  write?: ((lines: readonly string[]) => Promise<void>) | undefined;
  batchLines: number;
  /** Letters per page; default PAGE_LETTERS. */
  pageLetters?: number | undefined;
}

/**
 * Writes `lines` in requests of `batchLines`; returns the lines InfluxDB refused for good (400,
 * 413, 422), found by halving, and how many it acknowledged. Throws on a transient or
 * configuration fault (InfluxDB down, 5xx, 401, 404): nothing is retried behind the operator's back.
 */
async function writeFinding(write: (lines: readonly string[]) => Promise<void>, lines: readonly string[], batchLines: number) {
  const refused = new Map<string, WriteFailure>();
  let written = 0;
  for (let at = 0; at < lines.length; at += batchLines) {
    const result = await bisect(lines.slice(at, at + batchLines), write);
    for (const { line, failure } of result.refused) refused.set(line, failure);
    written += result.written;
    const fault = result.transient;
    if (fault) throw new Error(`InfluxDB write failed${fault.statusCode ? ` (HTTP ${fault.statusCode})` : ''}: ${fault.message}`);
  }
  return { refused, written };
}

type Outcome = { kind: 'written' } | { kind: 'rejected' | 'skipped'; reason: string; why: string };

/** What became of one letter once its lines were written (or refused). */
function settle(plan: Resubmission, refused: ReadonlyMap<string, WriteFailure>): Outcome {
  if (plan.kind === 'skipped') return { kind: 'skipped', reason: plan.letter.reason, why: `not resubmittable: ${plan.why}` };
  const refusal = plan.lines.map((line) => refused.get(line)).find((failure) => failure !== undefined);
  if (refusal) return { kind: 'rejected', reason: INFLUX_REJECTED_REASON, why: `now ${INFLUX_REJECTED_REASON}: ${refusal.message}` };
  if (plan.kind === 'accepted') return { kind: 'written' };
  const [first] = plan.verdicts;
  const reason = first?.reason ?? plan.letter.reason;
  return { kind: 'rejected', reason, why: `now ${plan.verdicts.map((v) => `${v.reason}: ${v.detail}`).join('; ')}` };
}

const tally = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);

/**
 * Re-decodes the selected letters page by page, writes what is accepted, removes what was
 * written. A transient InfluxDB fault throws: the letters of that page and of every page not
 * reached stay in the store; `summary` holds what was done before.
 */
export async function resubmit(deps: ResubmitDeps, filter: DeadLetterFilter, summary: ResubmitSummary): Promise<void> {
  const pageLetters = deps.pageLetters ?? PAGE_LETTERS;
  let beforeId: number | undefined;
  for (;;) {
    const fetched = deps.store.list({ ...filter, beforeId, limit: pageLetters + 1 });
    const page = fetched.slice(0, wholeMessages(fetched, pageLetters));
    const last = page.at(-1);
    if (!last) return;
    beforeId = last.id;
    const plans = planResubmission(deps.catalog, page, deps.limits);
    const lines = [...new Set(plans.flatMap((p) => (p.kind === 'skipped' ? [] : p.lines)))];
    const { refused, written: linesWritten } = deps.write ? await writeFinding(deps.write, lines, deps.batchLines) : { refused: new Map<string, WriteFailure>(), written: 0 };
    summary.linesWritten += linesWritten;
    const written: number[] = [];
    for (const plan of plans) {
      summary.examined += 1;
      const outcome = settle(plan, refused);
      const { letter } = plan;
      if (outcome.kind === 'written') {
        summary.resubmitted += 1;
        written.push(letter.id);
        continue;
      }
      tally(outcome.kind === 'skipped' ? summary.notResubmittable : summary.stillRejected, outcome.reason);
      if (summary.remaining.length < REMAINING_SHOWN) summary.remaining.push(`#${letter.id} ${printable(letter.device ?? '-')} ${letter.reason} → ${printable(outcome.why.slice(0, 200))}`);
    }
    if (deps.write) deps.store.remove(written);
  }
}
