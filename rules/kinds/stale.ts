/**
 * `stale`: a catalog device (or one metric of it) has sent nothing for `intervals` × its
 * reporting interval (catalog `intervalS`): missing data and devices going offline are sensor
 * faults to detect (operational practice, not a standard). One ticket per rule and device
 * (fingerprint rule/site/device); it resolves when data returns.
 *
 * - A watch kind (kind.ts `DeviceWatch`): the engine pairs the rule with every catalog device its
 *   `match` admits (and, with `metric`, whose catalog lists the metric), calls `tick(now)` from
 *   its clock and `status` from the broker's presence messages.
 * - Heard: any reading of the device (or of `metric`). The engine stamps it with the later of its
 *   event time and the engine clock (last tick), so a batch of old samples still counts as the
 *   device being back, and a device clock running late does not look silent.
 * - Start: a device never heard from is due `limit` after the first tick the state sees (the
 *   engine's start of watch), not after its first reading: a catalog device that never reports
 *   is exactly what the rule is for.
 * - Limit: max(`intervals` × the device's reporting period, `atLeast`). Fires when the silence is
 *   longer (not equal). The period is the catalog's `intervalS`, or for a data logger (sampling
 *   every minute, uploading every 15 min to 2 h in one batch: common practice) its `uploadEveryS`:
 *   it is silent when uploads stop, not between them.
 * - Offline: a broker `offline` status (last will) opens the ticket at once with `offline: open`
 *   (default); an `offline` stamped at or before the last data is old news and ignored. `online`
 *   alone resolves nothing: the ticket resolves with the first data after it.
 * - Wait: with `wait` > 0 the ticket opens only `wait` after the silence passed the limit (or
 *   after the `offline`), at a tick: the time a `flood` rule needs to gather devices that fell
 *   silent together into one ticket and hold theirs back (kinds/flood.ts). Devices of one
 *   township report at phases spread over an interval, so their limits pass up to an interval
 *   apart; `wait` should be about the longest interval of the devices watched. `silentSince`
 *   (the watch's view for flood rules) ignores `wait`.
 * - The ticket's metric is `metric`, else the device's first catalog metric; its value is the
 *   silence in seconds (at opening; at resolving, the length of the gap).
 * - While stale, ticks write nothing except every `refresh` (default 1h): an update carrying the
 *   current silence, which also re-opens a ticket whose opening write failed (the store's
 *   openOrUpdate is idempotent per fingerprint). Severity is fixed.
 */
import { z } from 'zod';
import { metricNames, metricNameSchema } from '../../network/metrics.ts';
import { durationSchema } from '../../network/duration.ts';
import { severities, type Severity } from '../severity.ts';
import { ruleBaseSchema, type DeviceWatch, type Evaluation, type KindInput, type RuleKind, type WatchedDevice } from './kind.ts';

export const staleSchema = ruleBaseSchema.extend({
  kind: z.literal('stale'),
  subject: z.literal('device').default('device').describe('Stale tickets are always per device (rule/site/device)'),
  metric: metricNameSchema
    .optional()
    .describe('Only readings of this metric count, and only devices whose catalog lists it are watched; absent = any reading of any device'),
  intervals: z.number().positive().max(10_000).default(3).describe("Silence limit in reporting periods of the device (catalog intervalS, or a logger's uploadEveryS); default 3"),
  atLeast: durationSchema.default(0).describe('Floor of the silence limit, e.g. above the upload period of batch loggers; default 0'),
  offline: z
    .enum(['open', 'wait'])
    .default('open')
    .describe('"open" (default): a broker offline status opens the ticket at once; "wait": only the silence limit counts'),
  wait: durationSchema
    .default(0)
    .describe('Extra wait past the silence limit (or after an offline status) before the ticket opens, so a `flood` rule can first group devices silent together and hold theirs back; about the longest reporting interval watched; default 0 (open at once)'),
  severity: z.enum(severities).default('warning').describe('Severity of the ticket; default warning'),
  refresh: durationSchema
    .default(3_600_000)
    .describe('While stale, update the ticket (value = current silence) this often; 0 = never; default 1h'),
});

export type StaleRule = z.infer<typeof staleSchema>;

export interface StaleState {
  /** When data last arrived (see "Heard"), epoch ms; undefined = not since the engine started. */
  readonly heardAt: number | undefined;
  /** First tick seen: the start of the watch for a device not heard yet. */
  readonly since: number | undefined;
  /** Set while the ticket is open. */
  readonly severity: Severity | undefined;
  /** Last ticket write (open or refresh) while stale, epoch ms. */
  readonly reportedAt: number | undefined;
  /** A broker `offline` newer than the last data, not yet a ticket (`wait`), epoch ms. Absent in snapshots of older versions. */
  readonly offlineAt?: number | undefined;
}

export const initialStaleState: StaleState = { heardAt: undefined, since: undefined, severity: undefined, reportedAt: undefined, offlineAt: undefined };

/** How often a device reports, ms: a logger once per upload, any other device once per sample. */
export const reportingPeriodMs = (device: WatchedDevice): number => device.uploadEveryMs ?? device.intervalMs;

