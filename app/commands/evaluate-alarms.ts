/**
 * `clearwater evaluate --dataset canary-station-b`: the alarm rate of the packs on unlabelled data
 * against ISA-18.2 (rules/evaluate/alarm-rate.ts). Thin: a report.
 */
import type { AlarmRate } from '../../rules/evaluate/alarm-rate.ts';
import type { Ticket } from '../../rules/tickets/ticket.ts';
import { ISA_18_2 } from '../../rules/tickets/alarm-load.ts';

const f = (value: number | null, digits = 2) => (value === null ? '—' : value.toFixed(digits));
const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 16).replace('T', ' '));
const verdict = (ok: boolean) => (ok ? 'within' : 'OVER');

/** The human report. Pure. */
export function alarmReport(file: string, readings: number, gaps: number, rate: AlarmRate, tickets: readonly Ticket[]): string {
  const days = rate.spanMs / 86_400_000;
  const lines = [
    `replayed ${file}: ${readings} readings, ${gaps} gap rows, ${f(days, 1)} days; no labels: alarm rate only\n`,
    `alarms (tickets)   ${rate.alarms}  (${f(rate.perWeek)} per week, ${f(rate.perHour, 4)} per hour)\n`,
    `worst hour         ${rate.worstHour.alarms}  (from ${when(rate.worstHour.from)} UTC)  ISA-18.2: ≤ ${ISA_18_2.perHour.acceptable} acceptable, ${ISA_18_2.perHour.most} most per console: ${verdict(rate.worstHour.alarms <= ISA_18_2.perHour.acceptable)}\n`,
    `worst 10 minutes   ${rate.worst10Minutes}  ISA-18.2: ≤ ${ISA_18_2.per10Minutes}: ${verdict(rate.worst10Minutes <= ISA_18_2.per10Minutes)}\n`,
    `chattering         ${rate.chattering}  (a fingerprint opening 3+ times in a minute; ISA-18.2: none)\n`,
    `standing > 24 h    ${rate.standing24h}  ISA-18.2: < ${ISA_18_2.standing24h}: ${verdict(rate.standing24h < ISA_18_2.standing24h)}\n`,
    `sites like this one per console at ${ISA_18_2.perHour.acceptable} alarms/hour average: ${rate.sitesPerConsole === null ? 'no limit (no alarm)' : f(rate.sitesPerConsole, 0)}\n`,
  ];
  const listed = tickets.slice(0, 20).map((t) => `  ${when(t.openedAt)} → ${when(t.resolvedAt)}  ${t.ruleId}  peak ${f(t.peakValue)}\n`);
  return [...lines, ...(listed.length > 0 ? ['tickets (UTC):\n', ...listed] : []), ...(tickets.length > 20 ? [`  … and ${tickets.length - 20} more\n`] : [])].join('');
}
