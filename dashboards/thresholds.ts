/**
 * Colours of the wall: a reading's colour from the limits of the rule packs, a share's colour
 * from its target, a ticket count's colour from its severity. Grafana colours a value with the
 * last step whose value it reaches (`value >= step.value`, the first step from -Infinity,
 * written as null: packages/grafana-schema ThresholdsConfig). Pure.
 */
import { ThresholdsMode, type Threshold, type ThresholdsConfig } from '@grafana/schema';
import type { Limit } from './limits.ts';

export const OK_COLOUR = 'green';

/** Ticket severities as the console and the notices colour them. */
export function severityColour(severity: string): string {
  if (severity === 'critical') return 'red';
  if (severity === 'warning') return 'orange';
  return 'blue';
}

function colourAt(limits: readonly Limit[], value: number): string {
  const past = (side: Limit['side'], severity: Limit['severity']) =>
    limits.some((l) => l.side === side && l.severity === severity && (side === 'above' ? value > l.level : value < l.level));
  if (past('below', 'critical') || past('above', 'critical')) return severityColour('critical');
  if (past('below', 'warning') || past('above', 'warning')) return severityColour('warning');
  return OK_COLOUR;
}

/**
 * Steps that colour a reading as the rules judge it: green inside every limit, orange past a
 * warning level, red past a critical one, on either side. A rule fires strictly past its level;
 * Grafana's steps start at the level itself, so a reading exactly at an upper level shows the
 * colour of just above it.
 */
export function limitSteps(limits: readonly Limit[]): ThresholdsConfig {
  const levels = [...new Set(limits.map((l) => l.level))].sort((a, b) => a - b);
  const first = levels[0];
  if (first === undefined) return { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: OK_COLOUR }] };
  const steps: Threshold[] = [{ value: null, color: colourAt(limits, first - 1) }];
  levels.forEach((level, i) => {
    const next = levels[i + 1];
    const colour = colourAt(limits, next === undefined ? level + 1 : (level + next) / 2);
    if (colour !== steps.at(-1)?.color) steps.push({ value: level, color: colour });
  });
  return { mode: ThresholdsMode.Absolute, steps };
}

/** A share in percent against its target: red below, green from the target on. */
export function targetSteps(targetPercent: number): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: [
      { value: null, color: severityColour('critical') },
      { value: targetPercent, color: OK_COLOUR },
    ],
  };
}

/** A count of something that should be none: green at 0, the colour from 1 on. */
export function countSteps(colour: string): ThresholdsConfig {
  return {
    mode: ThresholdsMode.Absolute,
    steps: [
      { value: null, color: OK_COLOUR },
      { value: 1, color: colour },
    ],
  };
}

/** One colour for every value (a figure with no judgement, e.g. a flow). */
export function plainSteps(colour = 'text'): ThresholdsConfig {
  return { mode: ThresholdsMode.Absolute, steps: [{ value: null, color: colour }] };
}
