/**
 * Zone signals: the onsets of events that kinds report (`Evaluation.onset`), kept per zone, rule
 * and site so that other rules of the same zone can correlate with them: a burst is a step drop
 * seen by neighbouring loggers (rate-of-change `confirm.neighbour`), yellow water follows a
 * pressure transient in the zone (compound `after`); rules/packs/bursts.yaml and
 * rules/packs/yellow-water.yaml cite the sources.
 *
 * - Only onsets of rules some rule listens to (`RuleKind.zoneSignals`) are kept; with no
 *   listener the store stays empty and costs nothing.
 * - Event time: a signal is matched on its onset, not on when it arrived. A late batch that shows
 *   an onset is recorded like any other and seen by the listeners from their next evaluation on.
 * - Bounded memory: per (zone, rule), onsets older than `horizonMs` (twice the longest span any
 *   listener asks for) behind the newest onset of that rule in that zone are dropped, and at most
 *   MAX_PER_SITE per site are kept. An onset already older than that when it arrives is dropped
 *   at once (counted in `dropped`).
 * - A lookup touches the listened rules' sites that signalled recently in one zone, never every
 *   site of the network.
 */
import type { ZoneListen, ZoneSignal } from './kinds/kind.ts';

/** A site's onsets kept per (zone, rule): more than any rule can produce within the horizon. */
const MAX_PER_SITE = 8;
const EMPTY: readonly ZoneSignal[] = [];

/** One rule's listen, as the engine compiled it. */
export interface Listener {
  readonly ruleId: string;
  readonly listen: ZoneListen | undefined;
}

interface RuleSignals {
  /** Newest onset of the rule in the zone, epoch ms. */
  newest: number;
  /** Onsets by site, oldest first. */
  readonly bySite: Map<string, number[]>;
}

export class ZoneSignals {
  /** zone → listened rule → its signals there. */
  private readonly byZone = new Map<string, Map<string, RuleSignals>>();
  private readonly listened: ReadonlySet<string>;
  /** How long signals are kept behind the newest of their (zone, rule), ms. */
  readonly horizonMs: number;
  private kept = 0;
  private tooOld = 0;

  /** Throws when a rule listens to a rule id that is not loaded (a typo in a pack would silently never correlate). */
  constructor(listeners: readonly Listener[], known: ReadonlySet<string>) {
    const listened = new Set<string>();
    let longest = 0;
    for (const { ruleId, listen } of listeners) {
      if (listen === undefined) continue;
      for (const id of listen.rules) {
        if (!known.has(id)) throw new Error(`rule "${ruleId}" listens to rule "${id}", which is not loaded`);
        listened.add(id);
      }
      longest = Math.max(longest, listen.withinMs);
    }
    this.listened = listened;
    this.horizonMs = 2 * longest;
  }

  /** Onsets recorded so far. */
  get recorded(): number {
    return this.kept;
  }

  /** Onsets dropped on arrival as older than the horizon. */
  get dropped(): number {
    return this.tooOld;
  }

  /** Whether some rule listens to this rule's onsets. */
  listensTo(ruleId: string): boolean {
    return this.listened.has(ruleId);
  }

  /** Records an onset; a repeat of a kept one is ignored. */
  record(ruleId: string, zone: string, site: string, at: number): void {
    if (!this.listened.has(ruleId)) return;
    const signals = this.signalsOf(zone, ruleId);
    if (at < signals.newest - this.horizonMs) {
      this.tooOld++;
      return;
    }
    const onsets = signals.bySite.get(site) ?? [];
    if (onsets.includes(at)) return;
    onsets.push(at);
    onsets.sort((a, b) => a - b);
    if (onsets.length > MAX_PER_SITE) onsets.shift();
    signals.bySite.set(site, onsets);
    this.kept++;
    if (at > signals.newest) {
      signals.newest = at;
      this.prune(signals);
    }
  }

  /** Signals of these rules in the zone, any order. */
  recent(zone: string, ruleIds: readonly string[]): readonly ZoneSignal[] {
    const byRule = this.byZone.get(zone);
    if (byRule === undefined) return EMPTY;
    let found: ZoneSignal[] | undefined;
    for (const ruleId of ruleIds) {
      for (const [site, onsets] of byRule.get(ruleId)?.bySite ?? []) {
        for (const at of onsets) (found ??= []).push({ ruleId, site, at });
      }
    }
    return found ?? EMPTY;
  }

  /** Every onset kept, to save across a restart (snapshot.ts) and `record` again. */
  saved(): { ruleId: string; zone: string; site: string; at: number }[] {
    const all: { ruleId: string; zone: string; site: string; at: number }[] = [];
    for (const [zone, byRule] of this.byZone) {
      for (const [ruleId, signals] of byRule) for (const [site, onsets] of signals.bySite) for (const at of onsets) all.push({ ruleId, zone, site, at });
    }
    return all;
  }

  /** Onsets kept now, over every zone (for tests and stats). */
  size(): number {
    let count = 0;
    for (const byRule of this.byZone.values()) {
      for (const signals of byRule.values()) for (const onsets of signals.bySite.values()) count += onsets.length;
    }
    return count;
  }

  private signalsOf(zone: string, ruleId: string): RuleSignals {
    let byRule = this.byZone.get(zone);
    if (byRule === undefined) this.byZone.set(zone, (byRule = new Map()));
    let signals = byRule.get(ruleId);
    if (signals === undefined) byRule.set(ruleId, (signals = { newest: Number.NEGATIVE_INFINITY, bySite: new Map() }));
    return signals;
  }

  /** Drops onsets older than the horizon behind the newest; sites left empty go. Onsets are rare, so a sweep per new newest is cheap. */
  private prune(signals: RuleSignals): void {
    const oldest = signals.newest - this.horizonMs;
    for (const [site, onsets] of signals.bySite) {
      const kept = onsets.filter((at) => at >= oldest);
      if (kept.length === 0) signals.bySite.delete(site);
      else if (kept.length < onsets.length) signals.bySite.set(site, kept);
    }
  }
}
