/**
 * Group rules (kinds/flood.ts) × catalog devices: the scopes each rule judges (a township, a
 * zone, the network), the devices of each under the watch rules it holds, the view the kind sees
 * at a tick, and the subject a group ticket is filed under. Pure; the engine owns the states.
 */
import type { CatalogFile } from '../network/catalog.ts';
import type { Evaluation, GroupScope, GroupView, WatchedDevice } from './kinds/index.ts';
import type { Inhibitions } from './inhibition.ts';
import { watchesSite, type CompiledRule } from './router.ts';
import { fingerprintOf, type TicketSubject, type Tier } from './tickets/ticket.ts';
import { subjectOf, type Watch } from './watches.ts';

/** Display names for group tickets, from the catalog; ids are used where a name is missing. */
export interface Places {
  /** Township id → name, e.g. tongmen → "桐门镇 Tongmen". */
  readonly townships?: ReadonlyMap<string, string>;
  /** Zone id → name. */
  readonly zones?: ReadonlyMap<string, string>;
  /** The county's network; default "the whole network (全网)". */
  readonly network?: string;
  /** IANA time zone of the county, for the times in group notes; default UTC. */
  readonly timeZone?: string;
}

/** The catalog's names and time zone for group tickets. */
export function placesOf(file: Pick<CatalogFile, 'county' | 'townships' | 'zones'>): Places {
  return {
    townships: new Map(file.townships.map((t) => [t.id, t.name])),
    zones: new Map(file.zones.map((z) => [z.id, z.name])),
    network: `the whole network of ${file.county.name} (全网)`,
    timeZone: file.county.timeZone,
  };
}

/** One device of a scope with its watches under the group's held rules. */
export interface ScopeDevice {
  readonly device: WatchedDevice;
  readonly watches: readonly Watch[];
}

/** One scope of one group rule: one state, one fingerprint, at most one ticket. */
export interface GroupScopeEntry {
  readonly scope: GroupScope;
  readonly fingerprint: string;
  readonly name: string;
  readonly devices: readonly ScopeDevice[];
}

export interface Group {
  readonly compiled: CompiledRule;
  /** Watch rule ids whose tickets the group holds back. */
  readonly holds: readonly string[];
  /** Widest scope first (network, zones, townships), so a wider group takes its devices first. */
  readonly scopes: readonly GroupScopeEntry[];
}

/** Problems with the rules a group rule holds: each must be a loaded watch rule. */
export function groupProblems(groupRules: readonly CompiledRule[], watchRules: readonly CompiledRule[]): string[] {
  const watchIds = new Set(watchRules.map((compiled) => compiled.rule.id));
  return groupRules.flatMap(({ rule, kind }) =>
    (kind.group?.holds(rule) ?? []).filter((id) => !watchIds.has(id)).map((id) => `rule "${rule.id}" holds "${id}", which is not a loaded watch rule (kind stale)`),
  );
}

const keyOf = (scope: GroupScope, device: WatchedDevice) => (scope === 'network' ? 'network' : scope === 'zone' ? device.site.zone : device.site.township);

function nameOf(scope: GroupScope, key: string, places: Places): string {
  if (scope === 'township') return `${places.townships?.get(key) ?? key} township`;
  if (scope === 'zone') return `${places.zones?.get(key) ?? key} zone`;
  return places.network ?? 'the whole network (全网)';
}

/** The scopes of every group rule over the watches (by device id, watches.ts). */
export function groupsOf(groupRules: readonly CompiledRule[], watches: ReadonlyMap<string, readonly Watch[]>, places: Places = {}): Group[] {
  return groupRules.map((compiled) => {
    const group = compiled.kind.group;
    const holds = group?.holds(compiled.rule) ?? [];
    const held = new Set(holds);
    const entries: GroupScopeEntry[] = [];
    for (const scope of group?.scopes(compiled.rule) ?? []) {
      const byKey = new Map<string, ScopeDevice[]>();
      for (const list of watches.values()) {
        const mine = list.filter((watch) => held.has(watch.compiled.rule.id));
        const device = mine[0]?.device;
        if (device === undefined || !watchesSite(compiled, device.site)) continue;
        const key = keyOf(scope, device);
        const devices = byKey.get(key);
        if (devices === undefined) byKey.set(key, [{ device, watches: mine }]);
        else devices.push({ device, watches: mine });
      }
      for (const [key, devices] of byKey) {
        entries.push({ scope, fingerprint: fingerprintOf(compiled.rule.id, scope === 'network' ? 'network' : `${scope}-${key}`), name: nameOf(scope, key, places), devices });
      }
    }
    return { compiled, holds, scopes: entries };
  });
}

/** The group's widest scope as one entry (the network, or all its zones): what narrower scopes look beyond themselves to. */
export function widestOf(group: Group): GroupScopeEntry {
  const [first] = group.scopes;
  if (first === undefined) throw new Error(`group rule ${group.compiled.rule.id} has no scopes`);
  const entries = group.scopes.filter((entry) => entry.scope === first.scope);
  return entries.length === 1 ? first : { ...first, devices: entries.flatMap((entry) => entry.devices) };
}

/**
 * The scope as the kind sees it at `now`: its devices but those `leftOut` (held by another of
 * the rule's groups), each with its silence; `wider` is the rule's widest scope when this one is
 * narrower.
 */
