/**
 * The process's own health, the fields of its `pipeline` point (the pipeline health dashboard,
 * dashboards/pipeline-health.ts). Counters run since the process started; gauges are now. Pure.
 *
 * - ingest: `messages`, `readings_accepted`, `readings_rejected` and one `rejected_<reason>` per
 *   reason (ingest/README.md, "Rejection reasons"), each written from the first point on, at 0
 *   until it happens: a field that first appeared at 4 would hide its first 4 from a rate;
 * - the spool: `write_errors`, `spool_lines`, `spool_oldest_age_ms`;
 * - the rules: `rule_evaluations`;
 * - the notification outbox, when notices are sent: `notify_pending`, `notify_due`,
 *   `notify_oldest_due_ms`, `notify_sent`, `notify_failed`. These are the store's figures, shared
 *   by every instance on one ticket store, so the dashboard takes their maximum, not their sum.
 */
import type { DurableSinkStats } from '../ingest/durable-sink.ts';
import type { IngestStats } from '../ingest/ingest.ts';
import type { OutboxStats } from '../rules/tickets/outbox.ts';

export interface SelfReportInputs {
  readonly ingest: Pick<IngestStats, 'messages' | 'readingsAccepted' | 'readingsRejected'>;
  readonly sink: Pick<DurableSinkStats, 'writeErrors' | 'spoolLines' | 'oldestAgeMs'>;
  readonly evaluations: number;
  /** The reasons written even before any reading was rejected for them. */
  readonly reasons: readonly string[];
  readonly outbox?: OutboxStats;
}

const total = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

export function selfReportFields({ ingest, sink, evaluations, reasons, outbox }: SelfReportInputs): Record<string, number> {
  const fields: Record<string, number> = {
    messages: ingest.messages,
    readings_accepted: ingest.readingsAccepted,
    readings_rejected: total(ingest.readingsRejected),
    write_errors: sink.writeErrors,
    spool_lines: sink.spoolLines,
    spool_oldest_age_ms: sink.oldestAgeMs,
    rule_evaluations: evaluations,
  };
  for (const reason of reasons) fields[`rejected_${reason}`] = 0;
  for (const [reason, count] of Object.entries(ingest.readingsRejected)) fields[`rejected_${reason}`] = count;
  if (outbox !== undefined) {
    fields.notify_pending = total(outbox.pending);
    fields.notify_due = outbox.due;
    fields.notify_oldest_due_ms = outbox.oldestDueMs;
    fields.notify_sent = total(outbox.sent);
    fields.notify_failed = total(outbox.failed);
  }
  return fields;
}
