/**
 * The simulated treatment plant: a node-opcua server whose address space (address-space.ts) the
 * process model (model.ts) drives on a simulated clock, with scenarios (scenarios.ts).
 *
 *   const plant = new PlantServer(plantServerSchema.parse({ plant: 'north-plant', port: 0, pkiDir }), { site });
 *   await plant.start();           // certificates created on first start, then listening
 *   plant.endpointUrl              // opc.tcp://127.0.0.1:<port>/clearwater
 *   await plant.stop();
 *
 * Security: None, and Sign / SignAndEncrypt with Basic256Sha256 (OPC 10000-7, "SecurityPolicy –
 * Basic256Sha256"). The server's PKI folder (own certificate, trusted, rejected) is its own;
 * clients keep theirs elsewhere. A client certificate not in `trusted/` is refused, unless
 * `trustAnyClient` (the demo) accepts it. User names are optional; anonymous access can be
 * turned off.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MessageSecurityMode, OPCUACertificateManager, OPCUAServer, SecurityPolicy, type StatusCode } from 'node-opcua';
import type { Site } from '../../network/catalog.ts';
import { createSimClock, type SimClock } from '../clock.ts';
import { createRandom } from '../random.ts';
import { buildPlantNodes, type PlantNodes } from './address-space.ts';
import { createPlantModel, type PlantModel } from './model.ts';
import type { PlantServerConfig } from './config.ts';

export { plantServerSchema, type PlantServerConfig, type PlantServerInput } from './config.ts';

const RESOURCE_PATH = '/clearwater';

/** A site for a plant without a catalog (the `clearwater plant` default). */
export function standalonePlantSite(id: string): Site {
  return { id, name: id, kind: 'plant', township: 'unknown', zone: 'unknown', location: { lat: 29.6, lon: 119.75 } };
}

export interface PlantServerDeps {
  readonly site?: Site;
  /** Wall clock, epoch ms. */
  readonly now?: () => number;
  readonly log?: { info(obj: object, msg: string): void };
}

export class PlantServer {
  private server: OPCUAServer | undefined;
  private nodes: PlantNodes | undefined;
  private timer: NodeJS.Timeout | undefined;
  private model: PlantModel | undefined;
  private clockValue: SimClock | undefined;
  private readonly held = new Map<string, StatusCode>();
  private lastStepMs = 0;
  private boundPort = 0;
  private certificates: OPCUACertificateManager | undefined;

  constructor(readonly config: PlantServerConfig, private readonly deps: PlantServerDeps = {}) {}

  get endpointUrl(): string {
    return `opc.tcp://${this.config.host}:${this.boundPort || this.config.port}${RESOURCE_PATH}`;
  }

  /** The simulated clock; valid once started. */
  get clock(): SimClock {
    if (!this.clockValue) throw new Error('the plant is not started');
    return this.clockValue;
  }

