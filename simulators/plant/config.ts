/**
 * The simulated plant's configuration (server.ts), apart from the server so that reading it does
 * not load node-opcua: the CLI registers its options from it on every command. Pure.
 */
import { z } from 'zod';
import { durationField } from '../../network/duration.ts';
import { plantScenarioSchema } from './scenarios.ts';

export const plantServerSchema = z.strictObject({
  plant: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/).default('north-plant').describe('Plant id: the top object of the address space and the NodeId prefix (the catalog site id)'),
  host: z.string().default('127.0.0.1').describe('Address to listen on and to advertise in the endpoints'),
  port: z.number().int().min(0).max(65_535).default(4840).describe('TCP port; 0 picks a free one (4840 is the IANA port of OPC UA)'),
  pkiDir: z.string().default('.clearwater/plant-pki').describe("Folder of the server's PKI (own certificate and key, trusted/ and rejected/ client certificates), created on first start"),
  securityModes: z.array(z.enum(['None', 'Sign', 'SignAndEncrypt'])).min(1).default(['None', 'Sign', 'SignAndEncrypt']).describe('Message security modes offered; Sign and SignAndEncrypt use Basic256Sha256'),
  trustAnyClient: z.boolean().default(false).describe('Accept any client certificate (a demo on one machine); otherwise only those in the trusted/ folder'),
  allowAnonymous: z.boolean().default(true).describe('Accept sessions without a user name'),
  users: z.array(z.strictObject({ username: z.string().min(1), password: z.string().min(1) })).default([]).describe('User names and passwords accepted'),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1).describe('Seed of every random draw of the model'),
  speed: z.number().min(1).max(100_000).default(1).describe('Simulated milliseconds per real millisecond, until simulated time catches up with the wall clock'),
  backfillMs: durationField().default(0).describe('How far in the past an accelerated run starts (ms or "6h")'),
  stepMs: z.number().int().min(10).default(1000).describe('Real time between model steps, ms; each step pushes every tag'),
  manualSteps: z.boolean().default(false).describe('No timer: the owner calls step(simMs) (tests, benchmarks)'),
  minimumSamplingIntervalMs: z.number().int().min(0).default(100).describe('MinimumSamplingInterval of every variable, ms (set explicitly: node-opcua would revise a getter variable to 1,000 ms)'),
  scenarios: z.array(plantScenarioSchema).default([]).describe('Incidents to play: filter-breakthrough, chlorine-pump-failure, storm'),
  removedTags: z.array(z.string()).default([]).describe('Tags (e.g. Filter3.HeadLoss) this PLC program does not have: their nodes do not exist'),
  maxMonitoredItemsPerCall: z.number().int().min(0).default(1000).describe('OperationLimits/MaxMonitoredItemsPerCall the server announces and enforces; 0: no limit'),
});
export type PlantServerConfig = z.infer<typeof plantServerSchema>;
export type PlantServerInput = z.input<typeof plantServerSchema>;
