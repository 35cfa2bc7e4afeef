import { describe, expect, it } from 'vitest';
import { selfReportFields } from './self-report.ts';

const ingest = { messages: 40, readingsAccepted: 100, readingsRejected: { out_of_range: 3, unknown_metric: 2 } };
const sink = { writeErrors: 1, spoolLines: 7, oldestAgeMs: 1200 };

describe('selfReportFields', () => {
  it('counts rejects in total and by reason, every known reason from the start', () => {
    const fields = selfReportFields({ ingest, sink, evaluations: 90, reasons: ['out_of_range', 'invalid_json'] });
    expect(fields).toEqual({
      messages: 40,
      readings_accepted: 100,
      readings_rejected: 5,
      rejected_out_of_range: 3,
      rejected_invalid_json: 0,
      rejected_unknown_metric: 2,
      write_errors: 1,
      spool_lines: 7,
      spool_oldest_age_ms: 1200,
      rule_evaluations: 90,
    });
  });

  it('adds the outbox backlog when notices are sent, summed over channels', () => {
    const outbox = { pending: { dingtalk: 4, sms: 1 }, due: 2, inFlight: 0, oldestDueMs: 65_000, sent: { dingtalk: 10, sms: 3 }, failed: { sms: 1 } };
    const fields = selfReportFields({ ingest, sink, evaluations: 0, reasons: [], outbox });
    expect(fields).toMatchObject({ notify_pending: 5, notify_due: 2, notify_oldest_due_ms: 65_000, notify_sent: 13, notify_failed: 1 });
  });

  it('writes no notify fields without a sender', () => {
    expect(Object.keys(selfReportFields({ ingest, sink, evaluations: 0, reasons: [] })).filter((k) => k.startsWith('notify_'))).toEqual([]);
  });
});