export function viewOf(entry: GroupScopeEntry, silentSince: (watch: Watch) => number | undefined, leftOut: (device: string) => boolean, timeZone: string | undefined, wider?: GroupView): GroupView {
  const devices = entry.devices
    .filter(({ device }) => !leftOut(device.id))
    .map(({ device, watches }) => {
      let since: number | undefined;
      for (const watch of watches) {
        const at = silentSince(watch);
        if (at !== undefined && (since === undefined || at < since)) since = at;
      }
      return { device: device.id, silentSince: since };
    });
  return { scope: entry.scope, name: entry.name, devices, ...(timeZone !== undefined && { timeZone }), ...(wider !== undefined && { wider }) };
}

/**
 * A group ticket's subject: filed at its first member's site and device (the scope's first
 * device before it has members), titled with the scope's name, without a village, so no village
 * administrator answers it; `tier` says who does.
 */
export function groupSubject(group: Group, entry: GroupScopeEntry, members: readonly string[], tier: Tier): TicketSubject & { readonly tier: Tier } {
  const first = entry.devices.find(({ device }) => device.id === members[0]) ?? entry.devices[0];
  if (first === undefined) throw new Error(`group scope ${entry.fingerprint} has no devices`);
  const metric = first.watches[0]?.metric ?? group.compiled.metric;
  const { rule } = group.compiled;
  // The scope in the title: messages name the ticket's site, which here is only its first member's.
  return { ...subjectOf(group.compiled, entry.fingerprint, first.device, metric), title: `${rule.title}: ${entry.name}`, titleZh: `${entry.name} ${rule.titleZh}`, village: null, tier };
}

/** The engine's side of a group's turn: its fingerprint states, its write path and the holds. */
export interface GroupHost<Entry extends { state: unknown; firing: boolean }> {
  /** The fingerprint's entry, created quiet when missing. */
  entryOf(fingerprint: string, compiled: CompiledRule): Entry;
  existing(fingerprint: string): Entry | undefined;
  /** Stores the evaluation's state and queues the ticket write it asks for (engine.ts `settle`). */
  settle(entry: Entry, compiled: CompiledRule, evaluation: Evaluation<unknown>, at: number, subject: () => TicketSubject & { readonly tier?: Tier }): Promise<void> | undefined;
  readonly inhibitions: Inhibitions;
  /** The county's, for the times in notes. */
  readonly timeZone: string | undefined;
  /** Counts one evaluation. */
  evaluated(): void;
}

/** The group's state holds back its members' watch tickets, or nothing; returns the members. */
export function holdMembers(group: Group, fingerprint: string, state: unknown, inhibitions: Inhibitions): readonly string[] {
  const members = group.compiled.kind.group?.members(state) ?? [];
  if (members.length > 0) inhibitions.holdWatches(fingerprint, group.holds, members);
  else inhibitions.release(fingerprint);
  return members;
}

/**
 * One group rule's turn at a tick: every scope, widest first. A scope that is quiet does not see
 * the devices another of its scopes holds (a wider group formed at this tick, or a township group
 * formed earlier): one cause, one ticket. Ticket writes are pushed to `writes`.
 */
export function judgeGroup<Entry extends { state: unknown; firing: boolean }>(group: Group, now: number, host: GroupHost<Entry>, writes: Promise<void>[]): void {
  const { rule, kind } = group.compiled;
  /** Device → the scope fingerprint whose group holds it. */
  const taken = new Map<string, string>();
  for (const scope of group.scopes) {
    const entry = host.existing(scope.fingerprint);
    if (entry !== undefined) for (const member of kind.group?.members(entry.state) ?? []) taken.set(member, scope.fingerprint);
  }
  const silence = (watch: Watch) => {
    const { rule: watched, kind: watchKind } = watch.compiled;
    return watchKind.watch?.silentSince?.(watched, host.existing(watch.fingerprint)?.state ?? watchKind.initial(watched), watch.device, now);
  };
  let widest: { readonly scope: GroupScope; view: GroupView | undefined } | undefined;
  for (const scope of group.scopes) {
    const entry = host.entryOf(scope.fingerprint, group.compiled);
    widest ??= { scope: scope.scope, view: undefined };
    // The widest scope's view (one network, or the zones…) is built once, for the narrower ones that need it.
    const wider = widest.scope === scope.scope ? undefined : (widest.view ??= viewOf(widestOf(group), silence, (device) => taken.has(device), undefined));
    // A firing group keeps judging all its members, also those a wider group took since; a
    // quiet one does not see what the others hold (its own lingering members it does).
    const leftOut = (device: string) => !entry.firing && (taken.get(device) ?? scope.fingerprint) !== scope.fingerprint;
    const view = viewOf(scope, silence, leftOut, host.timeZone, wider);
    host.evaluated();
    const evaluation = kind.group?.tick(rule, entry.state, view, now) ?? { state: entry.state, decision: { type: 'none' } };
    const members = kind.group?.members(evaluation.state) ?? [];
    const tier = kind.group?.tierOf(rule, scope.scope) ?? 'township';
    const write = host.settle(entry, group.compiled, evaluation, now, () => groupSubject(group, scope, members, tier));
    for (const member of holdMembers(group, scope.fingerprint, entry.state, host.inhibitions)) if (!taken.has(member)) taken.set(member, scope.fingerprint);
    if (write) writes.push(write);
  }
}
