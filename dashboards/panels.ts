/**
 * Panel factories shared by every dashboard: a stat, a time series, a bar gauge and a table,
 * each with the options type of its Grafana plugin (@grafana/schema's panelcfg types), so an
 * option Grafana does not know fails to compile. Every panel has a title, a unit and InfluxQL
 * targets on the one data source; the layout (layout.ts) gives it its place and id. Pure.
 */
import {
  BarGaugeDisplayMode,
  BarGaugeNamePlacement,
  BarGaugeSizing,
  BarGaugeValueMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  FieldColorModeId,
  GraphDrawStyle,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  PercentChangeColorMode,
  SortOrder,
  TableCellDisplayMode,
  TableCellHeight,
  TooltipDisplayMode,
  VizOrientation,
  type DataSourceRef,
  type DataTransformerConfig,
  type FieldConfigSource,
  type Panel,
  type ThresholdsConfig,
  type ValueMapping,
} from '@grafana/schema';
import type { Options as BarGaugeOptions } from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as TableOptions, FieldConfig as TableFieldConfig } from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type { FieldConfig as TimeSeriesFieldConfig, Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type { InfluxQLQuery } from './influxql.ts';
import { plainSteps } from './thresholds.ts';

export type Overrides = FieldConfigSource['overrides'];

/** What every panel states. */
export interface PanelSpec {
  /** "中文 English". */
  readonly title: string;
  readonly description?: string;
  /** A Grafana unit id (units.ts). */
  readonly unit: string;
  readonly targets: readonly InfluxQLQuery[];
  readonly thresholds?: ThresholdsConfig;
  readonly decimals?: number;
  readonly min?: number;
  readonly max?: number;
  readonly mappings?: readonly ValueMapping[];
  readonly overrides?: Overrides;
  /** Shown when a query returns nothing, e.g. "0" for a count of none. */
  readonly noValue?: string;
  /** The lowest $__interval, e.g. the devices' reporting interval ("1m"). */
  readonly interval?: string;
  /** Shift the panel's time range back, e.g. "1d" for the day before. */
  readonly timeShift?: string;
  /** Repeat the panel for each value of this template variable. */
  readonly repeat?: string;
  readonly transformations?: readonly DataTransformerConfig[];
}

function datasourceOf(spec: PanelSpec): DataSourceRef {
  const first = spec.targets[0];
  if (!first) throw new Error(`panel "${spec.title}" has no query`);
  return first.datasource;
}

/** The fields every panel shares; `custom` holds the plugin's own field options. */
function base(type: string, spec: PanelSpec, options: object, custom?: object): Panel {
  return {
    type,
    title: spec.title,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    datasource: datasourceOf(spec),
    targets: spec.targets.map((target) => ({ ...target })),
    ...(spec.interval === undefined ? {} : { interval: spec.interval }),
    ...(spec.timeShift === undefined ? {} : { timeShift: spec.timeShift }),
    ...(spec.repeat === undefined ? {} : { repeat: spec.repeat, repeatDirection: 'h' as const }),
    ...(spec.transformations === undefined ? {} : { transformations: [...spec.transformations] }),
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        thresholds: spec.thresholds ?? plainSteps(),
        color: { mode: FieldColorModeId.Thresholds },
        ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
        ...(spec.min === undefined ? {} : { min: spec.min }),
        ...(spec.max === undefined ? {} : { max: spec.max }),
        ...(spec.noValue === undefined ? {} : { noValue: spec.noValue }),
        mappings: [...(spec.mappings ?? [])],
        ...(custom === undefined ? {} : { custom: { ...custom } }),
      },
      overrides: [...(spec.overrides ?? [])],
    },
    options: { ...options },
  };
}

export interface StatSpec extends PanelSpec {
  /** Which value of each series: the last (default) or e.g. the mean. */
  readonly calc?: 'lastNotNull' | 'mean' | 'sum' | 'max';
  /** Colour the whole panel (the wall's big figures) or the value only. */
  readonly colourMode?: 'background' | 'value';
  readonly sparkline?: boolean;
}

/** A big figure, readable from across the room: the value on its colour. */
export function stat(spec: StatSpec): Panel {
  const options: StatOptions = {
    reduceOptions: { calcs: [spec.calc ?? 'lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Auto,
    textMode: BigValueTextMode.Auto,
    colorMode: spec.colourMode === 'value' ? BigValueColorMode.Value : BigValueColorMode.Background,
    graphMode: spec.sparkline ? BigValueGraphMode.Area : BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Center,
    wideLayout: true,
    showPercentChange: false,
    percentChangeColorMode: PercentChangeColorMode.Standard,
  };
  return base('stat', spec, options);
}

export interface TimeSeriesSpec extends PanelSpec {
  /** Draw the thresholds (the pack limits) as dashed lines. */
  readonly drawLimits?: boolean;
}

/** Readings over time, one line per series; the limits drawn when the thresholds are the pack's. */
export function timeSeries(spec: TimeSeriesSpec): Panel {
  const options: TimeSeriesOptions = {
    legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  };
  const custom: TimeSeriesFieldConfig = {
    drawStyle: GraphDrawStyle.Line,
    lineWidth: 2,
    fillOpacity: 0,
    spanNulls: false,
    thresholdsStyle: { mode: spec.drawLimits ? GraphThresholdsStyleMode.Dashed : GraphThresholdsStyleMode.Off },
  };
  // Lines take the palette; the thresholds only draw the limits.
  const panel = base('timeseries', spec, options, custom);
  const defaults = panel.fieldConfig?.defaults;
  if (defaults) defaults.color = { mode: FieldColorModeId.PaletteClassic };
  return panel;
}

/** One bar per series (per village, per severity), coloured by the thresholds. */
export function barGauge(spec: PanelSpec & { readonly calc?: 'lastNotNull' | 'mean' }): Panel {
  const options: BarGaugeOptions = {
    reduceOptions: { calcs: [spec.calc ?? 'lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Horizontal,
    displayMode: BarGaugeDisplayMode.Basic,
    valueMode: BarGaugeValueMode.Color,
    namePlacement: BarGaugeNamePlacement.Left,
    showUnfilled: true,
    sizing: BarGaugeSizing.Auto,
    minVizHeight: 16,
    minVizWidth: 8,
    maxVizHeight: 300,
    legend: { showLegend: false, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
  };
  return base('bargauge', spec, options);
}

/** Rows of a query in table format (`resultFormat: table`). */
export function table(spec: PanelSpec & { readonly sortBy?: { readonly displayName: string; readonly desc: boolean } }): Panel {
  const options: TableOptions = {
    showHeader: true,
    frameIndex: 0,
    cellHeight: TableCellHeight.Md,
    ...(spec.sortBy === undefined ? {} : { sortBy: [{ ...spec.sortBy }] }),
  };
  const custom: TableFieldConfig = { align: 'auto', cellOptions: { type: TableCellDisplayMode.ColorText }, inspect: false };
  return base('table', spec, options, custom);
}
