/**
 * `flood`: many devices of one township, supply zone or the whole network falling silent (or
 * offline by last will) together are one incident, not a hundred. A cellular link failure, a
 * township's power cut or a broker restart silences every device behind it at once; a ticket per
 * device buries the one ticket that matters. This kind opens ONE group ticket per scope naming
 * the likely common cause, lists the members in the audit note, and while it is open the engine
 * holds back the members' own tickets under the `holds` rules (sensor-health's `device-silent`),
 * the way sensor faults hold process rules (inhibition.ts).
 *
 * Why: an alarm flood is more than 10 alarms in 10 minutes per operator (ANSI/ISA-18.2-2016,
 * clause 16, monitoring and assessment, its alarm performance metrics; the same in IEC
 * 62682:2014; EEMUA Publication 191, 3rd ed. 2013, on alarm floods); in a flood operators miss
 * the alarms that matter. Suppressing the alarms a common cause explains, by design and by
 * state, is an advanced alarm method of ISA-18.2 (enhanced and advanced alarm methods;
 * guidance in ISA-TR18.2.4). `minMembers`, `minShare`, `window` and `recovered` are
 * operational choices, not values of a standard.
 *
 * - Devices and silence: the devices the `holds` rules watch in the scope; a device counts as
 *   silent from its rule's `silentSince` (stale: the silence passed the limit, or a last will).
 * - Forming: at a tick, the devices of a scope that fell silent within `window` before it are at
 *   least `minMembers` and at least `minShare` of the scope's devices → the group ticket opens,
 *   value = members silent. A device silent since earlier (its own ticket open) is not a member.
 * - Scopes are judged widest first (network, zone, township): devices held by a firing wider
 *   group are left out of the narrower ones, so a broker failure is one network ticket, not one
 *   per township. Devices report at phases spread over an interval, so a township may reach its
 *   share a tick before the network does: a narrower scope whose silence reaches beyond it (at
 *   least a quarter of `minShare` of the other devices silent within the window) waits for the
 *   wider group until `settle` after its first member fell silent. A quiet scope does not see
 *   the devices another scope's group holds (a township dark before the broker fails stays its
 *   own ticket, and the network counts the rest); a firing group keeps judging all its members.
 * - Firing: devices of the scope that fall silent later join (value updated when the count of
 *   silent members changes). The ticket resolves when more than `recovered` of its members talk
 *   again; members still silent then stay held for `linger` (they reconnect at their own phase,
 *   or boot slowly after a power cut), and each still silent after it gets its own ticket at the
 *   next tick (its limit and wait long passed). The engine keeps the state in its snapshot.
 * - The held rules need a `wait` (stale) so that a group can form before the first device's
 *   own ticket opens: devices of a township report at phases spread over an interval.
 * - Subject: one group ticket per rule and scope, fingerprint rule/<scope>-<id> (e.g.
 *   devices-silent-together/township-tongmen), filed at the first member's site and device;
 *   `subject` and `inhibit` of the rule are not used (the holds are the group's own).
 * - Tier: who answers first, per scope (`answer`): the township's officials for a township (the
 *   notify policy's tier `township`), county dispatch for the network.
 */
import { z } from 'zod';
import { metricNames } from '../../network/metrics.ts';
import { durationSchema, formatDuration } from '../../network/duration.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import { severities, type Severity } from '../severity.ts';
import { groupScopes, ruleBaseSchema, type Evaluation, type GroupScope, type GroupView, type GroupWatch, type RuleKind } from './kind.ts';

const ruleId = z.string().regex(ID_PATTERN, 'rule ids are lower-case letters, digits and dashes, at most 64');
const answerTier = z.enum(['township', 'county']);

