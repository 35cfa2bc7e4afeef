/**
 * What every rule kind shares: the common config fields and the shape of a kind. A kind is one
 * file exporting a zod schema and a pure evaluate function; `kinds/index.ts` lists them.
 */
import { z } from 'zod';
import { siteKinds, type Site } from '../../network/catalog.ts';
import type { DeviceStatus } from '../../network/message.ts';
import type { MetricName } from '../../network/metrics.ts';
import { ID_PATTERN } from '../../network/topic.ts';
import type { Severity } from '../severity.ts';

const id = z.string().regex(ID_PATTERN, 'ids are lower-case letters, digits and dashes, at most 64');

export const matchSchema = z
  .strictObject({
    siteKinds: z.array(z.enum(siteKinds)).min(1).optional().describe('Only sites of these kinds (source … tap); absent = any kind'),
    villages: z.array(id).min(1).optional().describe('Only sites serving these villages; absent = any village'),
    sites: z.array(id).min(1).optional().describe('Only these sites; absent = any site'),
  })
  .describe('Which sites the rule watches; every given filter must match');
export type RuleMatch = z.infer<typeof matchSchema>;

/** Fields every rule kind has. Kinds extend this object with `kind: z.literal(...)` and their own fields. */
export const ruleBaseSchema = z.strictObject({
  id: id.describe('Rule id, unique across all packs; half of the ticket fingerprint'),
  title: z.string().min(1).max(120).describe('Short human title for the dispatcher console, e.g. "Tap turbidity high"'),
  titleZh: z.string().min(1).max(60).describe('Chinese title for village administrators\' phones, e.g. "龙头水浑浊度超标"'),
  source: z.string().min(3).describe('Citation of the primary source behind the levels: a standard and clause (e.g. "GB 5749-2022 Table 1") or a paper (authors, title, venue, year); levels that are operational choices or unconfirmed say so'),
  match: matchSchema.optional(),
  subject: z
    .enum(['site', 'device'])
    .default('site')
    .describe('Ticket subject: one ticket per rule and site (default), or per rule and device'),
  supersedes: z
    .array(id)
    .min(1)
    .optional()
    .describe('Rule ids this more specific rule covers at its site: while it fires there, they open no ticket there and an open one is resolved into it (rules/supersede.ts); site subjects only'),
  inhibit: z
    .boolean()
    .default(false)
    .describe(
      'Sensor-health rules: while this rule fires for a device, the readings of its ticket metric from that device are withheld from every rule without `inhibit` (a lying sensor opens no process tickets); needs `subject: device`',
    ),
});
export type RuleBase = z.infer<typeof ruleBaseSchema> & { readonly kind: string };

/** One metric of one reading, at event time. */
export interface MetricSample {
  /** Canonical unit of the metric. */
  readonly value: number;
  /** Event time, epoch milliseconds. */
  readonly ts: number;
}

/**
 * An event another rule of the zone saw begin (its kind's `Evaluation.onset`), as the engine
 * recorded it: which rule, at which site, from what event time.
 */
export interface ZoneSignal {
  readonly ruleId: string;
  readonly site: string;
  /** Event time the event began (its onset), epoch ms. */
  readonly at: number;
}

/** What a correlating kind learns about the reading's zone (see `RuleKind.zoneSignals`). */
export interface ZoneView {
  /** The reading's site, so a kind can tell its own signals from its neighbours'. */
  readonly site: string;
  /** Recent signals of the rules the kind listens to in the reading's zone, any order. */
  readonly signals: readonly ZoneSignal[];
}

/** Zone-wide correlation a rule asks for: signals of these rules in its zone. */
export interface ZoneListen {
  /** Rule ids whose onsets count (the rule's own id included when it listens to itself). */
  readonly rules: readonly string[];
  /** The longest span the rule looks back or ahead from its own onset, ms: how long signals must be kept. */
  readonly withinMs: number;
}

/** A reading as kinds see it: every metric the device sent at one event time. */
export interface KindInput {
  readonly ts: number;
  readonly values: ReadonlyMap<MetricName, number>;
  /** Present for kinds that correlate (`zoneSignals` returns a listen), absent otherwise. */
  readonly zone?: ZoneView;
}

