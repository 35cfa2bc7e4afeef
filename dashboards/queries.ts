/**
 * The queries of the wall, over Clearwater's three measurements (network/line-protocol.ts):
 * `telemetry` (tags site, device, site_kind, village, township, zone; a float field per metric),
 * `ticket` (one point per ticket change; tags rule, severity, site, village, state, tier, change;
 * fields ticket_id, value) and `pipeline` (the process's integer counters and gauges). Every
 * dashboard builds its panels' InfluxQL here, so a figure is computed one way on every
 * dashboard. Pure.
 */
import type { SiteKind } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { duration, ident, INTERVAL, literal, oneOf, TIME_FILTER, where, within } from './influxql.ts';
import type { ComplianceBand } from './limits.ts';

export const TELEMETRY = ident('telemetry');
export const TICKET = ident('ticket');
export const PIPELINE = ident('pipeline');

/** `"site_kind" = 'tap'`, or a regex for several kinds. */
export function siteKindIs(kinds: readonly SiteKind[]): string {
  const [only] = kinds;
  return kinds.length === 1 && only !== undefined ? `${ident('site_kind')} = ${literal(only)}` : `${ident('site_kind')} =~ ${oneOf(kinds)}`;
}

export interface SeriesOptions {
  readonly metric: MetricName;
  /** Conditions besides the time filter. */
  readonly where: readonly string[];
  /** Tags, one series each (`site`, `zone`). */
  readonly groupBy?: readonly string[];
  readonly aggregate?: 'mean' | 'min' | 'max' | 'last';
}

/** A metric over time: `aggregate(metric)` per `$__interval`, gaps left as gaps. */
export function seriesQuery(options: SeriesOptions): string {
  const groups = [`time(${INTERVAL})`, ...(options.groupBy ?? []).map(ident)].join(', ');
  return `SELECT ${options.aggregate ?? 'mean'}(${ident(options.metric)}) FROM ${TELEMETRY} WHERE ${where(...options.where, TIME_FILTER)} GROUP BY ${groups} fill(none)`;
}

/** The latest value of a metric, one per group. */
export function latestQuery(metric: MetricName, conditions: readonly string[], groupBy: readonly string[] = []): string {
  const groups = groupBy.length > 0 ? ` GROUP BY ${groupBy.map(ident).join(', ')}` : '';
  return `SELECT last(${ident(metric)}) FROM ${TELEMETRY} WHERE ${where(...conditions, TIME_FILTER)}${groups}`;
}

export interface ComplianceOptions {
  readonly band: ComplianceBand;
  readonly where: readonly string[];
  /** Per tag (`village`): one share per value. */
  readonly groupBy?: readonly string[];
  /** A share per `$__interval` instead of one over the whole range. */
  readonly overTime?: boolean;
}

/**
 * The share of readings inside the band, in percent, over the time range: each reading scores
 * 1 inside and 0 outside (influxql.ts `within`), and the share is their mean times 100. This is
 * the GB/T 32063-2015 pressure compliance rate when the band is the network-end minimum: the
 * readings that met it over all readings.
 */
export function complianceQuery(options: ComplianceOptions): string {
  const { band } = options;
  const score = within(band.metric, band.min, band.max);
  const inner = `SELECT ${score} AS ${ident('ok')} FROM ${TELEMETRY} WHERE ${where(...options.where, TIME_FILTER)}`;
  const groups = [...(options.overTime ? [`time(${INTERVAL})`] : []), ...(options.groupBy ?? []).map(ident)];
  const outerWhere = options.overTime ? ` WHERE ${TIME_FILTER}` : '';
  const groupBy = groups.length > 0 ? ` GROUP BY ${groups.join(', ')}${options.overTime ? ' fill(none)' : ''}` : '';
  return `SELECT 100 * mean(${ident('ok')}) AS ${ident('share')} FROM (${inner})${outerWhere}${groupBy}`;
}

export interface TicketWindow {
  /** How far back a ticket's last change is looked for, ms. */
  readonly lookbackMs: number;
  /** The states of an active ticket (rules/tickets/ticket.ts `activeStates`). */
  readonly activeStates: readonly string[];
}

export interface ActiveTicketsOptions {
  readonly severity?: string;
  /** Only these rules. */
  readonly rules?: readonly string[];
  /** One count per tag value: `site` or `village`. */
  readonly groupBy?: 'site' | 'village';
  /** Only tickets whose `village` tag matches this condition (e.g. a template variable). */
  readonly village?: string;
}

/**
 * Active tickets now: the last change of each ticket subject (rule and site) within the
 * lookback carries its state and severity; those whose state is active are counted. A subject
 * of a device-subject rule with two devices at one site counts once (the `ticket` points carry
 * no device tag).
 */
