import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRulePack, loadRulePackDir, rulePackFromYaml, rulesOf } from './pack.ts';

const packsDir = fileURLToPath(new URL('./packs/', import.meta.url));

describe('rule packs', async () => {
  const files = (await readdir(packsDir)).filter((name) => /\.ya?ml$/.test(name));

  it('ships at least the tap-water pack', () => {
    expect(files).toContain('tap-water.yaml');
  });

  it.each(files)('%s parses, every rule cites a source', async (name) => {
    const pack = await loadRulePack(packsDir + name);
    expect(`${pack.pack}.yaml`).toBe(name);
    for (const rule of pack.rules) expect(rule.source.length, rule.id).toBeGreaterThan(10);
  });

  it('rule ids are unique across all packs', async () => {
    const rules = rulesOf(await loadRulePackDir(packsDir));
    expect(rules.map((r) => r.id)).toContain('tap-turbidity');
  });

  it('tap-water has the levels of GB 5749-2022 Tables 1-2 and GB/T 32063-2015 §3.3.1', async () => {
    const pack = await loadRulePack(`${packsDir}tap-water.yaml`);
    const byId = new Map(pack.rules.map((r) => [r.id, r]));
    expect(byId.get('tap-turbidity')).toMatchObject({ metric: 'turbidity', direction: 'above', warning: 1, critical: 4, clear: 0.8, for: 120_000, match: { siteKinds: ['tap'] } });
    expect(byId.get('tap-free-chlorine-low')).toMatchObject({ metric: 'free_chlorine', direction: 'below', warning: 0.05 });
    expect(byId.get('tap-pressure-low')).toMatchObject({ metric: 'pressure', direction: 'below', warning: 140, match: { siteKinds: ['tap'] } });
  });

  it("bursts uses the practitioners' heuristic: ≥ 50 kPa within 5 minutes, cited as a heuristic", async () => {
    const pack = await loadRulePack(`${packsDir}bursts.yaml`);
    expect(pack.rules.map((r) => r.id)).toEqual(['main-pressure-drop', 'booster-pressure-drop', 'tap-pressure-drop']);
    for (const rule of pack.rules) {
      expect(rule, rule.id).toMatchObject({ kind: 'rate-of-change', metric: 'pressure', direction: 'drop', amount: 50, window: 300_000 });
      expect(rule.source, rule.id).toMatch(/heuristic/i);
    }
    expect(pack.rules[0]).toMatchObject({ match: { siteKinds: ['main'] }, confirm: { metric: 'flow', direction: 'rise', required: false } });
    expect(pack.rules[1]).toMatchObject({ match: { siteKinds: ['booster'] }, subject: 'device' });
  });

  it('sensor-health watches every device at 3 × its interval; its sensor rules inhibit process rules', async () => {
    const pack = await loadRulePack(`${packsDir}sensor-health.yaml`);
    const silent = pack.rules.find((r) => r.id === 'device-silent');
    expect(silent).toMatchObject({ kind: 'stale', intervals: 3, offline: 'open', subject: 'device' });
    expect(silent?.match).toBeUndefined();
    const sensorRules = pack.rules.filter((r) => r.kind === 'flatline' || r.kind === 'sensor-fault');
    expect(sensorRules.length).toBeGreaterThan(0);
    expect(sensorRules.every((r) => r.subject === 'device' && r.inhibit && r.severity === 'maintenance')).toBe(true);
  });

  it('sensor-health groups devices silent together, and device-silent waits a minute for it', async () => {
    const pack = await loadRulePack(`${packsDir}sensor-health.yaml`);
    expect(pack.rules.find((r) => r.id === 'device-silent')).toMatchObject({ wait: 60_000 });
    expect(pack.rules.find((r) => r.id === 'devices-silent-together')).toMatchObject({
      kind: 'flood',
      holds: ['device-silent'],
      scopes: ['network', 'township'],
      window: 600_000,
      settle: 45_000,
      minMembers: 10,
      answer: { township: 'township', network: 'county' },
    });
  });
});

describe('loading a broken pack', () => {
  const rule = (id: string, extra = '') => `
  - id: ${id}
    kind: threshold
    title: T
    titleZh: 标题
    source: GB 5749-2022 Table 1
    metric: turbidity
    direction: above${extra}`;

  it('lists every problem at once, with paths', () => {
    const text = `pack: broken\ndescription: d\nrules:${rule('a', '\n    warning: 1')}${rule('a', '\n    warning: 1')}${rule('b')}${rule('c', '\n    warning: 1\n    for: soon')}`;
    let message = '';
    try {
      rulePackFromYaml(text, 'broken.yaml');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('rule pack broken.yaml is invalid');
    expect(message).toContain('duplicate rule id "a"');
    expect(message).toContain('give a warning or a critical level');
    expect(message).toContain('"soon" is not a duration');
    expect(message).toMatch(/rules\[3\]\.for/);
  });

  it('rejects an unknown kind', () => {
    expect(() => rulePackFromYaml(`pack: p\ndescription: d\nrules:${rule('a').replace('threshold', 'sparkle')}`, 'p.yaml')).toThrow(/kind/);
  });

  it('reports YAML syntax errors', () => {
    expect(() => rulePackFromYaml('pack: [unclosed', 'bad.yaml')).toThrow(/bad.yaml is not valid YAML/);
  });

  it('refuses the same rule id in two packs', () => {
    const pack = rulePackFromYaml(`pack: p\ndescription: d\nrules:${rule('a', '\n    warning: 1')}`, 'p.yaml');
    expect(() => rulesOf([pack, { ...pack, pack: 'q' }])).toThrow('rule id "a" is in both packs p and q');
  });
});