export const floodSchema = ruleBaseSchema.extend({
  kind: z.literal('flood'),
  holds: z
    .array(ruleId)
    .min(1)
    .describe('Watch rules (kind stale) whose silent devices are counted, and whose per-device tickets an open group ticket holds back, e.g. [device-silent]; give them a `wait`'),
  scopes: z
    .array(z.enum(groupScopes))
    .min(1)
    .default(['network', 'township'])
    .describe('Where devices are grouped: a township, a supply zone, the whole network; judged widest first, a device in a firing wider group is left out of narrower ones; default [network, township]'),
  window: durationSchema
    .default(600_000)
    .describe('Devices count together when each fell silent at most this long before the tick; default 10m (the alarm-flood window of ANSI/ISA-18.2-2016 / IEC 62682: more than 10 alarms in 10 minutes)'),
  minMembers: z
    .number()
    .int()
    .min(2)
    .default(10)
    .describe('Least number of devices silent together for a group; default 10 (operational choice: more would be an ISA-18.2 flood of tickets)'),
  minShare: z
    .number()
    .gt(0)
    .max(1)
    .default(0.5)
    .describe('Least share of the scope\'s devices silent together for a group; default 0.5 (operational choice: a common cause silences most of what is behind it)'),
  settle: durationSchema
    .default(45_000)
    .describe('A narrower scope (a township) whose silence reaches beyond it (a quarter of minShare of the other devices silent too) waits for the wider group (the network) to form until this long after its first member fell silent, so a broker failure is one ticket, not one per township; keep it below the held rules\' `wait` by at least one engine tick; default 45s'),
  recovered: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.5)
    .describe('The group ticket resolves when more than this share of its members talk again; default 0.5 (most back); members still silent then get their own tickets'),
  linger: durationSchema
    .default(300_000)
    .describe('Members still silent when the group resolves stay held this long (devices reconnect at their own phase, or boot slowly after a power cut); then each still silent gets its own ticket; default 5m'),
  answer: z
    .strictObject({
      township: answerTier.default('township').describe('Who answers a township group first: its township officials (default)'),
      zone: answerTier.default('township').describe('Who answers a zone group first: the officials of the township of its first member (default)'),
      network: answerTier.default('county').describe('Who answers a network group first: county dispatch (default)'),
    })
    .prefault({})
    .describe('The tier a group ticket starts at, per scope (notify policy: township officials, county dispatch)'),
  severity: z.enum(severities).default('warning').describe('Severity of the group ticket; default warning'),
});

export type FloodRule = z.infer<typeof floodSchema>;

export interface FloodState {
  /** Set while the group ticket is open. */
  readonly severity: Severity | undefined;
  /** Earliest silence among the members, epoch ms. */
  readonly since: number | undefined;
  /** The group's devices (at opening and joined since), sorted; empty when quiet. */
  readonly members: readonly string[];
  /** Members silent at the last ticket write. */
  readonly silent: number;
  /** Resumed from a ticket without its members (no snapshot): the first tick after, epoch ms. */
  readonly resumedAt?: number | undefined;
  /** After the group resolved: its members still silent (in `members`) are held until then, epoch ms. */
  readonly lingerUntil?: number | undefined;
}

export const initialFloodState: FloodState = { severity: undefined, since: undefined, members: [], silent: 0 };

const none = (state: FloodState): Evaluation<FloodState> => ({ state, decision: { type: 'none' } });

/** The likely common cause of a scope going silent, English and Chinese. */
export const likelyCause: Readonly<Record<GroupScope, { readonly en: string; readonly zh: string }>> = {
  township: { en: "a power cut or the township's cellular link", zh: '可能停电或乡镇移动网络中断' },
  zone: { en: 'a power cut or the cellular link in the zone', zh: '可能停电或片区移动网络中断' },
  network: { en: 'the broker or ingest, or the county uplink', zh: '可能消息服务器/接入服务或县级上行链路故障' },
};

/** Members listed in a note, at most; the rest counted. */
const LISTED = 50;

function listed(devices: readonly string[]): string {
  const shown = devices.slice(0, LISTED).join(', ');
  return devices.length > LISTED ? `${shown} and ${devices.length - LISTED} more` : shown;
}

/** "10:02" in the view's time zone. */
function clock(at: number, timeZone = 'UTC'): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
}

/** The opening note: "28 of 30 devices in 桐门镇 Tongmen township silent since 10:02: likely …". Pure. */
export function floodSummary(view: GroupView, members: readonly string[], since: number): string {
  const cause = likelyCause[view.scope];
  return `${members.length} of ${view.devices.length} devices in ${view.name} silent since ${clock(since, view.timeZone)}: likely ${cause.en} (${cause.zh}). Members: ${listed(members)}`;
}

/** Pure: the clock reached `now`; `view` is the scope's devices and their silence. */
export function floodTick(rule: FloodRule, state: FloodState, view: GroupView, now: number): Evaluation<FloodState> {
  const silent = new Map<string, number>();
  for (const device of view.devices) if (device.silentSince !== undefined) silent.set(device.device, device.silentSince);
  if (state.severity !== undefined) return firing(rule, state, state.severity, silent, now);
  return forming(rule, lingering(state, silent, now), view, silent, now);
}

/** Quiet, after a group: the members still silent stay held until `lingerUntil`; those back are let go. */
function lingering(state: FloodState, silent: ReadonlyMap<string, number>, now: number): FloodState {
  if (state.lingerUntil === undefined) return state;
  const members = now < state.lingerUntil ? state.members.filter((device) => silent.has(device)) : [];
  return members.length === 0 ? initialFloodState : members.length === state.members.length ? state : { ...state, members };
}

