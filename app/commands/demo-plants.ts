/**
 * The demo's treatment plants over OPC UA: one simulated plant server (simulators/plant) per
 * plant site of the catalog, SignAndEncrypt with Basic256Sha256, and the `plants:` entries that
 * map each plant's outlet analysers, filter-effluent turbidimeters and chlorine dose onto the
 * catalog devices at its site. Those devices are then left out of the MQTT network (they report
 * over OPC UA instead).
 */
import { join } from 'node:path';
import type { PlantConfigInput } from '../../ingest/opcua/config.ts';
import type { Catalog } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import type { PlantScenario } from '../../simulators/plant/scenarios.ts';
import { plantServerSchema } from '../../simulators/plant/config.ts';
import { FILTERS } from '../../simulators/plant/model.ts';
import type { PlantServer } from '../../simulators/plant/server.ts';
import type { Logger } from '../log.ts';

/** Which tag of the plant feeds which metric of the site's devices. */
const PLANT_TAGS: readonly [string, MetricName][] = [
  ['Outlet.Turbidity', 'turbidity'],
  ['ClearWell.FreeChlorine', 'free_chlorine'],
  ['Outlet.pH', 'ph'],
  ['Outlet.Flow', 'flow'],
  ['Outlet.Pressure', 'pressure'],
  ...FILTERS.map((f): [string, MetricName] => [`Filter${f}.EffluentTurbidity`, 'filter_turbidity']),
  ['Dosing.ChlorineDose', 'chlorine_dose'],
];

/**
 * The mappings of a plant site: each tag onto the next device of the site, in catalog order,
 * that declares its metric and has no tag of that metric yet (filter 1 onto the first
 * filter-effluent turbidimeter, and so on). Pure.
 */
export function plantMappings(catalog: Catalog, siteId: string): PlantConfigInput['mappings'] {
  const devices = [...catalog.devices.values()].filter((d) => d.site.id === siteId);
  const taken = new Set<string>();
  return PLANT_TAGS.flatMap(([tag, metric]) => {
    const device = devices.find((d) => d.metrics.has(metric) && !taken.has(`${d.id}/${metric}`));
    if (!device) return [];
    taken.add(`${device.id}/${metric}`);
    return [{ nodeId: `ns=1;s=${siteId}.${tag}`, device: device.id, metric }];
  });
}

export interface DemoPlants {
  readonly entries: PlantConfigInput[];
  /** Devices the plants report for (not simulated over MQTT). */
  readonly devices: ReadonlySet<string>;
  stop(): Promise<void>;
}

export async function startDemoPlants(catalog: Catalog, options: { speed: number; seed: number; backfillMs: number; /** Where the servers' and the client's certificates are kept. */ pkiDir: string; scenarios: readonly PlantScenario[] }, log: Logger): Promise<DemoPlants> {
  // Loaded only when plants run: node-opcua prints its Node 20 warning when loaded.
  const { PlantServer } = await import('../../simulators/plant/server.ts');
  const sites = [...catalog.sites.values()].filter((s) => s.kind === 'plant');
  const servers: PlantServer[] = [];
  const entries: PlantConfigInput[] = [];
  try {
    for (const [index, site] of sites.entries()) {
      const server = new PlantServer(
        plantServerSchema.parse({
          plant: site.id,
          port: 0,
          pkiDir: join(options.pkiDir, 'plant-pki', site.id),
          // Client and server on one machine: the demo trusts the client's certificate (a plant trusts only its trusted/ folder).
          trustAnyClient: true,
          // None stays offered: a client fetches the endpoints and the server certificate over it (GetEndpoints, OPC 10000-4 §5.4.4); the session is SignAndEncrypt.
          securityModes: ['None', 'Sign', 'SignAndEncrypt'],
          seed: options.seed,
          speed: options.speed,
          backfillMs: options.backfillMs,
          scenarios: index === 0 ? options.scenarios : [],
        }),
        { site, log },
      );
      await server.start();
      servers.push(server);
      entries.push({ id: site.id, endpoint: server.endpointUrl, pkiDir: join(options.pkiDir, 'opcua-pki'), securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', trustAnyServer: true, mappings: plantMappings(catalog, site.id) });
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  return {
    entries,
    devices: new Set(entries.flatMap((e) => e.mappings.map((m) => m.device))),
    stop: async () => void (await Promise.all(servers.map((s) => s.stop()))),
  };
}
