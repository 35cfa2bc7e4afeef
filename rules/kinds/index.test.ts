import { describe, expect, it } from 'vitest';
import { ruleKinds, ruleSchema } from './index.ts';

const base = { title: 'T', titleZh: '标题', source: 'GB 5749-2022 Table 1' };
/** A valid rule of each kind that has a site subject (stale is always per device), with `inhibit: true`. */
const inhibitingOnSite = [
  { ...base, id: 'a', kind: 'threshold', metric: 'turbidity', direction: 'above', warning: 1 },
  { ...base, id: 'b', kind: 'rate-of-change', metric: 'pressure', direction: 'drop', amount: 50, window: '5m' },
  { ...base, id: 'd', kind: 'flatline', metric: 'turbidity' },
  { ...base, id: 'e', kind: 'sensor-fault', metric: 'turbidity', fault: 'range', range: { max: 4000 } },
].map((rule) => ({ ...rule, inhibit: true }));

describe('rule schema, shared checks', () => {
  it.each(inhibitingOnSite)('refuses `inhibit` without `subject: device` for kind $kind', (rule) => {
    const parsed = ruleSchema.safeParse(rule);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error.issues.map((i) => i.message).join('\n')).toContain('must have `subject: device`');
    expect(ruleSchema.safeParse({ ...rule, subject: 'device' }).success).toBe(true);
  });

  it('lists every kind in the registry', () => {
    expect(Object.keys(ruleKinds).sort()).toEqual(['anomaly', 'compound', 'flatline', 'flood', 'range', 'rate-of-change', 'sensor-fault', 'stale', 'threshold']);
  });
});
