/**
 * The compliance figures of the wall: the share of readings inside the limits the packs set, at
 * the sites the limits are for. Each figure names its band's source (the rules and their
 * citations) in its panel description. A figure whose limits no loaded pack gives is left out.
 * Pure.
 */
import { ThresholdsMode, type ThresholdsConfig } from '@grafana/schema';
import type { SiteKind } from '../network/catalog.ts';
import { metrics, type MetricName } from '../network/metrics.ts';
import { complianceBand, type ComplianceBand, type LimitRule } from './limits.ts';
import { OK_COLOUR, severityColour, targetSteps } from './thresholds.ts';

/** GB/T 32063-2015 §3.3.2: the pressure compliance rate of the network (管网压力合格率) ≥ 97 %. */
export const PRESSURE_COMPLIANCE_TARGET = 97;

/**
 * GB 5749-2022 sets a limit for every sample, not a share of online readings that may miss it;
 * the wall's colours for a water-quality share are an operational choice: green when every
 * reading met the limit, orange below 100 %, red below 95 %.
 */
export const QUALITY_SHARE_STEPS: ThresholdsConfig = {
  mode: ThresholdsMode.Absolute,
  steps: [
    { value: null, color: severityColour('critical') },
    { value: 95, color: severityColour('warning') },
    { value: 100, color: OK_COLOUR },
  ],
};

export interface ComplianceFigure {
  readonly key: string;
  /** "中文 English", the band appended. */
  readonly title: string;
  readonly band: ComplianceBand;
  readonly siteKinds: readonly SiteKind[];
  readonly thresholds: ThresholdsConfig;
  readonly description: string;
}

interface FigureSpec {
  readonly key: string;
  readonly zh: string;
  readonly en: string;
  readonly metric: MetricName;
  readonly siteKind: SiteKind;
  readonly pressure?: boolean;
}

/** The figures of the overview, in the order the wall shows them. */
const figureSpecs: readonly FigureSpec[] = [
  { key: 'pressure-network-ends', zh: '管网末梢压力合格率', en: 'Network-end pressure', metric: 'pressure', siteKind: 'tap', pressure: true },
  { key: 'turbidity-taps', zh: '龙头水浑浊度达标率', en: 'Tap turbidity', metric: 'turbidity', siteKind: 'tap' },
  { key: 'chlorine-taps', zh: '管网末梢余氯达标率', en: 'Network-end free chlorine', metric: 'free_chlorine', siteKind: 'tap' },
  { key: 'chlorine-plant-outlets', zh: '出厂水余氯达标率', en: 'Plant-outlet free chlorine', metric: 'free_chlorine', siteKind: 'plant' },
];

function bandLabel(band: ComplianceBand): string {
  const unit = metrics[band.metric].unit;
  if (band.min !== undefined && band.max !== undefined) return `${band.min}–${band.max} ${unit}`;
  return band.min !== undefined ? `≥ ${band.min} ${unit}` : `≤ ${band.max} ${unit}`;
}

function describe(spec: FigureSpec, band: ComplianceBand): string {
  const sources = band.limits.map((l) => `${l.ruleId}: ${l.source}`).join('; ');
  const target = spec.pressure
    ? `Target ≥ ${PRESSURE_COMPLIANCE_TARGET} % (GB/T 32063-2015 §3.3.2, a monthly figure: pick "This month" in the time picker; bursts are not excluded here).`
    : 'GB 5749-2022 sets the limit for every sample; the colours are the wall\'s choice (green 100 %, orange below, red below 95 %).';
  return `Share of readings at sites of kind ${spec.siteKind} within ${bandLabel(band)} over the time range. Limits from the rule packs (${sources}). ${target}`;
}

export function complianceFigures(rules: readonly LimitRule[]): ComplianceFigure[] {
  return figureSpecs.flatMap((spec) => {
    const band = complianceBand(rules, spec.metric, spec.siteKind);
    if (!band) return [];
    return [
      {
        key: spec.key,
        title: `${spec.zh} ${spec.en} ${bandLabel(band)}`,
        band,
        siteKinds: [spec.siteKind],
        thresholds: spec.pressure ? targetSteps(PRESSURE_COMPLIANCE_TARGET) : QUALITY_SHARE_STEPS,
        description: describe(spec, band),
      },
    ];
  });
}