  /** Starts listening on `port` (0: a free one, chosen by the kernel and kept across restarts of this object). */
  async start(): Promise<void> {
    const { config } = this;
    const now = this.deps.now ?? Date.now;
    this.clockValue ??= createSimClock({ speed: config.speed, backfillMs: config.backfillMs }, now);
    this.model ??= createPlantModel(this.deps.site ?? standalonePlantSite(config.plant), config.scenarios, this.clockValue.startMs, createRandom(config.seed).fork(`plant:${config.plant}`));
    const certificateManager = new OPCUACertificateManager({ rootFolder: join(config.pkiDir, 'server'), automaticallyAcceptUnknownCertificate: config.trustAnyClient });
    await certificateManager.initialize();
    this.certificates = certificateManager;
    const modes = { None: MessageSecurityMode.None, Sign: MessageSecurityMode.Sign, SignAndEncrypt: MessageSecurityMode.SignAndEncrypt } as const;
    const secured = config.securityModes.some((m) => m !== 'None');
    const users = config.users;
    const server = new OPCUAServer({
      port: this.boundPort || config.port,
      hostname: config.host,
      resourcePath: RESOURCE_PATH,
      serverCertificateManager: certificateManager,
      securityModes: config.securityModes.map((m) => modes[m]),
      securityPolicies: [...(config.securityModes.includes('None') ? [SecurityPolicy.None] : []), ...(secured ? [SecurityPolicy.Basic256Sha256] : [])],
      allowAnonymous: config.allowAnonymous,
      userManager: { isValidUser: (username: string, password: string) => users.some((u) => u.username === username && u.password === password) },
      buildInfo: { productName: `Clearwater simulated plant ${config.plant}`, manufacturerName: 'Clearwater' },
      serverInfo: { applicationUri: `urn:clearwater:plant:${config.plant}`, applicationName: { text: `Clearwater plant ${config.plant}` } },
      serverCapabilities: { operationLimits: { maxMonitoredItemsPerCall: config.maxMonitoredItemsPerCall } },
      disableDiscovery: true,
      isAuditing: false,
    });
    await server.initialize();
    const namespace = server.engine.addressSpace!.registerNamespace(`urn:clearwater:plant:${config.plant}`);
    this.nodes = buildPlantNodes(namespace, config.plant, {
      minimumSamplingIntervalMs: config.minimumSamplingIntervalMs,
      skip: new Set(config.removedTags),
      onBackwash: (filter) => this.model?.backwash(filter, this.lastStepMs || this.clock.now()),
    });
    // Every tag has a value before the first client can read it: no initial zeros.
    this.step(this.lastStepMs || this.clock.now());
    await server.start();
    this.server = server;
    this.boundPort = server.endpoints[0]?.port ?? config.port;
    if (!config.manualSteps) {
      this.timer = setInterval(() => this.step(this.clock.now()), config.stepMs);
    }
    this.deps.log?.info({ endpoint: this.endpointUrl, plant: config.plant, security: config.securityModes }, 'plant OPC UA server listening');
  }

  /** Steps the model to simulated `simMs` and pushes every tag with that source timestamp. */
  step(simMs: number): void {
    if (!this.model || !this.nodes) return;
    const sample = this.model.sample(simMs);
    this.lastStepMs = simMs;
    this.nodes.push(sample, simMs, this.held);
  }

  /** The operator backwashes a filter (what the Backwash method does). */
  backwash(filter: number): void {
    this.model?.backwash(filter, this.lastStepMs || this.clock.now());
  }

  /** Trusts a client's certificate (its PEM file, e.g. the client PKI's own/certs/client_certificate.pem) from now on. */
  async trustClient(pemFile: string): Promise<void> {
    if (!this.certificates) throw new Error('the plant is not started');
    const pem = await readFile(pemFile, 'utf8');
    const base64 = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)?.[1];
    if (!base64) throw new Error(`${pemFile} holds no PEM certificate`);
    await this.certificates.trustCertificate(Buffer.from(base64.replace(/\s+/g, ''), 'base64'));
  }

  /** Holds a tag at a status from the next step on (a failed sensor: BadSensorFailure); undefined releases it. */
  hold(tag: string, status: StatusCode | undefined): void {
    if (status) this.held.set(tag, status);
    else this.held.delete(tag);
  }

  /** Deletes a tag's node from the running server (a PLC download without it). */
  removeTag(tag: string): void {
    const variable = this.nodes?.variables.get(tag);
    if (!variable) throw new Error(`no tag ${tag}`);
    this.server?.engine.addressSpace?.deleteNode(variable);
  }

  /** Subscriptions on the server now, with their monitored items (to see duplicates). */
  subscriptions(): { id: number; monitoredItems: number }[] {
    const sessions = this.server?.engine.getSessions() ?? [];
    return sessions.flatMap((session) => session.publishEngine.subscriptions.map((s) => ({ id: s.id, monitoredItems: s.monitoredItemCount })));
  }

  /** The bound port (kept by a restart). */
  get port(): number {
    return this.boundPort;
  }

  /** Stops listening and drops every session (the plant is switched off); start() brings it back on the same port. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const server = this.server;
    this.server = undefined;
    this.nodes = undefined;
    await server?.shutdown(0);
    await server?.dispose();
  }
}
