/**
 * A rules service with notifications on, for the notification tests: a SQLite store in `dataDir`,
 * no devices watched, the test's clock, errors on the console.
 */
import { randomBytes } from 'node:crypto';
import type { Catalog } from '../../network/catalog.ts';
import type { NotifyConfig } from '../../rules/notify/config.ts';
import { createRulesService, type RulesService } from '../../rules/service.ts';
import { defaultLifecyclePolicy } from '../../rules/tickets/policy.ts';

export function notifyingService(options: { dataDir: string; rulePacks: readonly string[]; now: () => number; config: NotifyConfig; catalog: Catalog; owner: string }): RulesService {
  return createRulesService({
    rulePacks: options.rulePacks,
    dataDir: options.dataDir,
    tickets: { store: 'sqlite', path: 'tickets.db', busyTimeoutMs: 5000 },
    lifecycle: defaultLifecyclePolicy,
    devices: [],
    tickMs: 1000,
    log: { info: () => {}, warn: () => {}, error: (fields, message) => console.error(message, fields) },
    writeLines: async () => {},
    now: options.now,
    notify: { config: options.config, catalog: options.catalog, links: { key: randomBytes(32), baseUrl: 'http://127.0.0.1:8080' }, owner: options.owner },
  });
}
