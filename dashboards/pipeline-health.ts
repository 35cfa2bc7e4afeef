/**
 * 系统运行 Pipeline health, from the `pipeline` measurement every Clearwater process writes every
 * 10 s by default (`selfReportMs`; app/self-report.ts names the fields: messages, readings
 * accepted and rejected, rejects by reason, the spool, write errors, rule evaluations and the
 * notification outbox), tagged with the process (`instance`), and the active tickets from
 * `ticket`. Counters are taken per instance and summed; the outbox, shared by every instance on
 * one ticket store, by its maximum (dashboards/queries.ts). Pure.
 */
import { ThresholdsMode, type Dashboard, type Panel, type ThresholdsConfig } from '@grafana/schema';
import { severityName, ticketAnnotations, wallDashboard, type WallContext } from './dashboard.ts';
import { influxql } from './influxql.ts';
import { band, cell, sideBySide } from './layout.ts';
import { barGauge, stat, timeSeries } from './panels.ts';
import { activeTicketsQuery, pipelineGaugeQuery, pipelineIncreaseQuery, pipelineLatestQuery, pipelineRateQuery, rejectsByReasonQuery, storeGaugeQuery, storeLatestQuery } from './queries.ts';
import { countSteps, OK_COLOUR, plainSteps, severityColour } from './thresholds.ts';
import { units } from './units.ts';

export const PIPELINE_UID = 'clearwater-pipeline';

/** Two self-reports at least: the points come every 10 s (the default `selfReportMs`). */
const INTERVAL = '20s';

/**
 * How long the oldest line has waited in the spool, or the oldest due notice in the outbox: orange
 * past a minute, red past ten minutes, when InfluxDB or a notification channel has been refusing
 * or unreachable that long (both keep everything and retry; operational choice).
 */
const AGE_STEPS: ThresholdsConfig = {
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

/** A latest value: a process gauge (`pipelineLatestQuery`) or a figure of the shared store (`storeLatestQuery`). */
function latestStat(context: WallContext, title: string, query: string, unit: string, description: string, thresholds: ThresholdsConfig = plainSteps()): Panel {
  return stat({ title, description, unit, thresholds, noValue: '0', targets: [influxql(context.datasource, 'A', query)] });
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
    description: 'Messages received, readings accepted and readings rejected per second, all instances together.',
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

/** Each reason a line of its own: `rejected_out_of_range` → `out_of_range` (ingest/README.md, "Rejection reasons"). */
function rejectsByReason(context: WallContext): Panel {
  return timeSeries({
    title: '拒收原因 Rejects by reason',
    description: 'Readings or messages rejected per second, by reason (each is dead-lettered with it: `clearwater deadletters list --reason`).',
    unit: units.perSecond,
    interval: INTERVAL,
    targets: [influxql(context.datasource, 'A', rejectsByReasonQuery(), { alias: '$col' })],
    transformations: [{ id: 'renameByRegex', options: { regex: '^.*rejected_(.+)$', renamePattern: '$1' } }],
  });
}

function noticeBacklog(context: WallContext): Panel {
  const ds = context.datasource;
  return timeSeries({
    title: '通知积压 Notification backlog',
    description: 'Notices waiting in the outbox (due or not), and those a sender may take now. Shared by every instance on one ticket store.',
    unit: units.count,
    interval: INTERVAL,
    thresholds: plainSteps(),
    targets: [
      influxql(ds, 'A', storeGaugeQuery('notify_pending'), { alias: '待发 Waiting' }),
      influxql(ds, 'B', storeGaugeQuery('notify_due'), { alias: '可发 Due now' }),
    ],
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
    description: 'Clearwater\'s own health: ingest, rejects, the spool, rules, tickets and the notification outbox, from the pipeline measurement.',
    time: { from: 'now-6h', to: 'now' },
    annotations: ticketAnnotations(context),
    items: [
      ...sideBySide(5, [
        rateStat(context, '消息 Messages/s', 'messages', 'MQTT messages received per second.'),
        rateStat(context, '接收读数 Readings/s', 'readings_accepted', 'Readings accepted per second.'),
        rateStat(context, '拒收读数 Rejected/s', 'readings_rejected', 'Readings rejected per second (malformed, unknown metric, out of range, …).'),
        latestStat(context, '缓存积压 Spool lines', pipelineLatestQuery('spool_lines'), units.count, 'Lines in the spool not yet acknowledged by InfluxDB.'),
        latestStat(context, '最久积压 Oldest spooled', pipelineLatestQuery('spool_oldest_age_ms'), units.ms, 'Age of the oldest line in the spool: orange past a minute, red past ten (InfluxDB refusing or unreachable that long).', AGE_STEPS),
        writeErrors(context),
      ]),
      band(8, cell(12, ingestRates(context)), cell(6, gaugeOverTime(context, '缓存积压 Spool depth', 'spool_lines', units.count, 'Lines waiting in the spool.')), cell(6, gaugeOverTime(context, '积压时长 Spool age', 'spool_oldest_age_ms', units.ms, 'Age of the oldest spooled line.'))),
      band(8, cell(12, rejectsByReason(context)), cell(12, ruleEvaluations(context))),
      ...sideBySide(5, [
        latestStat(context, '待发通知 Notices waiting', storeLatestQuery('notify_pending'), units.count, 'Notices in the outbox not yet delivered (due or not).'),
        latestStat(context, '最久待发 Oldest due notice', storeLatestQuery('notify_oldest_due_ms'), units.ms, 'How long the oldest due notice has waited: orange past a minute, red past ten (a channel refusing or unreachable that long).', AGE_STEPS),
        latestStat(context, '发送失败 Failed notices', storeLatestQuery('notify_failed'), units.count, 'Notices given up for good, kept with their reason; a dispatcher sends one again from its ticket (POST /api/tickets/:id/deliveries/:delivery/resend).', countSteps(severityColour('warning'))),
      ]),
      band(8, cell(12, noticeBacklog(context)), cell(12, activeBySeverity(context))),
    ],
  });
}