function forming(rule: FloodRule, state: FloodState, view: GroupView, silent: ReadonlyMap<string, number>, now: number): Evaluation<FloodState> {
  const together = [...silent].filter(([, since]) => now - since <= rule.window);
  if (together.length < rule.minMembers || together.length < rule.minShare * view.devices.length) return none(state);
  const since = together.reduce((earliest, [, at]) => Math.min(earliest, at), Number.POSITIVE_INFINITY);
  // Devices beyond the scope falling silent too: the wider group is forming; give it `settle`.
  if (view.wider !== undefined && now - since < rule.settle && reachesBeyond(rule, view, view.wider, together.length, now)) return none(state);
  const members = together.map(([device]) => device).sort();
  return {
    state: { severity: rule.severity, since, members, silent: members.length },
    decision: { type: 'fire', severity: rule.severity },
    value: members.length,
    note: floodSummary(view, members, since),
  };
}

/**
 * Whether a quarter of `minShare` of the devices outside the scope fell silent within the window
 * too: a local power cut leaves the rest of the network talking; a broker failure does not, and
 * when the township reaches its share the rest are about as far (phases spread over an interval).
 */
function reachesBeyond(rule: FloodRule, view: GroupView, wider: GroupView, inside: number, now: number): boolean {
  const outside = wider.devices.length - view.devices.length;
  if (outside <= 0) return false;
  let recent = 0;
  for (const device of wider.devices) if (device.silentSince !== undefined && now - device.silentSince <= rule.window) recent++;
  return recent - inside >= (rule.minShare / 4) * outside;
}

function firing(rule: FloodRule, state: FloodState, severity: Severity, silent: ReadonlyMap<string, number>, now: number): Evaluation<FloodState> {
  const since = state.since ?? now;
  const known = new Set(state.members);
  // Devices falling silent after the group began (or within the window before it) join it.
  const joined = [...silent].filter(([device, at]) => !known.has(device) && at >= since - rule.window).map(([device]) => device);
  const members = joined.length === 0 ? state.members : [...state.members, ...joined].sort();
  if (members.length === 0) return resumedWithoutMembers(rule, state, now);
  const stillSilent = members.filter((device) => silent.has(device));
  const back = members.length - stillSilent.length;
  if (back > rule.recovered * members.length) {
    if (stillSilent.length === 0) return { state: initialFloodState, decision: { type: 'resolve' }, value: 0, note: `${back} of ${members.length} devices back` };
    const note = `${back} of ${members.length} devices back; still silent, each to its own ticket unless back within ${formatDuration(rule.linger)}: ${listed(stillSilent)}`;
    const after: FloodState = { ...initialFloodState, members: stillSilent, lingerUntil: now + rule.linger };
    return { state: after, decision: { type: 'resolve' }, value: stillSilent.length, note };
  }
  const next: FloodState = { severity, since, members, silent: stillSilent.length };
  if (stillSilent.length === state.silent) return none(next);
  return { state: next, decision: { type: 'update', severity }, value: stillSilent.length };
}

/** Resumed from its ticket alone: members join as they are found silent; none within a window → over. */
function resumedWithoutMembers(rule: FloodRule, state: FloodState, now: number): Evaluation<FloodState> {
  if (state.resumedAt === undefined) return none({ ...state, resumedAt: now });
  if (now - state.resumedAt <= rule.window) return none(state);
  return { state: initialFloodState, decision: { type: 'resolve' }, value: 0, note: 'no member silent since the restart' };
}

const group: GroupWatch<FloodRule, FloodState> = {
  holds: (rule) => rule.holds,
  scopes: (rule) => groupScopes.filter((scope) => rule.scopes.includes(scope)),
  tierOf: (rule, scope) => rule.answer[scope],
  tick: floodTick,
  members: (state) => (state.severity === undefined && state.lingerUntil === undefined ? [] : state.members),
};

export const flood: RuleKind<FloodRule, FloodState> = {
  schema: floodSchema,
  // Not used for routing (group kinds see no readings); the ticket's metric is the first member's.
  metrics: () => metricNames,
  worst: () => 'highest',
  initial: () => initialFloodState,
  // Without a snapshot the members are not known: they join at the next ticks (see resumedWithoutMembers).
  resume: (_rule, severity, ticket) => ({ severity, since: ticket?.openedAt, members: [], silent: 0 }),
  evaluate: (_rule, state) => none(state),
  group,
};
