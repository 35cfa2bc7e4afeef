/**
 * Grafana's unit of every canonical unit of the metric registry (network/metrics.ts), and the
 * Chinese and English name of every metric. Grafana's unit ids are those of its value formats
 * (grafana/grafana packages/grafana-data/src/valueFormats/categories.ts); where it has none for
 * a unit of water practice (NTU, mg/L, m³/h, Pt-Co, µS/cm), a custom `suffix:` unit shows the
 * registry's own symbol.
 */
import { metrics, type MetricName } from '../network/metrics.ts';

type CanonicalUnit = (typeof metrics)[MetricName]['unit'];

/** Every canonical unit of the registry has one; a unit added there fails to compile here. */
export const grafanaUnits = {
  NTU: 'suffix: NTU',
  kPa: 'pressurekpa',
  // Grafana's "mg/m³"/"g/m³" are air-quality units; mg/L is written as water practice writes it.
  'mg/L': 'suffix: mg/L',
  // pH is dimensionless; the prefix reads as "pH 7.4" on a stat panel.
  pH: 'prefix:pH ',
  '°C': 'celsius',
  'µS/cm': 'suffix: µS/cm',
  mV: 'mvolt',
  'Pt-Co': 'suffix: Pt-Co',
  // Grafana's flow units are m³/s and L/h; the registry and the plants count m³/h.
  'm³/h': 'suffix: m³/h',
  m: 'lengthm',
} as const satisfies Record<CanonicalUnit, string>;

export function metricUnit(metric: MetricName): string {
  return grafanaUnits[metrics[metric].unit];
}

/** Units of the wall's own figures. */
export const units = {
  percent: 'percent',
  count: 'none',
  perSecond: 'suffix: /s',
  ms: 'ms',
  timeAgo: 'dateTimeFromNow',
} as const;

export const metricLabels = {
  turbidity: { zh: '浑浊度', en: 'Turbidity' },
  filter_turbidity: { zh: '滤后水浑浊度', en: 'Filter effluent turbidity' },
  pressure: { zh: '压力', en: 'Pressure' },
  free_chlorine: { zh: '游离氯', en: 'Free chlorine' },
  total_chlorine: { zh: '总氯', en: 'Total chlorine' },
  chlorine_dose: { zh: '投氯量', en: 'Chlorine dose' },
  ph: { zh: 'pH', en: 'pH' },
  temperature: { zh: '水温', en: 'Temperature' },
  conductivity: { zh: '电导率', en: 'Conductivity' },
  orp: { zh: '氧化还原电位', en: 'ORP' },
  color: { zh: '色度', en: 'Colour' },
  iron: { zh: '铁', en: 'Iron' },
  manganese: { zh: '锰', en: 'Manganese' },
  toc: { zh: '总有机碳', en: 'TOC' },
  flow: { zh: '流量', en: 'Flow' },
  level: { zh: '液位', en: 'Level' },
} as const satisfies Record<MetricName, { zh: string; en: string }>;

/** "浑浊度 Turbidity", the way every title on the wall reads: Chinese, then English. */
export function metricTitle(metric: MetricName): string {
  const { zh, en } = metricLabels[metric];
  return zh === en ? zh : `${zh} ${en}`;
}
