/**
 * 水厂 Plant: one treatment plant (variable `plant`; `zone`, hidden, the plant's supply zone):
 * raw water at the zone's intakes against the treated water leaving the plant, each filter's
 * effluent (`filter_turbidity`, one series per turbidimeter, against the plant-filters pack's
 * levels), the chlorine dose beside the residual it leaves, the outlet's free and total chlorine
 * and pH against GB 5749-2022 (the plant-outlet pack's limits), outlet flow and pressure, and
 * the clear-water reservoir. Pure.
 */
import type { Dashboard, Panel } from '@grafana/schema';
import { ScaleDistribution } from '@grafana/schema';
import type { SiteKind } from '../network/catalog.ts';
import type { MetricName } from '../network/metrics.ts';
import { tagVariable, ticketAnnotations, wallDashboard, type WallContext } from './dashboard.ts';
import { ident, influxql, literal, variable, type InfluxQLQuery } from './influxql.ts';
import { band, cell, sideBySide } from './layout.ts';
import { limitsFor } from './limits.ts';
import { stat, timeSeries } from './panels.ts';
import { latestQuery, seriesQuery, siteKindIs } from './queries.ts';
import { limitSteps } from './thresholds.ts';
import { metricLabels, metricTitle, metricUnit } from './units.ts';

export const PLANT_UID = 'clearwater-plant';

const plant = [siteKindIs(['plant']), `${ident('site')} =~ ${variable('plant')}`];
const inZone = (kind: SiteKind) => [siteKindIs([kind]), `${ident('zone')} =~ ${variable('zone')}`];

function limitsText(context: WallContext, metric: MetricName, kind: SiteKind): string {
  const limits = limitsFor(context.rules, metric, kind);
  return limits.length === 0 ? '' : ` Limits (dashed) from the rule packs: ${limits.map((l) => `${l.severity} ${l.side} ${l.level} (${l.ruleId}: ${l.source})`).join('; ')}.`;
}

function outletStat(context: WallContext, metric: MetricName): Panel {
  return stat({
    title: `出厂${metricTitle(metric)}`,
    description: `The plant outlet's latest reading.${limitsText(context, metric, 'plant')}`,
    unit: metricUnit(metric),
    thresholds: limitSteps(limitsFor(context.rules, metric, 'plant')),
    colourMode: 'value',
    sparkline: true,
    targets: [influxql(context.datasource, 'A', latestQuery(metric, plant))],
  });
}

interface SeriesPanel {
  readonly title: string;
  readonly metric: MetricName;
  /** The site kind whose limits are drawn. */
  readonly limitsAt?: SiteKind;
  readonly targets: readonly InfluxQLQuery[];
  readonly logScale?: boolean;
  /** What the panel shows, when the metric's own description does not say it. */
  readonly description?: string;
}

function series(context: WallContext, spec: SeriesPanel): Panel {
  const limits = spec.limitsAt ? limitsFor(context.rules, spec.metric, spec.limitsAt) : [];
  const panel = timeSeries({
    title: spec.title,
    description: `${spec.description ?? `${metricLabels[spec.metric].en}.`}${spec.limitsAt ? limitsText(context, spec.metric, spec.limitsAt) : ''}`,
    unit: metricUnit(spec.metric),
    interval: '1m',
    drawLimits: limits.length > 0,
    thresholds: limitSteps(limits),
    targets: spec.targets,
  });
  const custom = panel.fieldConfig?.defaults.custom;
  if (spec.logScale && custom) custom.scaleDistribution = { type: ScaleDistribution.Log, log: 10 };
  return panel;
}

export function plantDashboard(context: WallContext): Dashboard {
  const ds = context.datasource;
  const q = (refId: string, metric: MetricName, where: readonly string[], alias: string, groupBy: readonly string[] = ['site']) => influxql(ds, refId, seriesQuery({ metric, where, groupBy }), { alias });
  return wallDashboard(context, {
    uid: PLANT_UID,
    title: '水厂 Treatment plant',
    description:
      'One plant: raw against treated turbidity, each filter\'s effluent, the chlorine dose and the residual it leaves, outlet chlorine and pH against GB 5749-2022, outlet flow and pressure, the clear-water reservoir.',
    variables: [
      tagVariable(context, { name: 'plant', label: '水厂 Plant', key: 'site', where: [`${ident('site_kind')} = ${literal('plant')}`] }),
      tagVariable(context, { name: 'zone', label: '供水区 Zone', key: 'zone', where: [`${ident('site')} =~ ${variable('plant')}`], hide: true }),
    ],
    annotations: ticketAnnotations(context, [`${ident('site')} =~ ${variable('plant')}`], '水厂工单 Plant tickets'),
    items: [
      ...sideBySide(5, (['turbidity', 'free_chlorine', 'ph', 'flow', 'pressure'] as const).map((m) => outletStat(context, m))),
      band(
        9,
        cell(
          24,
          series(context, {
            title: '原水与出厂水浑浊度 Raw vs treated turbidity',
            metric: 'turbidity',
            limitsAt: 'plant',
            logScale: true,
            targets: [q('A', 'turbidity', inZone('source'), '原水 Raw · $tag_site'), q('B', 'turbidity', plant, '出厂水 Treated · $tag_site')],
          }),
        ),
      ),
      band(
        9,
        cell(
          12,
          series(context, {
            title: '各滤池出水浑浊度 Filter effluent turbidity',
            metric: 'filter_turbidity',
            limitsAt: 'plant',
            description: "Each filter's effluent, one series per filter-effluent turbidimeter: a filter breaking through shows here before the blended outlet does.",
            targets: [q('A', 'filter_turbidity', plant, '$tag_device', ['device'])],
          }),
        ),
        cell(
          12,
          series(context, {
            title: '投氯量与出厂余氯 Chlorine dose and residual',
            metric: 'chlorine_dose',
            description: 'The chlorine dose applied against the free chlorine it leaves at the outlet: the gap is what the water consumed in contact; a falling dose with a falling residual is a dosing failure, a steady dose with a falling residual a rising demand.',
            targets: [q('A', 'chlorine_dose', plant, '投氯量 Dose · $tag_site'), q('B', 'free_chlorine', plant, '出厂游离氯 Residual · $tag_site')],
          }),
        ),
      ),
      band(
        9,
        cell(12, series(context, { title: '出厂水余氯 Outlet chlorine', metric: 'free_chlorine', limitsAt: 'plant', targets: [q('A', 'free_chlorine', plant, '游离氯 Free · $tag_site'), q('B', 'total_chlorine', plant, '总氯 Total · $tag_site')] })),
        cell(12, series(context, { title: '出厂水pH Outlet pH', metric: 'ph', limitsAt: 'plant', targets: [q('A', 'ph', plant, '$tag_site')] })),
      ),
      band(
        9,
        cell(12, series(context, { title: '出厂流量 Outlet flow', metric: 'flow', targets: [q('A', 'flow', plant, '$tag_site')] })),
        cell(12, series(context, { title: '出厂压力 Outlet pressure', metric: 'pressure', limitsAt: 'plant', targets: [q('A', 'pressure', plant, '$tag_site')] })),
      ),
      band(
        8,
        cell(12, series(context, { title: '清水池液位 Clear-water reservoir level', metric: 'level', targets: [q('A', 'level', inZone('reservoir'), '$tag_site')] })),
        cell(12, series(context, { title: '清水池余氯 Reservoir free chlorine', metric: 'free_chlorine', targets: [q('A', 'free_chlorine', inZone('reservoir'), '$tag_site')] })),
      ),
    ],
  });
}
