/**
 * 系统运行 Pipeline health, from the `pipeline` measurement every Clearwater process writes every
 * 10 s by default (`selfReportMs`; app/pipeline.ts: messages, readings_accepted, readings_rejected, write_errors,
 * spool_lines, spool_oldest_age_ms, rule_evaluations, counters since the process started) and
 * the active tickets from `ticket`. Pure.
 *
 * What the measurement does not carry, so the wall cannot show it: rejects by reason, the
 * notification outbox (pending, due, oldest due, sent and failed by channel: the
 * `clearwater_notify_*` gauges of /metrics, which Grafana reads only from a Prometheus), and
 * which instance wrote a point (no host tag: several instances' counters interleave). The
 * README of this folder lists the fields that would close these gaps.
 */
import { ThresholdsMode, type Dashboard, type Panel, type ThresholdsConfig } from '@grafana/schema';
import { severityName, ticketAnnotations, wallDashboard, type WallContext } from './dashboard.ts';
import { influxql } from './influxql.ts';
import { band, cell, sideBySide } from './layout.ts';
import { barGauge, stat, timeSeries } from './panels.ts';
import { activeTicketsQuery, pipelineGaugeQuery, pipelineIncreaseQuery, pipelineLatestQuery, pipelineRateQuery } from './queries.ts';
import { countSteps, OK_COLOUR, plainSteps, severityColour } from './thresholds.ts';
import { units } from './units.ts';

export const PIPELINE_UID = 'clearwater-pipeline';

/** Two self-reports at least: the points come every 10 s (the default `selfReportMs`). */
const INTERVAL = '20s';

/**
 * The spool's oldest line: orange past a minute, red past ten minutes, when InfluxDB has been
 * refusing or unreachable that long (the spool keeps every line; operational choice).
 */
const SPOOL_AGE_STEPS: ThresholdsConfig = {
  mode: ThresholdsMode.Absolute,
  steps: [
    { value: null, color: OK_COLOUR },
    { value: 60_000, color: severityColour('warning') },
    { value: 600_000, color: severityColour('critical') },
  ],
};

function rateStat(context: WallContext, title: string, field: string, description: string): Panel {
  return stat({ title, description, unit: units.perSecond, decimals: 1, interval: INTERVAL, sparkline: true, colourMode: 'value', targets: [influxql(context.datasource, 'A', pipelineRateQuery(field))] });
}

function gaugeStat(context: WallContext, title: string, field: string, unit: string, description: string, thresholds: ThresholdsConfig = plainSteps()): Panel {
  return stat({ title, description, unit, thresholds, noValue: '0', targets: [influxql(context.datasource, 'A', pipelineLatestQuery(field))] });
}

function writeErrors(context: WallContext): Panel {
  return stat({
    title: '写入错误 InfluxDB write errors',
    description: 'Failed InfluxDB writes in the time range (the spool keeps the lines and retries).',
    unit: units.count,
    calc: 'sum',
    interval: INTERVAL,
    noValue: '0',
    thresholds: countSteps(severityColour('warning')),
    targets: [influxql(context.datasource, 'A', pipelineIncreaseQuery('write_errors'))],
  });
}

function ingestRates(context: WallContext): Panel {
  const ds = context.datasource;
  return timeSeries({
    title: '接收速率 Ingest rate',
    description: 'Messages received, readings accepted and readings rejected per second. Rejects by reason are only in /metrics (clearwater_readings_rejected_total) and the dead-letter store.',
    unit: units.perSecond,
    interval: INTERVAL,
    targets: [
      influxql(ds, 'A', pipelineRateQuery('messages'), { alias: '消息 Messages' }),
      influxql(ds, 'B', pipelineRateQuery('readings_accepted'), { alias: '接收读数 Readings accepted' }),
      influxql(ds, 'C', pipelineRateQuery('readings_rejected'), { alias: '拒收读数 Readings rejected' }),
    ],
  });
}

function gaugeOverTime(context: WallContext, title: string, field: string, unit: string, description: string): Panel {
  return timeSeries({ title, description, unit, interval: INTERVAL, thresholds: plainSteps(), targets: [influxql(context.datasource, 'A', pipelineGaugeQuery(field), { alias: title })] });
}

function ruleEvaluations(context: WallContext): Panel {
  return timeSeries({
    title: '规则评估 Rule evaluations',
    description: 'Rule evaluations per second (one reading seen by one rule).',
    unit: units.perSecond,
    interval: INTERVAL,
    targets: [influxql(context.datasource, 'A', pipelineRateQuery('rule_evaluations'), { alias: '规则评估 Rule evaluations' })],
  });
}

function activeBySeverity(context: WallContext): Panel {
  const severities = [...context.severities].reverse();
  return barGauge({
    title: '未处理工单 Active tickets',
    unit: units.count,
    thresholds: plainSteps(),
    noValue: '0',
    targets: severities.map((severity, i) => influxql(context.datasource, String.fromCharCode(65 + i), activeTicketsQuery(context.tickets, { severity }), { alias: severityName(severity) })),
    overrides: severities.map((severity, i) => ({
      matcher: { id: 'byFrameRefID', options: String.fromCharCode(65 + i) },
      properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: severityColour(severity) } }],
    })),
  });
}

export function pipelineHealthDashboard(context: WallContext): Dashboard {
  return wallDashboard(context, {
    uid: PIPELINE_UID,
    title: '系统运行 Pipeline health',
    description:
      'Clearwater\'s own health from the pipeline measurement. Not in it, so not here: rejects by reason, the notification outbox (clearwater_notify_* in /metrics), ' +
      'and which instance reported (no host tag; several instances mix).',
    time: { from: 'now-6h', to: 'now' },
    annotations: ticketAnnotations(context),
    items: [
      ...sideBySide(5, [
        rateStat(context, '消息 Messages/s', 'messages', 'MQTT messages received per second.'),
        rateStat(context, '接收读数 Readings/s', 'readings_accepted', 'Readings accepted per second.'),
        rateStat(context, '拒收读数 Rejected/s', 'readings_rejected', 'Readings rejected per second (malformed, unknown metric, out of range, …).'),
        gaugeStat(context, '缓存积压 Spool lines', 'spool_lines', units.count, 'Lines in the spool not yet acknowledged by InfluxDB.'),
        gaugeStat(context, '最久积压 Oldest spooled', 'spool_oldest_age_ms', units.ms, 'Age of the oldest line in the spool: orange past a minute, red past ten (InfluxDB refusing or unreachable that long).', SPOOL_AGE_STEPS),
        writeErrors(context),
      ]),
      band(8, cell(12, ingestRates(context)), cell(6, gaugeOverTime(context, '缓存积压 Spool depth', 'spool_lines', units.count, 'Lines waiting in the spool.')), cell(6, gaugeOverTime(context, '积压时长 Spool age', 'spool_oldest_age_ms', units.ms, 'Age of the oldest spooled line.'))),
      band(8, cell(12, ruleEvaluations(context)), cell(12, activeBySeverity(context))),
    ],
  });
}
