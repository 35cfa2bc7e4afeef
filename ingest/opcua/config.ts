/**
 * Configuration of the plants read over OPC UA (`plants:` in the main config): each plant's
 * endpoint, security, client certificate, and node mappings to catalog device and metric. A
 * mapping names its node by NodeId (`ns=1;s=north-plant.Outlet.Turbidity`) or by browse path
 * from the Objects folder (`1:north-plant/1:Outlet/1:Turbidity`); `clearwater opcua browse`
 * prints both, and a ready block of mappings.
 */
import { z } from 'zod';
import { metricNameSchema } from '../../network/metrics.ts';
import { ID_PATTERN } from '../../network/topic.ts';

const id = z.string().regex(ID_PATTERN, 'ids are lower-case letters, digits and dashes, at most 64');

/**
 * DataChangeFilter (OPC 10000-4 §7.22.2). The trigger defaults to StatusValue, the standard's
 * own default: Telegraf's default `Status` reports status changes only and hides value changes.
 */
export const dataChangeFilterSchema = z
  .strictObject({
    trigger: z.enum(['Status', 'StatusValue', 'StatusValueTimestamp']).default('StatusValue').describe('What counts as a change: the status only, status or value (default), or also the source timestamp'),
    deadbandType: z.enum(['None', 'Absolute', 'Percent']).default('None').describe('Absolute: in engineering units; Percent: of the EURange, which the node must have (else BadMonitoredItemFilterUnsupported)'),
    deadbandValue: z.number().min(0).default(0).describe('The deadband: engineering units (Absolute) or percent of the EURange, 0-100 (Percent)'),
  })
  .refine((f) => f.deadbandType !== 'Percent' || f.deadbandValue <= 100, { message: 'a percent deadband is 0-100', path: ['deadbandValue'] })
  .describe('Data-change filter of the monitored items');
export type DataChangeFilterConfig = z.infer<typeof dataChangeFilterSchema>;

export const monitoringSchema = z.object({
  samplingIntervalMs: z.number().min(0).optional().describe('How often the server samples the node, ms; 0: every change (exception-based). Default: the plant\'s'),
  queueSize: z.number().int().min(1).max(10_000).optional().describe('Values the server keeps per item between publishes (the oldest is discarded). Default: the plant\'s'),
  filter: dataChangeFilterSchema.optional().describe("Data-change filter. Default: the plant's"),
});

export const nodeMappingSchema = monitoringSchema
  .extend({
    nodeId: z.string().min(1).optional().describe('NodeId of the variable, e.g. ns=1;s=north-plant.Outlet.Turbidity'),
    browsePath: z.string().min(1).optional().describe('Browse path from the Objects folder, e.g. 1:north-plant/1:Outlet/1:Turbidity (namespace index:browse name, per step)'),
    device: id.describe('Catalog device the reading belongs to (its site gives the tags)'),
    metric: metricNameSchema.describe('Metric of the registry; the value is converted from the node\'s EUInformation unit'),
  })
  .strict()
  .refine((m) => (m.nodeId === undefined) !== (m.browsePath === undefined), { message: 'give exactly one of nodeId and browsePath' })
  .describe('One node read as one metric of one catalog device');
export type NodeMapping = z.infer<typeof nodeMappingSchema>;

/** Status codes by name (StatusCodes of OPC 10000-4 §7.39, as node-opcua names them) or number. */
const statusCodeName = z.union([z.string().regex(/^(Good|Uncertain|Bad)[A-Za-z0-9]*$|^0x[0-9a-fA-F]{8}$/, 'a status code name such as UncertainLastUsableValue, or 0x40900000'), z.number().int().min(0).max(0xffff_ffff)]);