export type Decision =
  | { readonly type: 'none'; readonly ignored?: 'out_of_order' }
  | { readonly type: 'fire'; readonly severity: Severity }
  | { readonly type: 'update'; readonly severity: Severity }
  | { readonly type: 'resolve' };

export interface Evaluation<State> {
  readonly state: State;
  readonly decision: Decision;
  /** The value the decision is about (the ticket's last value), canonical unit. */
  readonly value?: number;
  /**
   * An event began at this event time (epoch ms), pending or firing: reported once per event, at
   * the evaluation that knows it. The engine keeps it as a zone signal of (rule, zone, site) when
   * another rule listens to this rule (`zoneSignals`); otherwise it is dropped.
   */
  readonly onset?: number;
  /**
   * A line for the audit event the decision writes (opened, reopened, resolved): a group
   * ticket's likely cause and members (kinds/flood.ts). Absent for most kinds.
   */
  readonly note?: string;
}

/**
 * Which end of the scale is worse, so a ticket's peak value means "worst seen": the highest, the
 * lowest, or the farthest from a centre (a range rule: out on either side).
 */
export type Worst = 'highest' | 'lowest' | { readonly farthestFrom: number };

/** The worse of two values under `worst`. Pure. */
export function worseValue(worst: Worst, a: number, b: number): number {
  if (worst === 'highest') return Math.max(a, b);
  if (worst === 'lowest') return Math.min(a, b);
  return Math.abs(b - worst.farthestFrom) > Math.abs(a - worst.farthestFrom) ? b : a;
}

/** What a kind may learn about the ticket it resumes after an engine restart. */
export interface ResumedTicket {
  /** Event time the ticket opened, epoch ms. */
  readonly openedAt: number;
  readonly firstValue: number;
  readonly lastValue: number;
  readonly peakValue: number;
}

/** A catalog device as watch kinds see it: structurally a subset of network's `Device`. */
export interface WatchedDevice {
  readonly id: string;
  readonly site: Site;
  /** Reporting interval from the catalog (`intervalS` × 1000). */
  readonly intervalMs: number;
  /** A data logger's upload period (catalog `uploadEveryS` × 1000): it reports that often, its samples together. */
  readonly uploadEveryMs?: number;
  /** Metrics the catalog says the device publishes. */
  readonly metrics: ReadonlySet<MetricName>;
}

/**
 * The part of a kind that watches catalog devices over time instead of reacting to one reading
 * (`stale`). The engine keeps one state per rule and watched device (fingerprint rule/site/device),
 * routes every reading of the device to `evaluate` (the kind picks the metrics that count), and
 * calls these without a reading. Pure, like `evaluate`.
 */
export interface DeviceWatch<Config, State> {
  /** The metric a ticket about this device is filed under; undefined = the rule does not watch it. */
  metricOf(rule: Config, device: WatchedDevice): MetricName | undefined;
  /** The engine's clock reached `now` (epoch ms): wall clock live, event time in replays. */
  tick(rule: Config, state: State, device: WatchedDevice, now: number): Evaluation<State>;
  /** The broker reported the device online or offline (status message or last will) at `at`. */
  status(rule: Config, state: State, device: WatchedDevice, status: DeviceStatus, at: number): Evaluation<State>;
  /**
   * Since when the device counts as silent under the rule at `now` (epoch ms), or undefined: what
   * group kinds (`flood`) count across a township, a zone or the network. Optional.
   */
  silentSince?(rule: Config, state: State, device: WatchedDevice, now: number): number | undefined;
}

/** The places a group kind gathers devices over, widest first. */
export const groupScopes = ['network', 'zone', 'township'] as const;
export type GroupScope = (typeof groupScopes)[number];

/** One device of a group's scope, as the engine sees it through the watch rules the group holds. */
export interface GroupDeviceView {
  readonly device: string;
  /** Since when it counts as silent under a held rule (`DeviceWatch.silentSince`), epoch ms; undefined = it talks. */
  readonly silentSince: number | undefined;
}

