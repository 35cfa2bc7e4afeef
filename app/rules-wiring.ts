/**
 * Wires the rules engine to the rest of the process: loads the packs, opens the ticket store,
 * and turns every ticket change into an InfluxDB `ticket` point (Grafana annotations) and a log
 * line. Kept apart from pipeline.ts so the composition stays readable.
 */
import { join } from 'node:path';
import { ticketLine } from '../network/line-protocol.ts';
import { createRulesEngine, type TicketChange } from '../rules/engine.ts';
import type { WatchedDevice } from '../rules/kinds/kind.ts';
import { loadRulePack, rulesOf } from '../rules/pack.ts';
import { loadSnapshot, saveSnapshot } from '../rules/snapshot.ts';
import { openTicketStore, type TicketStoreConfig } from '../rules/tickets/config.ts';
import type { LifecyclePolicy } from '../rules/tickets/policy.ts';
import type { SweepChange, TicketStore } from '../rules/tickets/store.ts';
import type { Ticket } from '../rules/tickets/ticket.ts';
import type { Logger } from './log.ts';

/** One point per ticket state change. Pure. */
function ticketPoint(ticket: Ticket, change: string, value: number) {
  const { id: ticketId, ruleId, site, village, severity, state, tier, updatedAt: at } = ticket;
  return ticketLine({ ticketId, ruleId, site, village, severity, state, tier, change, value, at });
}

export interface RulesOptions {
  rulePacks: string[];
  dataDir: string;
  tickets: TicketStoreConfig;
  lifecycle: LifecyclePolicy;
  /** Devices the stale rules watch (the catalog's). */
  devices: Iterable<WatchedDevice>;
  log: Logger;
  write(lines: string[]): void;
  /** How often the rule states are saved for the next start, ms; default 60 s (and always at stop). */
  snapshotMs?: number;
  /** Called with every ticket change (updates included) after it is stored. */
  onChange?: ((change: TicketChange) => void) | undefined;
}

export async function startRules(options: RulesOptions) {
  const packs = await Promise.all(options.rulePacks.map(loadRulePack));
  const store: TicketStore = await openTicketStore(options.tickets, {
    dataDir: options.dataDir,
    policy: options.lifecycle,
    onConnectionError: (error) => options.log.warn({ error: error.message }, 'ticket store connection lost; reconnecting'),
  });
  const snapshotPath = join(options.dataDir, 'rules-state.bin');
  const previous = await loadSnapshot(snapshotPath);
  if (!previous.ok && previous.reason === 'corrupt') options.log.warn({ file: snapshotPath }, 'rule state snapshot unreadable; pending conditions start over');
  const engine = createRulesEngine({
    restore: previous.ok ? previous.snapshot : undefined,
    rules: rulesOf(packs),
    store,
    devices: options.devices,
    onError: (error, context) => options.log.error({ error: String(error), ...context }, 'ticket write failed'),
    onChange(change) {
      options.onChange?.(change);
      // One point per state change; readings of a firing rule are already in `telemetry`.
      if (change.change === 'updated') return;
      options.write([ticketPoint(change.ticket, change.change, change.value)]);
      const { ticket } = change;
      const level = change.change === 'resolved' ? 'info' : 'warn';
      options.log[level](
        { ticket: ticket.id, rule: ticket.ruleId, site: ticket.site, village: ticket.village, severity: ticket.severity, value: change.value },
        `ticket ${change.change}: ${ticket.titleZh} / ${ticket.title} at ${ticket.site}`,
      );
    },
  });
  const resumed = await engine.start();
  options.log.info(resumed, 'open tickets resumed, rule states restored');
  /** Saves the rule states (a crash loses at most `snapshotMs` of pending conditions). */
  const save = (): Promise<void> =>
    saveSnapshot(snapshotPath, engine.snapshot(Date.now())).catch((error: unknown) => options.log.warn({ error: String(error) }, 'could not save the rule state snapshot'));
  const saver = setInterval(() => void save(), options.snapshotMs ?? 60_000);
  let sweeping: Promise<void> | undefined;
  /** Ticket timers at `now`: tiers of unacknowledged tickets, ended silences, settled flapping. */
  const sweep = (now: number): Promise<void> =>
    (sweeping ??= store
      .sweep(now)
      .then((changes) => changes.forEach((change) => reportSweep(change, options)))
      .catch((error: unknown) => options.log.error({ error: String(error) }, 'ticket sweep failed'))
      .finally(() => (sweeping = undefined)));
  return {
    engine,
    store,
    sweep,
    rules: rulesOf(packs),
    async stop() {
      clearInterval(saver);
      await engine.stop();
      await save();
      await sweeping;
      await store.close();
    },
  };
}

function reportSweep({ ticket, change }: SweepChange, options: Pick<RulesOptions, 'write' | 'log'>): void {
  options.write([ticketPoint(ticket, change, ticket.lastValue)]);
  const what = change === 'tier_raised' ? `referred to ${ticket.tier}` : change;
  options.log.warn(
    { ticket: ticket.id, rule: ticket.ruleId, site: ticket.site, village: ticket.village, severity: ticket.severity, tier: ticket.tier },
    `ticket ${what}: ${ticket.titleZh} / ${ticket.title} at ${ticket.site}`,
  );
}
