/**
 * The OPC UA source: one plant's server, one session, one subscription, one monitored item per
 * mapping, every value handed to the ingest as the telemetry message a device would publish
 * (readings.ts). A reading counts as received once the spool committed it (`accept`'s promise),
 * as MQTT readings do; OPC UA has no acknowledgement to hold, so one the spool refuses is counted
 * lost and logged.
 *
 * - Monitored items are created in slices of the server's OperationLimits/MaxMonitoredItemsPerCall
 *   (OPC 10000-5 §6.3.11), grouped by their monitoring parameters.
 * - Reconnection is node-opcua's (client.ts); on `session_restored` the items' statuses are read
 *   again. An item the server no longer knows (BadNodeIdUnknown after a restart, BadNodeIdInvalid
 *   when the node is deleted) marks only its mapping bad, reported to `onMappingState` (the app
 *   opens a ticket); the other items keep flowing, and the mapping turns good when values come.
 * - Bad values are rejected (dead-lettered with their status), Uncertain ones stored with a
 *   quality marker, codes in `acceptStatus` taken as Good.
 */
import { join } from 'node:path';
import { AttributeIds, DataChangeFilter, DataChangeTrigger, DeadbandType, TimestampsToReturn, VariableIds, type ClientMonitoredItemBase, type ClientSession, type ClientSubscription, type DataValue, type OPCUAClient } from 'node-opcua';
import type { Source, SourceSink } from '../source.ts';
import { createClient, openSession, type ClientSettings } from './client.ts';
import { mappingNode, monitoringOf, type PlantConfig } from './config.ts';
import { resolveNodes } from './nodes.ts';
import { itemOutcome, telemetryMessages, type ItemOutcome, type MappedItem } from './readings.ts';
import { acceptedStatusCodes } from './status.ts';

/** Items per CreateMonitoredItems call when the server announces no limit (0 = none). */
const DEFAULT_ITEMS_PER_CALL = 1000;

/** The server's OperationLimits/MaxMonitoredItemsPerCall (OPC 10000-5 §6.3.11); 0 when it has none. */
async function maxMonitoredItemsPerCall(session: ClientSession): Promise<number> {
  const value = await session.read({ nodeId: VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall, attributeId: AttributeIds.Value }).catch(() => undefined);
  return value && value.statusCode.isGood() && typeof value.value.value === 'number' ? value.value.value : 0;
}

export type SessionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface OpcuaSourceStats {
  readonly plant: string;
  session: SessionState;
  /** Sessions restored after a lost connection or a server restart. */
  reconnects: number;
  connectionsLost: number;
  /** Monitored items by their status now (Good, BadNodeIdUnknown, …). */
  itemsByStatus: Record<string, number>;
  /** DataValues received. */
  values: number;
  /** Readings the spool committed (counted as received). */
  readingsReceived: number;
  readingsUncertain: number;
  /** Bad-status values, dead-lettered. */
  readingsRejected: number;
  /** Readings the spool refused (full): not stored. */
  readingsLost: number;
}

export interface MappingStateChange {
  readonly plant: string;
  readonly item: MappedItem;
  readonly state: 'bad' | 'good';
  readonly statusCode: number;
  readonly detail: string;
  /** Epoch ms. */
  readonly at: number;
}

export interface OpcuaSourceDeps {
  /** Site of each catalog device (the app checks mappings against the catalog first). */
  readonly siteOf: (deviceId: string) => string;
  /** Where the client's PKI lives unless the plant says (`dataDir/opcua-pki`). */
  readonly defaultPkiDir: string;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly now?: () => number;
  readonly onMappingState?: (change: MappingStateChange) => void;
}

interface Tracked {
  readonly item: MappedItem;
  monitored?: ClientMonitoredItemBase;
  status: string;
  bad: boolean;
}

export class OpcuaSource implements Source<'opcua', OpcuaSourceStats> {
  readonly kind = 'opcua';
  private readonly counters: OpcuaSourceStats;
  private readonly accepted: Set<number>;
  private readonly settings: ClientSettings;
  private client: OPCUAClient | undefined;
  private session: ClientSession | undefined;
  private subscription: ClientSubscription | undefined;
  private tracked: Tracked[] = [];
  private buffer: Extract<ItemOutcome, { kind: 'reading' }>[] = [];
  private flushScheduled = false;
  private inFlight = new Set<Promise<void>>();
  private sink: SourceSink | undefined;

