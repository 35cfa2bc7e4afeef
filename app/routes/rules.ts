/**
 * `GET /api/rules`: the loaded rules as the console shows them: id, titles, metric, the levels
 * where a rule has them (warning, critical; a range's low and high), and the citation. The
 * console draws a ticket's limit on its chart from here.
 */
import type { FastifyInstance } from 'fastify';
import type { Rule } from '../../rules/kinds/index.ts';
import type { Gate } from './gate.ts';

export interface RuleView {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
  readonly titleZh: string;
  readonly source: string;
  readonly metric: string | undefined;
  /** The levels to draw: a threshold's warning and critical, a range's band and critical sides. */
  readonly limits: readonly { readonly level: 'warning' | 'critical'; readonly value: number }[];
}

/** What the console needs of a rule. Pure. */
export function ruleView(rule: Rule): RuleView {
  const fields = rule as unknown as Record<string, unknown>;
  const limits: { level: 'warning' | 'critical'; value: number }[] = [];
  for (const level of ['warning', 'critical'] as const) {
    const value = fields[level];
    if (typeof value === 'number') limits.push({ level, value });
    else if (value && typeof value === 'object') for (const side of Object.values(value as Record<string, unknown>)) if (typeof side === 'number') limits.push({ level, value: side });
  }
  return { id: rule.id, kind: rule.kind, title: rule.title, titleZh: rule.titleZh, source: rule.source, metric: typeof fields.metric === 'string' ? fields.metric : undefined, limits };
}

export function registerRuleRoutes(app: FastifyInstance, deps: { gate: Gate; rules: () => readonly Rule[] }): void {
  app.get('/api/rules', async (request, reply) => {
    if (!deps.gate(request, reply, 'read')) return reply;
    return { rules: deps.rules().map(ruleView) };
  });
}