/** The silence limit for one device, ms. */
export const staleLimitMs = (rule: StaleRule, device: WatchedDevice): number => Math.max(rule.intervals * reportingPeriodMs(device), rule.atLeast);

const seconds = (ms: number) => Math.max(0, ms) / 1000;
const lastSign = (state: StaleState) => state.heardAt ?? state.since;
const none = (state: StaleState): Evaluation<StaleState> => ({ state, decision: { type: 'none' } });

/** Pure: data from the device (already filtered to the rule's device by the engine). */
export function staleHeard(rule: StaleRule, state: StaleState, input: KindInput): Evaluation<StaleState> {
  if (rule.metric !== undefined && !input.values.has(rule.metric)) return none(state);
  const heardAt = Math.max(state.heardAt ?? Number.NEGATIVE_INFINITY, input.ts);
  const next: StaleState = { ...state, heardAt, severity: undefined, reportedAt: undefined, offlineAt: undefined };
  if (state.severity === undefined) return none(next);
  const gap = seconds(input.ts - (lastSign(state) ?? input.ts));
  return { state: next, decision: { type: 'resolve' }, value: gap };
}

/** Pure: the clock reached `now`. */
export function staleTick(rule: StaleRule, state: StaleState, device: WatchedDevice, now: number): Evaluation<StaleState> {
  const last = lastSign(state);
  if (state.severity !== undefined) return refreshed(rule, state, state.severity, now, last);
  if (last === undefined) return none({ ...state, since: now });
  const silence = now - last;
  const offlineDue = state.offlineAt !== undefined && now >= state.offlineAt + rule.wait;
  if (!offlineDue && !(silence > staleLimitMs(rule, device) + rule.wait)) return none(state);
  return { state: { ...state, severity: rule.severity, reportedAt: now }, decision: { type: 'fire', severity: rule.severity }, value: seconds(silence) };
}

/**
 * Pure: since when the device counts as silent for the rule (the silence passed the limit, or the
 * broker said `offline`), `wait` not included; undefined while it is not. What `flood` rules count.
 */
export function staleSilentSince(rule: StaleRule, state: StaleState, device: WatchedDevice, now: number): number | undefined {
  const last = lastSign(state);
  if (last === undefined) return undefined;
  const limitPassed = now - last > staleLimitMs(rule, device) ? last + staleLimitMs(rule, device) : undefined;
  if (state.offlineAt !== undefined) return Math.min(state.offlineAt, limitPassed ?? state.offlineAt);
  if (state.severity !== undefined) return limitPassed ?? last; // open (e.g. resumed from its ticket): silent
  return limitPassed;
}

/** While stale: an update every `refresh`, else nothing. */
function refreshed(rule: StaleRule, state: StaleState, severity: Severity, now: number, last: number | undefined): Evaluation<StaleState> {
  if (state.reportedAt === undefined) return none({ ...state, reportedAt: now }); // resumed: count from here
  if (rule.refresh <= 0 || now - state.reportedAt < rule.refresh) return none(state);
  return { state: { ...state, reportedAt: now }, decision: { type: 'update', severity }, value: seconds(now - (last ?? now)) };
}

/** Pure: the broker's status message or last will for the device. */
export function staleStatus(rule: StaleRule, state: StaleState, status: 'online' | 'offline', at: number): Evaluation<StaleState> {
  if (status === 'online' || rule.offline === 'wait' || state.severity !== undefined) return none(state);
  if (state.heardAt !== undefined && at <= state.heardAt) return none(state); // older than the last data
  if (rule.wait > 0) return none({ ...state, offlineAt: Math.min(state.offlineAt ?? at, at) }); // a tick opens it after `wait`
  const silence = seconds(at - (lastSign(state) ?? at));
  return { state: { ...state, severity: rule.severity, reportedAt: at, offlineAt: at }, decision: { type: 'fire', severity: rule.severity }, value: silence };
}

const watch: DeviceWatch<StaleRule, StaleState> = {
  metricOf(rule, device) {
    if (rule.metric !== undefined) return device.metrics.has(rule.metric) ? rule.metric : undefined;
    return device.metrics.values().next().value;
  },
  tick: staleTick,
  silentSince: staleSilentSince,
  status: (rule, state, _device, status, at) => staleStatus(rule, state, status, at),
};

export const stale: RuleKind<StaleRule, StaleState> = {
  schema: staleSchema,
  // Not used for routing (watch kinds are routed by device); the metrics whose readings count.
  metrics: (rule) => (rule.metric ? [rule.metric] : metricNames),
  worst: () => 'highest',
  initial: () => initialStaleState,
  resume(_rule, severity, ticket) {
    // The opening value is the silence at opening: when the device was last heard.
    const heardAt = ticket && Number.isFinite(ticket.firstValue) ? ticket.openedAt - ticket.firstValue * 1000 : undefined;
    return { heardAt, since: ticket?.openedAt, severity, reportedAt: undefined, offlineAt: undefined };
  },
  evaluate: staleHeard,
  watch,
};
