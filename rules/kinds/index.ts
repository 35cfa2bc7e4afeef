/**
 * The registry of rule kinds. Adding a kind (rate-of-change, stale, anomaly, compound, flood …) is one
 * file in this folder plus one line here and one schema in `ruleSchema`; nothing registers
 * itself by import side effect.
 */
import { z } from 'zod';
import { baseProblems, type RuleKind } from './kind.ts';
import { anomaly, anomalySchema } from './anomaly.ts';
import { compound, compoundSchema } from './compound.ts';
import { range, rangeSchema } from './range.ts';
import { flatline, flatlineSchema } from './flatline.ts';
import { flood, floodSchema } from './flood.ts';
import { rateOfChange, rateOfChangeSchema } from './rate-of-change.ts';
import { sensorFault, sensorFaultSchema } from './sensor-fault.ts';
import { stale, staleSchema } from './stale.ts';
import { threshold, thresholdSchema } from './threshold.ts';

export const ruleKinds = {
  threshold,
  anomaly,
  'rate-of-change': rateOfChange,
  stale,
  flatline,
  'sensor-fault': sensorFault,
  compound,
  range,
  flood,
} satisfies Record<string, RuleKind>;
export type RuleKindName = keyof typeof ruleKinds;

/** Any rule of any kind, told apart by `kind`. */
export const ruleSchema = z.discriminatedUnion('kind', [
  thresholdSchema,
  anomalySchema,
  rateOfChangeSchema,
  staleSchema,
  flatlineSchema,
  sensorFaultSchema,
  compoundSchema,
  rangeSchema,
  floodSchema,
]).superRefine((rule, ctx) => {
  // What every kind shares is checked here once, so no kind can forget it.
  for (const [path, message] of baseProblems(rule)) ctx.addIssue({ code: 'custom', path, message });
});
export type Rule = z.infer<typeof ruleSchema>;

/** The kind of a rule, typed over the union of all rule configs (see RuleKind's method note). */
export function kindOf(rule: Rule): RuleKind<Rule, unknown> {
  return ruleKinds[rule.kind];
}

export type { Decision, DeviceWatch, Evaluation, GroupDeviceView, GroupScope, GroupView, GroupWatch, KindInput, ResumedTicket, RuleBase, RuleKind, RuleMatch, WatchedDevice, Worst, ZoneListen, ZoneSignal, ZoneView } from './kind.ts';
