/** Rule packs for tests that need one plain rule: tap turbidity above GB 5749-2022's 1 NTU. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TapTurbidityRule {
  readonly id?: string;
  readonly title?: string;
  readonly titleZh?: string;
  /** The critical level, NTU; null: warnings only. Default 4. */
  readonly critical?: number | null;
  /** How long the condition must hold, e.g. "2m"; default none. */
  readonly for?: string;
}

/** The YAML of a one-rule pack: a threshold on tap turbidity, warning above 1 NTU, clear below 0.8. */
export function tapTurbidityPack(rule: TapTurbidityRule = {}): string {
  const critical = rule.critical === undefined ? 4 : rule.critical;
  return [
    `pack: ${rule.id ?? 'tap-turbidity'}-test`,
    'description: One tap turbidity rule for a test',
    'rules:',
    `  - id: ${rule.id ?? 'tap-turbidity'}`,
    '    kind: threshold',
    `    title: ${rule.title ?? 'Tap turbidity high'}`,
    `    titleZh: ${rule.titleZh ?? '龙头水浑浊度超标'}`,
    '    source: GB 5749-2022 Table 1, turbidity ≤ 1 NTU',
    '    metric: turbidity',
    '    match: { siteKinds: [tap] }',
    '    direction: above',
    '    warning: 1',
    ...(critical === null ? [] : [`    critical: ${critical}`]),
    '    clear: 0.8',
    ...(rule.for === undefined ? [] : [`    for: ${rule.for}`]),
    '',
  ].join('\n');
}

/** Writes the pack into `dir`; resolves with its path. */
export async function writeTapTurbidityPack(dir: string, rule: TapTurbidityRule = {}): Promise<string> {
  const path = join(dir, `${rule.id ?? 'tap-turbidity'}.yaml`);
  await writeFile(path, tapTurbidityPack(rule));
  return path;
}