/** One scope (a township, a zone, the network) at one tick. */
export interface GroupView {
  readonly scope: GroupScope;
  /** Display name, e.g. "桐门镇 Tongmen township". */
  readonly name: string;
  /** IANA time zone for the times in notes (the county's); default UTC. */
  readonly timeZone?: string;
  /** Every device of the scope the held rules watch, talking or not (members of a wider firing group left out while this one is quiet). */
  readonly devices: readonly GroupDeviceView[];
  /**
   * The rule's widest scope (every device it counts), when this scope is a narrower one: whether
   * the silence reaches beyond this scope, so a narrower group can wait for a wider one to form.
   */
  readonly wider?: GroupView;
}

/**
 * The part of a kind that judges many devices of a scope together (`flood`). The engine keeps one
 * state per rule and scope (fingerprint rule/<scope>-<id>), calls `tick` at every clock tick
 * before the device watches, and while `members` is not empty holds back the tickets of those
 * devices under the `holds` rules (inhibition.ts), as sensor faults hold process rules.
 */
export interface GroupWatch<Config, State> {
  /** Watch rules (stale) whose silence counts and whose per-device tickets an open group holds back. */
  holds(rule: Config): readonly string[];
  /** Scopes the rule groups over, widest first. */
  scopes(rule: Config): readonly GroupScope[];
  /** Who answers the group ticket of a scope first (the ticket's starting tier). */
  tierOf(rule: Config, scope: GroupScope): 'village' | 'township' | 'county';
  tick(rule: Config, state: State, view: GroupView, now: number): Evaluation<State>;
  /** Devices the state holds back now: the group's members while its ticket is open, else none. */
  members(state: State): readonly string[];
}

/**
 * A rule kind. Methods are pure; the engine owns state and side effects. Method syntax (not
 * arrow properties) on purpose: it lets a kind for one config type sit in the registry typed
 * over the union of all configs.
 */
export interface RuleKind<Config extends RuleBase = RuleBase, State = unknown> {
  readonly schema: z.ZodType<Config>;
  /**
   * Metrics a reading must carry; the first is the ticket's metric and the engine's index key.
   * Watch kinds are not indexed by metric: theirs are the metrics that count as data, and the
   * ticket's metric comes from `watch.metricOf`.
   */
  metrics(rule: Config): readonly [MetricName, ...MetricName[]];
  /** Which end of the scale is worse for this rule. */
  worst(rule: Config): Worst;
  /** State of a fingerprint before any reading. */
  initial(rule: Config): State;
  /** State of a fingerprint whose ticket is open (engine restart: tickets outlive memory). */
  resume(rule: Config, severity: Severity, ticket?: ResumedTicket): State;
  evaluate(rule: Config, state: State, input: KindInput): Evaluation<State>;
  /**
   * Other metrics of the same site the kind wants to see besides `metrics()`, e.g. the flow that
   * confirms a pressure drop. The router also sends the rule readings that carry any of them
   * (from any device of the site when the subject is the site); `evaluate` sees what the reading
   * carries and must not assume `metrics()` are there.
   */
  contextMetrics?(rule: Config): readonly MetricName[];
  /**
   * Whether a pending state starts over when a sensor-health hold on the ticket metric begins or
   * ends (engine.ts `restartWaits`); default true. A kind whose state is a learned baseline
   * (anomaly) says false: relearning costs more than the one faulty sample it judged.
   */
  readonly restartOnHold?: boolean;
  /** Present on kinds that watch devices over time (stale); see DeviceWatch. */
  readonly watch?: DeviceWatch<Config, State>;
  /** Present on kinds that judge the devices of a scope together (flood); see GroupWatch. */
  readonly group?: GroupWatch<Config, State>;
  /**
   * Zone-wide correlation: the rules whose onsets the kind wants to see in the reading's zone
   * (a drop at a neighbouring logger, a pressure transient before a turbidity rise). The engine
   * then passes `KindInput.zone`; undefined = the rule does not correlate.
   */
  zoneSignals?(rule: Config): ZoneListen | undefined;
}

/**
 * What no single field of `ruleBaseSchema` can check: `inhibit` needs `subject: device` (the
 * withheld readings are one device's). Kinds run it from their `superRefine`; the router checks
 * it again for every rule when the engine is created.
 */
export function baseProblems(rule: Pick<RuleBase, 'inhibit' | 'subject'>): [string[], string][] {
  if (rule.inhibit && rule.subject !== 'device') return [[['subject'], 'a rule with `inhibit: true` must have `subject: device`: it withholds one device\'s readings']];
  return [];
}