export function activeTicketsQuery(window: TicketWindow, options: ActiveTicketsOptions = {}): string {
  const innerGroups = ['rule', 'site', ...(options.groupBy === 'village' || options.village ? ['village'] : [])].map(ident).join(', ');
  const innerWhere = where(options.rules ? `${ident('rule')} =~ ${oneOf(options.rules)}` : undefined, `time > now() - ${duration(window.lookbackMs)}`);
  const inner = `SELECT last(${ident('ticket_id')}) AS ${ident('ticket')}, ${ident('state')}, ${ident('severity')} FROM ${TICKET} WHERE ${innerWhere} GROUP BY ${innerGroups}`;
  const outerWhere = where(
    `${ident('state')} =~ ${oneOf(window.activeStates)}`,
    options.severity === undefined ? undefined : `${ident('severity')} = ${literal(options.severity)}`,
    options.village === undefined ? undefined : `${ident('village')} =~ ${options.village}`,
    options.groupBy === 'village' ? `${ident('village')} != ''` : undefined,
  );
  const groupBy = options.groupBy ? ` GROUP BY ${ident(options.groupBy)}` : '';
  return `SELECT count(${ident('ticket')}) AS ${ident('tickets')} FROM (${inner}) WHERE ${outerWhere}${groupBy}`;
}

/** Each device's last report in the lookback, by one metric it declares (the time of the row). */
export function lastReportQuery(metric: MetricName, devices: readonly string[], lookbackMs: number): string {
  return `SELECT last(${ident(metric)}) AS ${ident('value')} FROM ${TELEMETRY} WHERE ${where(`${ident('device')} =~ ${oneOf(devices)}`, `time > now() - ${duration(lookbackMs)}`)} GROUP BY ${ident('device')}`;
}

/**
 * Per instance, then summed: each process writes its own counters (the `instance` tag), and a
 * counter restarts with its process, so a rate or a difference is taken per instance first.
 */
function acrossInstances(aggregate: string, select: string): string {
  return `SELECT ${aggregate}(*) FROM (SELECT ${select} FROM ${PIPELINE} WHERE ${TIME_FILTER} GROUP BY time(${INTERVAL}), ${ident('instance')} fill(none)) WHERE ${TIME_FILTER} GROUP BY time(${INTERVAL}) fill(none)`;
}

/** A `pipeline` counter as a rate per second over `$__interval`, summed over the instances. */
export function pipelineRateQuery(field: string): string {
  return acrossInstances('sum', `non_negative_derivative(max(${ident(field)}), 1s)`);
}

/** The rejects by reason, a rate per second each (`rejected_<reason>` fields), summed over the instances. */
export function rejectsByReasonQuery(): string {
  return acrossInstances('sum', 'non_negative_derivative(max(/^rejected_/), 1s)');
}

/** A `pipeline` counter's increase per `$__interval`, summed over the instances. */
export function pipelineIncreaseQuery(field: string): string {
  return acrossInstances('sum', `non_negative_difference(max(${ident(field)}))`);
}

/** A `pipeline` gauge over time, summed over the instances (each has its own spool). */
export function pipelineGaugeQuery(field: string): string {
  return acrossInstances('sum', `max(${ident(field)})`);
}

/** A `pipeline` gauge's latest value, summed over the instances that reported in the range. */
export function pipelineLatestQuery(field: string): string {
  return `SELECT sum(*) FROM (SELECT last(${ident(field)}) FROM ${PIPELINE} WHERE ${TIME_FILTER} GROUP BY ${ident('instance')})`;
}

/**
 * A figure of the shared ticket store (the notification outbox: `notify_*`) over time. Every
 * instance on one store reports the same figure, so their maximum, not their sum.
 */
export function storeGaugeQuery(field: string): string {
  return `SELECT max(${ident(field)}) FROM ${PIPELINE} WHERE ${TIME_FILTER} GROUP BY time(${INTERVAL}) fill(none)`;
}

/** A figure of the shared ticket store, its latest value. */
export function storeLatestQuery(field: string): string {
  return `SELECT last(${ident(field)}) FROM ${PIPELINE} WHERE ${TIME_FILTER}`;
}

/** Ticket changes as annotation rows: ticket id, the reading, and the tags to show. */
export function ticketAnnotationQuery(conditions: readonly string[]): string {
  const columns = ['ticket_id', 'value', 'change', 'rule', 'site', 'village', 'severity', 'state'].map(ident).join(', ');
  return `SELECT ${columns} FROM ${TICKET} WHERE ${where(...conditions, TIME_FILTER)}`;
}