  constructor(readonly config: PlantConfig, private readonly deps: OpcuaSourceDeps) {
    const { codes, unknown } = acceptedStatusCodes(config.acceptStatus);
    if (unknown.length > 0) throw new Error(`plant ${config.id}: acceptStatus: unknown status codes ${unknown.join(', ')}`);
    this.accepted = codes;
    this.settings = { ...config, pkiDir: config.pkiDir ?? join(deps.defaultPkiDir, config.id), name: config.id };
    this.counters = { plant: config.id, session: 'idle', reconnects: 0, connectionsLost: 0, itemsByStatus: {}, values: 0, readingsReceived: 0, readingsUncertain: 0, readingsRejected: 0, readingsLost: 0 };
  }

  stats(): OpcuaSourceStats {
    const byStatus: Record<string, number> = {};
    for (const t of this.tracked) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
    this.counters.itemsByStatus = byStatus;
    return this.counters;
  }

  /** Connects (bounded retry: a clear error), resolves the mappings, subscribes. */
  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    this.counters.session = 'connecting';
    const client = createClient(this.settings);
    this.client = client;
    client.on('connection_lost', () => {
      this.counters.connectionsLost += 1;
      this.counters.session = 'reconnecting';
      this.deps.log?.warn({ plant: this.config.id, endpoint: this.config.endpoint }, 'OPC UA connection lost; reconnecting');
    });
    const session = await openSession(client, this.settings);
    this.session = session;
    session.on('session_restored', () => this.restored());
    const resolved = await resolveNodes(session, this.config.mappings);
    this.tracked = resolved.map((r) => {
      const item: MappedItem = { site: this.deps.siteOf(r.mapping.device), device: r.mapping.device, metric: r.mapping.metric, node: mappingNode(r.mapping), ...(r.unit !== undefined && { unit: r.unit }) };
      return { item, status: r.statusName, bad: false };
    });
    resolved.forEach((r, i) => {
      const tracked = this.tracked[i]!;
      if (r.statusCode !== 0) this.markBad(tracked, r.statusCode, `${tracked.item.node} (${tracked.item.device} ${tracked.item.metric}) not found: ${r.statusName}`);
      const filter = monitoringOf(this.config, r.mapping).filter;
      if (filter.deadbandType === 'Percent' && !r.range && r.statusCode === 0) {
        this.deps.log?.warn({ plant: this.config.id, node: tracked.item.node }, 'a percent deadband needs an EURange, which this node has not: the server will answer BadMonitoredItemFilterUnsupported');
      }
    });
    await this.subscribe(session, resolved.map((r, i) => ({ nodeId: r.nodeId, tracked: this.tracked[i]! })));
    this.counters.session = 'connected';
    this.deps.log?.info({ plant: this.config.id, endpoint: this.config.endpoint, security: `${this.config.securityMode}/${this.config.securityPolicy}`, items: this.stats().itemsByStatus }, 'OPC UA plant subscribed');
  }

  private async subscribe(session: ClientSession, items: { nodeId: unknown; tracked: Tracked }[]): Promise<void> {
    const publishingMs = this.config.publishingIntervalMs;
    const keepAlive = Math.max(1, Math.ceil(10_000 / publishingMs));
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: publishingMs,
      requestedMaxKeepAliveCount: keepAlive,
      // The lifetime outlasts the session timeout, so a client away that long finds its queues (OPC 10000-4 §5.13.1).
      requestedLifetimeCount: Math.max(3 * keepAlive, Math.ceil(this.config.sessionTimeoutMs / publishingMs)),
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.subscription = subscription;
    const perCall = (await maxMonitoredItemsPerCall(session)) || DEFAULT_ITEMS_PER_CALL;
    const groups = new Map<string, { nodeId: unknown; tracked: Tracked }[]>();
    for (const entry of items) {
      if (entry.nodeId === undefined) continue;
      const index = this.tracked.indexOf(entry.tracked);
      const key = JSON.stringify(monitoringOf(this.config, this.config.mappings[index]!));
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    for (const [key, entries] of groups) {
      const monitoring = JSON.parse(key) as ReturnType<typeof monitoringOf>;
      for (let start = 0; start < entries.length; start += perCall) {
        const slice = entries.slice(start, start + perCall);
        const group = await subscription.monitorItems(
          slice.map((e) => ({ nodeId: e.nodeId as string, attributeId: AttributeIds.Value })),
          {
            samplingInterval: monitoring.samplingIntervalMs,
            queueSize: monitoring.queueSize,
            discardOldest: true,
            filter: new DataChangeFilter({ trigger: DataChangeTrigger[monitoring.filter.trigger], deadbandType: DeadbandType[monitoring.filter.deadbandType], deadbandValue: monitoring.filter.deadbandValue }),
          },
          TimestampsToReturn.Both,
        );
        group.on('changed', (_monitored: ClientMonitoredItemBase, value: DataValue, index: number) => this.received(slice[index]!.tracked, value));
        group.monitoredItems.forEach((monitored, i) => {
          const tracked = slice[i]!.tracked;
          tracked.monitored = monitored;
          this.applyItemStatus(tracked);
        });
      }
    }
  }

  /** An item's creation result (first, or after a session was restored). */
  private applyItemStatus(tracked: Tracked): void {
    const status = tracked.monitored?.statusCode;
    if (!status) return;
    tracked.status = status.name;
    if (status.isGood()) return;
    const detail = `${tracked.item.node} (${tracked.item.device} ${tracked.item.metric}): monitored item ${status.name}`;
    this.markBad(tracked, status.value, detail);
  }

  private restored(): void {
    this.counters.reconnects += 1;
    this.counters.session = 'connected';
    for (const tracked of this.tracked) this.applyItemStatus(tracked);
    this.deps.log?.info({ plant: this.config.id, items: this.stats().itemsByStatus, reconnects: this.counters.reconnects }, 'OPC UA session restored; subscription resumed');
  }

  private markBad(tracked: Tracked, statusCode: number, detail: string): void {
    tracked.status = tracked.status === 'Good' ? `0x${statusCode.toString(16)}` : tracked.status;
    if (tracked.bad) return;
    tracked.bad = true;
    this.deps.log?.warn({ plant: this.config.id, node: tracked.item.node, device: tracked.item.device, metric: tracked.item.metric }, `mapping bad: ${detail}; the rest of the plant keeps flowing`);
    this.deps.onMappingState?.({ plant: this.config.id, item: tracked.item, state: 'bad', statusCode, detail, at: (this.deps.now ?? Date.now)() });
  }

  private received(tracked: Tracked, value: DataValue): void {
    this.counters.values += 1;
    const now = (this.deps.now ?? Date.now)();
    const ms = (d: Date | null) => (d && d.getTime() > 0 ? d.getTime() : undefined);
    const outcome = itemOutcome(tracked.item, { value: value.value?.value, statusCode: value.statusCode.value, statusName: value.statusCode.name, sourceMs: ms(value.sourceTimestamp), serverMs: ms(value.serverTimestamp) }, this.config.timestamps, this.accepted, now);
    if (outcome.kind === 'gone') {
      tracked.status = value.statusCode.name;
      return this.markBad(tracked, outcome.statusCode, outcome.detail);
    }
    if (outcome.kind === 'rejected') {
      this.counters.readingsRejected += 1;
      return this.sink?.refuse(outcome.publish, outcome.reason, outcome.detail);
    }
    if (tracked.bad) {
      tracked.bad = false;
      tracked.status = 'Good';
      this.deps.log?.info({ plant: this.config.id, node: tracked.item.node }, 'mapping good again');
      this.deps.onMappingState?.({ plant: this.config.id, item: tracked.item, state: 'good', statusCode: value.statusCode.value, detail: `${tracked.item.node} reports values again`, at: now });
    }
    if (outcome.uncertain) this.counters.readingsUncertain += 1;
    this.buffer.push(outcome);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush()); // one flush per publish response: its values share messages
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const readings = this.buffer;
    this.buffer = [];
    for (const { publish, readings: count } of telemetryMessages(readings)) {
      const durable = this.sink?.accept(publish);
      if (!durable) continue;
      const done = durable.then(
        () => void (this.counters.readingsReceived += count),
        (error: Error) => {
          this.counters.readingsLost += count;
          this.deps.log?.error({ plant: this.config.id, error: error.message }, 'readings not durable (spool): lost, OPC UA has no redelivery');
        },
      );
      this.inFlight.add(done);
      void done.finally(() => this.inFlight.delete(done));
    }
  }

  async stop(): Promise<void> {
    this.counters.session = 'stopped';
    this.flush();
    await Promise.all(this.inFlight);
    const { client, session, subscription } = this;
    this.client = this.session = this.subscription = undefined;
    await subscription?.terminate().catch(() => {});
    await session?.close().catch(() => {});
    await client?.disconnect().catch(() => {});
  }
}
