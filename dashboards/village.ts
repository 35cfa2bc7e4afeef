/**
 * 村级 Village: one village's taps (variable `village`; `site`, several or all of its taps),
 * their turbidity, free chlorine and pressure with the pack limits drawn, colour (the yellow
 * water sign), the village's compliance, and its tickets as annotations. Pure.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import type { MetricName } from '../network/metrics.ts';
import { complianceFigures } from './compliance.ts';
import { tagVariable, ticketAnnotations, wallDashboard, type WallContext } from './dashboard.ts';
import { ident, influxql, literal, variable } from './influxql.ts';
import { band, cell, sideBySide } from './layout.ts';
import { limitsFor } from './limits.ts';
import { barGauge, stat, timeSeries } from './panels.ts';
import { activeTicketsQuery, complianceQuery, latestQuery, seriesQuery, siteKindIs } from './queries.ts';
import { countSteps, limitSteps, severityColour } from './thresholds.ts';
import { metricTitle, metricUnit, units } from './units.ts';

export const VILLAGE_UID = 'clearwater-village';

/** The village's chosen taps. */
const taps = [siteKindIs(['tap']), `${ident('village')} =~ ${variable('village')}`, `${ident('site')} =~ ${variable('site')}`];

function limitsText(context: WallContext, metric: MetricName): string {
  const limits = limitsFor(context.rules, metric, 'tap');
  if (limits.length === 0) return 'No pack sets a limit for it at taps.';
  return `Limits (dashed) from the rule packs: ${limits.map((l) => `${l.severity} ${l.side} ${l.level} (${l.ruleId}: ${l.source})`).join('; ')}.`;
}

function latest(context: WallContext, metric: MetricName): Panel {
  return stat({
    title: `当前${metricTitle(metric)} · $village`,
    description: `The latest reading of each chosen tap. ${limitsText(context, metric)}`,
    unit: metricUnit(metric),
    thresholds: limitSteps(limitsFor(context.rules, metric, 'tap')),
    colourMode: 'value',
    targets: [influxql(context.datasource, 'A', latestQuery(metric, taps, ['site']), { alias: '$tag_site' })],
  });
}

function overTime(context: WallContext, metric: MetricName): Panel {
  return timeSeries({
    title: `${metricTitle(metric)} · $village`,
    description: limitsText(context, metric),
    unit: metricUnit(metric),
    interval: '1m',
    drawLimits: true,
    thresholds: limitSteps(limitsFor(context.rules, metric, 'tap')),
    targets: [influxql(context.datasource, 'A', seriesQuery({ metric, where: taps, groupBy: ['site'] }), { alias: '$tag_site' })],
  });
}

function compliance(context: WallContext): Panel {
  const figures = complianceFigures(context.rules).filter((f) => f.siteKinds.includes('tap'));
  return barGauge({
    title: '本村合格率 Compliance at the village taps',
    description: 'The overview\'s network-end figures for the chosen taps of this village.',
    unit: units.percent,
    min: 0,
    max: 100,
    decimals: 1,
    thresholds: figures[0]?.thresholds,
    targets: figures.map((f, i) => influxql(context.datasource, String.fromCharCode(65 + i), complianceQuery({ band: f.band, where: taps }), { alias: f.title })),
  });
}

function activeTickets(context: WallContext): Panel {
  return stat({
    title: '本村未处理工单 Active tickets in the village',
    unit: units.count,
    noValue: '0',
    thresholds: countSteps(severityColour('warning')),
    targets: [influxql(context.datasource, 'A', activeTicketsQuery(context.tickets, { village: variable('village') }))],
  });
}

export function villageDashboard(context: WallContext): Dashboard {
  const metrics: MetricName[] = ['turbidity', 'free_chlorine', 'pressure'];
  return wallDashboard(context, {
    uid: VILLAGE_UID,
    title: '村级供水 Village taps',
    description: 'One village\'s taps: turbidity, free chlorine and pressure against the pack limits, colour, compliance, and the village\'s tickets as annotations.',
    variables: [
      tagVariable(context, { name: 'village', label: '村 Village', key: 'village', where: [`${ident('site_kind')} = ${literal('tap')}`] }),
      tagVariable(context, { name: 'site', label: '龙头 Tap', key: 'site', multi: true, where: [`${ident('village')} =~ ${variable('village')}`, `${ident('site_kind')} = ${literal('tap')}`] }),
    ],
    annotations: ticketAnnotations(context, [`${ident('village')} =~ ${variable('village')}`], '本村工单 Village tickets'),
    items: [
      ...sideBySide(5, [...metrics.map((m) => latest(context, m)), activeTickets(context)]),
      band(9, cell(24, overTime(context, 'turbidity'))),
      band(9, cell(12, overTime(context, 'free_chlorine')), cell(12, overTime(context, 'pressure'))),
      band(8, cell(12, compliance(context)), cell(12, overTime(context, 'color'))),
    ],
  });
}
