/**
 * 供水区压力 Pressure zones: for each supply zone (variable `zone`, the row repeated per zone),
 * the pressure of every site in it against the same hours of the day before (the usual diurnal
 * pattern: lowest at the 07:00 and 19:00 demand peaks, highest at night), the lowest pressure
 * at its network ends and its pressure compliance, with burst suspects (the pressure-drop rules
 * of the packs) as annotations. Pure.
 *
 * InfluxQL cannot shift one query's time (Grafana has no per-query time shift), so the day
 * before is a panel of its own, shifted by a day (`timeShift: 1d`). The `ticket` points carry no
 * zone, so the burst annotations show on every zone's panels, each naming its site.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import { complianceFigures } from './compliance.ts';
import { tagVariable, ticketAnnotation, ticketAnnotations, wallDashboard, type WallContext } from './dashboard.ts';
import { ident, influxql, oneOf, variable } from './influxql.ts';
import { band, cell, sideBySide, type LayoutItem } from './layout.ts';
import { burstRules, limitsFor } from './limits.ts';
import { stat, timeSeries } from './panels.ts';
import { complianceQuery, seriesQuery, siteKindIs, TELEMETRY } from './queries.ts';
import { limitSteps, severityColour } from './thresholds.ts';
import { metricUnit, units } from './units.ts';

export const ZONES_UID = 'clearwater-zones';

const inZone = `${ident('zone')} =~ ${variable('zone')}`;

function pressures(context: WallContext, title: string, timeShift?: string): Panel {
  const limits = limitsFor(context.rules, 'pressure', 'tap');
  return timeSeries({
    title,
    description: `Mean pressure of every site of the zone per interval; dashed: the network-end limits (${limits.map((l) => `${l.ruleId} ${l.level} kPa`).join(', ')}), which the taps must hold and the mains run above.`,
    unit: metricUnit('pressure'),
    interval: '1m',
    drawLimits: limits.length > 0,
    thresholds: limitSteps(limits),
    ...(timeShift === undefined ? {} : { timeShift }),
    targets: [influxql(context.datasource, 'A', seriesQuery({ metric: 'pressure', where: [inZone], groupBy: ['site'] }), { alias: '$tag_site' })],
  });
}

function lowestAtEnds(context: WallContext): Panel {
  const limits = limitsFor(context.rules, 'pressure', 'tap');
  return stat({
    title: '末梢最低压力 Lowest network-end pressure · $zone',
    description: 'The lowest reading at the zone\'s taps (network ends) in the time range.',
    unit: metricUnit('pressure'),
    thresholds: limitSteps(limits),
    targets: [influxql(context.datasource, 'A', `SELECT min(${ident('pressure')}) FROM ${TELEMETRY} WHERE ${siteKindIs(['tap'])} AND ${inZone} AND $timeFilter`)],
  });
}

function zoneCompliance(context: WallContext): Panel[] {
  const figure = complianceFigures(context.rules).find((f) => f.band.metric === 'pressure');
  if (!figure) return [];
  return [
    stat({
      title: `压力合格率 Pressure compliance · $zone`,
      description: figure.description,
      unit: units.percent,
      decimals: 1,
      thresholds: figure.thresholds,
      targets: [influxql(context.datasource, 'A', complianceQuery({ band: figure.band, where: [siteKindIs(figure.siteKinds), inZone] }))],
    }),
  ];
}

export function zonesDashboard(context: WallContext): Dashboard {
  const bursts = burstRules(context.rules).map((r) => r.id);
  const figures = [lowestAtEnds(context), ...zoneCompliance(context)];
  const items: LayoutItem[] = [
    { row: '供水区 Zone $zone', repeat: 'zone' },
    band(9, cell(12, pressures(context, '压力 Pressure · $zone')), cell(12, pressures(context, '前一日同时段 The day before · $zone', '1d'))),
    ...sideBySide(5, figures),
  ];
  // One query for the burst rules' changes whatever their severity (warning, critical once confirmed).
  const burstAnnotations = bursts.length > 0 ? [ticketAnnotation(context, '疑似爆管 Burst suspects', severityColour('critical'), [`${ident('rule')} =~ ${oneOf(bursts)}`])] : [];
  // Every other ticket too, in its severity's colour, so the zones show what else went on.
  const otherTickets = ticketAnnotations(context, bursts.length > 0 ? [`${ident('rule')} !~ ${oneOf(bursts)}`] : []);
  return wallDashboard(context, {
    uid: ZONES_UID,
    title: '供水区压力 Pressure zones',
    description: 'Pressures by supply zone against the same hours of the day before, with burst suspects annotated.',
    variables: [tagVariable(context, { name: 'zone', label: '供水区 Zone', key: 'zone', multi: true })],
    annotations: [...burstAnnotations, ...otherTickets],
    items,
  });
}
