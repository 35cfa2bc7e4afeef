/**
 * The demo's treatment plants over OPC UA: one simulated plant server (simulators/plant) per
 * plant site of the catalog, SignAndEncrypt with Basic256Sha256, and the `plants:` entries that
 * map each plant's outlet analysers onto the catalog devices at its site. Those devices are then
 * left out of the MQTT network (they report over OPC UA instead).
 */
import { join } from 'node:path';
import type { PlantConfigInput } from '../../ingest/opcua/config.ts';
import type { Catalog } from '../../network/catalog.ts';
import type { MetricName } from '../../network/metrics.ts';
import type { PlantScenario } from '../../simulators/plant/scenarios.ts';
import { plantServerSchema } from '../../simulators/plant/config.ts';
import type { PlantServer } from '../../simulators/plant/server.ts';
import type { Logger } from '../log.ts';

/** Which tag of the plant feeds which metric of the site's devices. */
const OUTLET_TAGS: readonly [string, MetricName][] = [
  ['Outlet.Turbidity', 'turbidity'],
  ['ClearWell.FreeChlorine', 'free_chlorine'],
  ['Outlet.pH', 'ph'],
  ['Outlet.Flow', 'flow'],
  ['Outlet.Pressure', 'pressure'],
];

/** The mappings of a plant site: each outlet tag onto the first device of the site that declares its metric. Pure. */
export function outletMappings(catalog: Catalog, siteId: string): PlantConfigInput['mappings'] {
  const devices = [...catalog.devices.values()].filter((d) => d.site.id === siteId);
  return OUTLET_TAGS.flatMap(([tag, metric]) => {
    const device = devices.find((d) => d.metrics.has(metric));
    return device ? [{ nodeId: `ns=1;s=${siteId}.${tag}`, device: device.id, metric }] : [];
  });
}

export interface DemoPlants {
  readonly entries: PlantConfigInput[];
  /** Devices the plants report for (not simulated over MQTT). */
  readonly devices: ReadonlySet<string>;
  stop(): Promise<void>;
}

export async function startDemoPlants(catalog: Catalog, options: { speed: number; seed: number; backfillMs: number; dataDir: string; scenarios: readonly PlantScenario[] }, log: Logger): Promise<DemoPlants> {
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
          pkiDir: join(options.dataDir, 'plant-pki', site.id),
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
      entries.push({ id: site.id, endpoint: server.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', trustAnyServer: true, mappings: outletMappings(catalog, site.id) });
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
