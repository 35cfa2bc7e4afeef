/**
 * Superseding: a rule that names a more specific diagnosis (`tap-yellow-water`: turbidity with
 * colour or iron, or after a pressure step) lists the rules it covers (`supersedes:
 * [tap-turbidity]`). While it fires at a site, the covered rules open no ticket at that site, and
 * a covered ticket already open there is resolved with a note naming the superseding ticket: one
 * incident, one ticket, as the alarm-load targets of ANSI/ISA-18.2-2016 ask of alarm systems and
 * as Alertmanager's inhibition does with a source and target alert sharing labels.
 *
 * Covered rules keep evaluating, so when the superseding rule resolves while the covered
 * condition still holds, its next reading opens (or, within the cool-down, reopens) its own
 * ticket. Coverage follows the superseding fingerprints' state, like inhibition; `start()`
 * covers again from their open tickets. Site-subject rules only (both sides), checked when the
 * engine is created.
 */
export class Coverage {
  /** `${ruleId}/${site}` of a covered rule → the superseding fingerprints covering it there. */
  private readonly covered = new Map<string, Set<string>>();

  /** The superseding fingerprint fires at `site`: cover `ruleIds` there. Returns those newly covered. */
  cover(fingerprint: string, site: string, ruleIds: readonly string[]): string[] {
    const fresh: string[] = [];
    for (const ruleId of ruleIds) {
      const key = `${ruleId}/${site}`;
      const by = this.covered.get(key);
      if (by === undefined) {
        this.covered.set(key, new Set([fingerprint]));
        fresh.push(ruleId);
      } else by.add(fingerprint);
    }
    return fresh;
  }

  /** The superseding fingerprint resolved. */
  uncover(fingerprint: string, site: string, ruleIds: readonly string[]): void {
    for (const ruleId of ruleIds) {
      const key = `${ruleId}/${site}`;
      const by = this.covered.get(key);
      by?.delete(fingerprint);
      if (by?.size === 0) this.covered.delete(key);
    }
  }

  isCovered(ruleId: string, site: string): boolean {
    return this.covered.has(`${ruleId}/${site}`);
  }

  /** Rule × site pairs covered now. */
  size(): number {
    return this.covered.size;
  }
}

/**
 * Problems of `supersedes` across a rule set (device subjects, itself). Pure. A covered rule
 * that is not loaded is no problem: the pack may run without the one it covers.
 */
export function supersedeProblems(rules: readonly { id: string; subject: string; supersedes?: readonly string[] | undefined }[]): string[] {
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  const problems: string[] = [];
  for (const rule of rules) {
    for (const target of rule.supersedes ?? []) {
      const covered = byId.get(target);
      if (target === rule.id) problems.push(`rule "${rule.id}" cannot supersede itself`);
      else if (covered === undefined) continue;
      else if (rule.subject !== 'site' || covered.subject !== 'site') problems.push(`rule "${rule.id}" supersedes "${target}": both need \`subject: site\``);
    }
  }
  return problems;
}