export const plantSchema = z
  .strictObject({
    id: id.describe('Name of the plant connection, for logs and metrics (often the catalog site id)'),
    endpoint: z.string().regex(/^opc\.tcp:\/\/\S+$/, 'an OPC UA endpoint URL such as opc.tcp://plc:4840').describe('Endpoint URL of the plant\'s OPC UA server'),
    securityMode: z.enum(['None', 'Sign', 'SignAndEncrypt']).default('SignAndEncrypt').describe('Message security mode'),
    securityPolicy: z
      .enum(['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'])
      .default('Basic256Sha256')
      .describe('Security policy (OPC 10000-7); None goes with securityMode None. Prefer Basic256Sha256 on Node.js 20 (README, "NODE-OPCUA-W27")'),
    pkiDir: z.string().optional().describe("Folder of the client's PKI (own certificate and key, trusted/ and rejected/ server certificates); default dataDir/opcua-pki"),
    trustAnyServer: z.boolean().default(false).describe('Accept any server certificate; otherwise only those in the PKI trusted/ folder (copy the rejected/ one there once checked)'),
    username: z.string().min(1).optional().describe('User name; absent: anonymous'),
    password: z.string().optional().describe('Password of the user name'),
    publishingIntervalMs: z.number().int().min(10).default(1000).describe('Publishing interval of the subscription, ms'),
    samplingIntervalMs: z.number().min(0).default(1000).describe('Default sampling interval of the items, ms'),
    queueSize: z.number().int().min(1).max(10_000).default(10).describe('Default queue size of the items'),
    filter: dataChangeFilterSchema.prefault({}).describe('Default data-change filter of the items'),
    timestamps: z
      .enum(['source', 'server'])
      .default('source')
      .describe('Which timestamp a reading takes: the source timestamp (the instrument\'s), falling back to the server timestamp when absent (default); or the server timestamp, falling back to the source one'),
    acceptStatus: z.array(statusCodeName).default([]).describe('Extra status codes taken as Good, for PLCs that misreport (e.g. a DA-style "good" sub-code); names or numbers'),
    firstConnectRetries: z.number().int().min(1).max(100).default(2).describe('Retries of the first connection before start-up fails with the reason (at least 1: node-opcua reconnects only with a retrying strategy)'),
    reconnectMinMs: z.number().int().positive().default(1000).describe('First delay of the reconnection backoff, ms'),
    reconnectMaxMs: z.number().int().positive().default(30_000).describe('Longest delay of the reconnection backoff, ms'),
    sessionTimeoutMs: z.number().int().min(1000).default(60_000).describe('Requested session timeout, ms: how long the server keeps the session (and its queues) for a lost client'),
    mappings: z.array(nodeMappingSchema).min(1).describe('Nodes read, each to a catalog device and metric'),
  })
  .refine((p) => (p.securityMode === 'None') === (p.securityPolicy === 'None'), { message: 'securityMode None goes with securityPolicy None, and only with it', path: ['securityPolicy'] })
  .refine((p) => p.password === undefined || p.username !== undefined, { message: 'a password needs a username', path: ['password'] })
  .describe('One treatment plant read over OPC UA');
export type PlantConfig = z.infer<typeof plantSchema>;
export type PlantConfigInput = z.input<typeof plantSchema>;

export const plantsSchema = z
  .array(plantSchema)
  .default([])
  .superRefine((plants, ctx) => {
    const ids = new Set<string>();
    plants.forEach((p, i) => {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate plant id "${p.id}"` });
      ids.add(p.id);
    });
  })
  .describe('Treatment plants read over OPC UA beside the MQTT source (ingest/opcua/README.md)');

/** The effective monitoring parameters of a mapping: its own, else the plant's. Pure. */
export function monitoringOf(plant: PlantConfig, mapping: NodeMapping): { samplingIntervalMs: number; queueSize: number; filter: DataChangeFilterConfig } {
  return { samplingIntervalMs: mapping.samplingIntervalMs ?? plant.samplingIntervalMs, queueSize: mapping.queueSize ?? plant.queueSize, filter: mapping.filter ?? plant.filter };
}

/** How a mapping is named in logs, metrics and tickets: its NodeId or browse path. Pure. */
export function mappingNode(mapping: NodeMapping): string {
  return mapping.nodeId ?? mapping.browsePath ?? '';
}
