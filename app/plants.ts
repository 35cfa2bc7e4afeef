/**
 * The plants read over OPC UA (`plants:` in the config, ingest/opcua): one OpcuaSource per plant
 * beside the main source, their mappings checked against the catalog before anything connects,
 * their /metrics, and a maintenance ticket for a mapping whose node the server no longer knows
 * (resolved when values come again).
 */
import { join } from 'node:path';
import { Gauge, type Registry } from 'prom-client';
import { mappingNode, type PlantConfig } from '../ingest/opcua/config.ts';
import type { MappingStateChange, OpcuaSource } from '../ingest/opcua/source.ts';
import type { SourceSink } from '../ingest/source.ts';
import type { Catalog } from '../network/catalog.ts';
import type { TicketStore } from '../rules/tickets/store.ts';
import { fingerprintOf, SYSTEM_ACTOR } from '../rules/tickets/ticket.ts';
import type { Logger } from './log.ts';

export const MAPPING_RULE = {
  id: 'opcua-node-unavailable',
  title: 'OPC UA node unavailable',
  titleZh: 'OPC UA数据点不可用',
  source:
    'OPC 10000-4 §7.39 (StatusCodes): Bad_NodeIdUnknown / Bad_NodeIdInvalid, the server does not know the node (deleted, or renamed in the PLC program); the readings of this mapping are missing until it comes back',
} as const;

/** Every mapping that does not fit the catalog: unknown device, metric not declared. Pure. */
export function mappingProblems(plants: readonly PlantConfig[], catalog: Catalog): string[] {
  const problems: string[] = [];
  plants.forEach((plant, p) =>
    plant.mappings.forEach((mapping, m) => {
      const where = `plants[${p}] (${plant.id}).mappings[${m}] ${mappingNode(mapping)}`;
      const device = catalog.device(mapping.device);
      if (!device) problems.push(`${where}: device "${mapping.device}" is not in the catalog`);
      else if (!device.metrics.has(mapping.metric)) problems.push(`${where}: device ${mapping.device} does not declare ${mapping.metric} in the catalog`);
    }),
  );
  return problems;
}

export interface Plants {
  readonly sources: readonly OpcuaSource[];
  start(sink: SourceSink): Promise<void>;
  stop(): Promise<void>;
  metrics(registry: Registry): void;
}

/**
 * The plants' sources. node-opcua is loaded only when there are plants: it prints its Node 20
 * warning (NODE-OPCUA-W27) on stdout when loaded.
 */
export async function createPlants(plants: readonly PlantConfig[], deps: { catalog: Catalog; dataDir: string; log: Logger; tickets?: () => TicketStore | undefined }): Promise<Plants> {
  const problems = mappingProblems(plants, deps.catalog);
  if (problems.length > 0) throw new Error(`plants: mappings do not fit the catalog:\n${problems.map((p) => `✖ ${p}`).join('\n')}`);
  const onMappingState = (change: MappingStateChange) => void mappingTicket(change, deps).catch((error: Error) => deps.log.error({ error: error.message }, 'could not record the mapping ticket'));
  const sources: OpcuaSource[] = [];
  if (plants.length > 0) {
    const { OpcuaSource } = await import('../ingest/opcua/source.ts');
    const options = { siteOf: (device: string) => deps.catalog.device(device)!.site.id, defaultPkiDir: join(deps.dataDir, 'opcua-pki'), log: deps.log, onMappingState };
    sources.push(...plants.map((plant) => new OpcuaSource(plant, options)));
  }
  const started: OpcuaSource[] = [];
  return {
    sources,
    async start(sink) {
      for (const source of sources) {
        await source.start(sink);
        started.push(source);
      }
    },
    async stop() {
      await Promise.all(started.map((s) => s.stop()));
    },
    metrics: (registry) => plantMetrics(registry, sources),
  };
}

async function mappingTicket(change: MappingStateChange, deps: { catalog: Catalog; tickets?: () => TicketStore | undefined }): Promise<void> {
  const store = deps.tickets?.();
  const device = deps.catalog.device(change.item.device);
  if (!store || !device) return;
  const fingerprint = fingerprintOf(MAPPING_RULE.id, device.site.id, `${device.id}.${change.item.metric}`.replace(/[^a-z0-9-]/g, '-'));
  if (change.state === 'good') return void (await store.resolve({ fingerprint, at: change.at, actor: SYSTEM_ACTOR, note: change.detail }));
  await store.openOrUpdate({
    fingerprint,
    ruleId: MAPPING_RULE.id,
    title: MAPPING_RULE.title,
    titleZh: MAPPING_RULE.titleZh,
    source: `${MAPPING_RULE.source}. ${change.detail}`,
    metric: device.metrics.has(change.item.metric as never) ? (change.item.metric as never) : [...device.metrics][0]!,
    site: device.site.id,
    siteKind: device.site.kind,
    device: device.id,
    village: device.site.village ?? null,
    township: device.site.township,
    zone: device.site.zone,
    at: change.at,
    value: change.statusCode,
    severity: 'maintenance',
    worst: 'highest',
  });
}

function labelledGauge(registry: Registry, name: string, help: string, labels: string[], read: () => { labels: Record<string, string>; value: number }[]): void {
  new Gauge({
    name,
    help,
    labelNames: labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels: l, value } of read()) this.set(l, value);
    },
  });
}

/** Session state, reconnects, monitored items by status and readings by plant. */
export function plantMetrics(registry: Registry, sources: readonly OpcuaSource[]): void {
  const all = () => sources.map((s) => s.stats());
  const states = ['idle', 'connecting', 'connected', 'reconnecting', 'stopped'] as const;
  labelledGauge(registry, 'clearwater_opcua_session_state', 'OPC UA session state of each plant (1 for the current state)', ['plant', 'state'], () =>
    all().flatMap((s) => states.map((state) => ({ labels: { plant: s.plant, state }, value: s.session === state ? 1 : 0 }))),
  );
  labelledGauge(registry, 'clearwater_opcua_reconnects_total', 'OPC UA sessions restored after a lost connection or a server restart', ['plant'], () => all().map((s) => ({ labels: { plant: s.plant }, value: s.reconnects })));
  labelledGauge(registry, 'clearwater_opcua_connections_lost_total', 'OPC UA connections lost', ['plant'], () => all().map((s) => ({ labels: { plant: s.plant }, value: s.connectionsLost })));
  labelledGauge(registry, 'clearwater_opcua_monitored_items', 'Monitored items by their status now (Good, BadNodeIdUnknown, …)', ['plant', 'status'], () =>
    all().flatMap((s) => Object.entries(s.itemsByStatus).map(([status, value]) => ({ labels: { plant: s.plant, status }, value }))),
  );
  labelledGauge(registry, 'clearwater_opcua_readings_total', 'OPC UA readings by plant and outcome: received (durable), uncertain (stored, marked), rejected (Bad status, dead-lettered), lost (spool refused)', ['plant', 'outcome'], () =>
    all().flatMap((s) => [
      { labels: { plant: s.plant, outcome: 'received' }, value: s.readingsReceived },
      { labels: { plant: s.plant, outcome: 'uncertain' }, value: s.readingsUncertain },
      { labels: { plant: s.plant, outcome: 'rejected' }, value: s.readingsRejected },
      { labels: { plant: s.plant, outcome: 'lost' }, value: s.readingsLost },
    ]),
  );
}
