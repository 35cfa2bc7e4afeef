/**
 * A simulated plant (simulators/plant) for the tests: the sample catalog's plant site, PKI in a
 * temporary folder, stepped by hand on simulated time (`manualSteps`) with exception-based
 * items (minimumSamplingInterval 0), so every step reaches a subscriber and nothing depends on
 * timers. Its mapping block maps the outlet analysers onto the catalog's plant devices.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlantConfigInput } from '../../ingest/opcua/config.ts';
import { loadCatalog } from '../../network/catalog.ts';
import { PlantServer, plantServerSchema, type PlantServerInput } from '../../simulators/plant/server.ts';

export const SAMPLE_CATALOG = new URL('../../network/sample/county.yaml', import.meta.url).pathname;
export const MINUTE_MS = 60_000;

export async function startTestPlant(input: PlantServerInput = {}): Promise<PlantServer> {
  const catalog = await loadCatalog(SAMPLE_CATALOG);
  const plantId = input.plant ?? 'north-plant';
  const pkiDir = input.pkiDir ?? (await mkdtemp(join(tmpdir(), 'clearwater-plant-')));
  // speed 2 with a backfill: the simulated run starts 3 h ago, so hand-made steps are in the past.
  const config = plantServerSchema.parse({ port: 0, manualSteps: true, minimumSamplingIntervalMs: 0, speed: 2, backfillMs: 3 * 3_600_000, ...input, plant: plantId, pkiDir });
  const plant = new PlantServer(config, { site: catalog.sites.get(plantId) });
  await plant.start();
  return plant;
}

/** The outlet analysers of a sample plant onto its catalog devices: 6 readings per step. */
export function outletMappings(plantId = 'north-plant'): PlantConfigInput['mappings'] {
  return [
    { nodeId: `ns=1;s=${plantId}.Outlet.Turbidity`, device: `${plantId}-turb`, metric: 'turbidity' },
    { browsePath: `1:${plantId}/1:ClearWell/1:FreeChlorine`, device: `${plantId}-cl`, metric: 'free_chlorine' },
    { nodeId: `ns=1;s=${plantId}.Outlet.pH`, device: `${plantId}-ph`, metric: 'ph' },
    { nodeId: `ns=1;s=${plantId}.Outlet.Flow`, device: `${plantId}-fm`, metric: 'flow' },
    { nodeId: `ns=1;s=${plantId}.Outlet.Pressure`, device: `${plantId}-fm`, metric: 'pressure' },
    { browsePath: `1:${plantId}/1:RawWater/1:Turbidity`, device: 'north-intake-mp', metric: 'turbidity' },
  ];
}

/** A `plants:` entry for the test pipeline: exception-based items, a fast publishing interval. */
export function plantEntry(plant: PlantServer, extra: Partial<PlantConfigInput> = {}): PlantConfigInput {
  return {
    id: plant.config.plant,
    endpoint: plant.endpointUrl,
    securityMode: 'SignAndEncrypt',
    securityPolicy: 'Basic256Sha256',
    trustAnyServer: true,
    publishingIntervalMs: 50,
    samplingIntervalMs: 0,
    queueSize: 100,
    // Every step changes the source timestamp: with it in the trigger, a step whose value repeats
    // (pH 7.35 twice) is still a reading, so each step is exactly 6.
    filter: { trigger: 'StatusValueTimestamp' },
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
    mappings: outletMappings(plant.config.plant),
    ...extra,
  };
}
