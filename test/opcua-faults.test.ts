/**
 * OPC UA faults on real parts (node-opcua server and client, the pipeline, InfluxDB 1.6.7):
 * - the north plant's server is stopped and started again mid-stream: the client reconnects and
 *   resubscribes by itself, one subscription and no duplicates on the server, every step after
 *   it stored, none before it lost;
 * - the south plant's network drops (a cuttable TCP proxy in front of it), then comes back: the
 *   session is reactivated and the values queued on the server while it was away arrive;
 * - a node goes Bad (dead-lettered with its status, the others flow), then disappears (its
 *   mapping turns bad with a ticket, the rest of the plant keeps flowing);
 * - a client certificate the server does not trust, a wrong password where the plant asks for a
 *   user name, and a wrong endpoint, fail start-up with a clear error; the right password reads.
 * Simulated minutes are stepped by hand; every wait is for a condition.
 */
import { StatusCodes } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../app/free-port.ts';
import type { PlantServer } from '../simulators/plant/server.ts';
import { cuttableProxy, type CuttableProxy } from './support/cuttable-proxy.ts';
import { eventually, startTestPipeline, type TestPipeline } from './support/pipeline.ts';
import { MINUTE_MS, outletMappings, plantEntry, startTestPlant } from './support/plant.ts';

let north: PlantServer;
let south: PlantServer;
let proxy: CuttableProxy;
let pipeline: TestPipeline;

const southMappings = outletMappings('south-plant').filter((m) => m.device !== 'north-intake-mp');

beforeAll(async () => {
  north = await startTestPlant({ trustAnyClient: true });
  south = await startTestPlant({ plant: 'south-plant', trustAnyClient: true });
  proxy = await cuttableProxy({ host: '127.0.0.1', port: south.port });
  const viaProxy = south.endpointUrl.replace(/:\d+\//, `:${new URL(proxy.url).port}/`);
  pipeline = await startTestPipeline(inject('influxUrl'), 'opcua_faults', {
    rulePacks: [new URL('../rules/packs/gb5749-plant-outlet.yaml', import.meta.url).pathname],
    plants: [plantEntry(north), plantEntry(south, { endpoint: viaProxy, mappings: southMappings, securityMode: 'Sign' })],
  });
}, 60_000);

afterAll(async () => {
  await pipeline?.close();
  await proxy?.close();
  await north?.stop();
  await south?.stop();
});

const source = (plant: string) => pipeline.plants.sources.find((s) => s.config.id === plant)!;
const received = (plant: string) => source(plant).stats().readingsReceived;
const until = (what: string, check: () => boolean) => eventually(() => (check() ? true : undefined), 20_000, what);
const at = (plant: PlantServer, minute: number) => plant.clock.startMs + minute * MINUTE_MS;

async function step(plant: PlantServer, minute: number, readings: number): Promise<void> {
  const before = received(plant.config.plant);
  plant.step(at(plant, minute));
  await until(`${plant.config.plant} minute ${minute}`, () => received(plant.config.plant) >= before + readings);
}

describe('the north plant server restarts mid-stream', () => {
  it('reconnects, resubscribes once, and stores every step before and after', async () => {
    await until('initial values', () => received('north-plant') >= 6);
    for (let m = 1; m <= 3; m++) await step(north, m, 6);
    const before = received('north-plant');
    await north.stop();
    await until('the connection lost', () => source('north-plant').stats().connectionsLost >= 1);
    await north.start();
    await until('the session restored', () => source('north-plant').stats().reconnects >= 1);
    await until('the recreated items report their values', () => received('north-plant') >= before + 6);
    for (let m = 4; m <= 6; m++) await step(north, m, 6);
    expect(north.subscriptions()).toEqual([{ id: expect.any(Number), monitoredItems: 6 }]);
    expect(source('north-plant').stats().itemsByStatus).toEqual({ Good: 6 });
    const rows = await eventually(async () => {
      const found = await pipeline.query(`SELECT turbidity FROM telemetry WHERE device = 'north-plant-turb' AND time >= ${at(north, 1)}ms`);
      return found.length >= 6 ? found : undefined;
    }, 15_000, 'the steps in InfluxDB');
    expect(rows.map((r) => Number(r[0]))).toEqual([1, 2, 3, 4, 5, 6].map((m) => at(north, m)));
  }, 60_000);
});

describe("the south plant's network drops", () => {
  it('reactivates the session and delivers what the server queued meanwhile', async () => {
    await until('initial values', () => received('south-plant') >= 5);
    await step(south, 1, 5);
    const before = received('south-plant');
    proxy.cut();
    await until('the connection lost', () => source('south-plant').stats().connectionsLost >= 1);
    south.step(at(south, 2));
    south.step(at(south, 3));
    proxy.restore();
    await until('the session restored', () => source('south-plant').stats().reconnects >= 1);
    await until('the queued steps', () => received('south-plant') >= before + 10);
    await step(south, 4, 5);
    expect(south.subscriptions()).toEqual([{ id: expect.any(Number), monitoredItems: 5 }]);
    const rows = await eventually(async () => {
      const found = await pipeline.query(`SELECT turbidity FROM telemetry WHERE device = 'south-plant-turb' AND time >= ${at(south, 1)}ms`);
      return found.length >= 4 ? found : undefined;
    }, 15_000, 'the steps in InfluxDB');
    expect(rows.map((r) => Number(r[0]))).toEqual([1, 2, 3, 4].map((m) => at(south, m)));
  }, 60_000);
});

describe('a node goes Bad, then disappears', () => {
  it('dead-letters the Bad value, then marks only that mapping bad with a ticket', async () => {
    north.hold('Outlet.Turbidity', StatusCodes.BadSensorFailure);
    const rejected = () => pipeline.ingest.stats.readingsRejected.opcua_bad_status ?? 0;
    await step(north, 10, 5);
    await until('the Bad value dead-lettered', () => rejected() >= 1);
    north.hold('Outlet.Turbidity', undefined);
    north.removeTag('Outlet.Turbidity');
    const ticket = await eventually(async () => (await pipeline.tickets('open')).find((t) => t.ruleId === 'opcua-node-unavailable'), 20_000, 'the mapping ticket');
    expect(ticket).toMatchObject({ site: 'north-plant', device: 'north-plant-turb', metric: 'turbidity', severity: 'maintenance' });
    expect(ticket.source).toMatch(/BadNodeIdInvalid/);
    for (let m = 11; m <= 12; m++) await step(north, m, 5);
    expect(source('north-plant').stats().itemsByStatus).toEqual({ Good: 5, BadNodeIdInvalid: 1 });
    expect(source('north-plant').stats().session).toBe('connected');
  }, 60_000);
});

describe('start-up errors', () => {
  it('refuses a client certificate the server does not trust, saying so', async () => {
    const strict = await startTestPlant({ plant: 'south-plant' });
    try {
      await expect(startTestPipeline(inject('influxUrl'), 'opcua_untrusted', { plants: [plantEntry(strict, { mappings: southMappings })] })).rejects.toThrow(/refused the client certificate.*does not trust it/);
    } finally {
      await strict.stop();
    }
  }, 60_000);

  it('logs in with a user name where the plant asks for one, and names a wrong password', async () => {
    const guarded = await startTestPlant({ plant: 'south-plant', trustAnyClient: true, allowAnonymous: false, users: [{ username: 'clearwater', password: 'right-one' }] });
    try {
      const entry = (password: string) => plantEntry(guarded, { mappings: southMappings, username: 'clearwater', password, firstConnectRetries: 1 });
      await expect(startTestPipeline(inject('influxUrl'), 'opcua_user_wrong', { plants: [entry('wrong-one')] })).rejects.toThrow(/refused the user name or password/);
      const ok = await startTestPipeline(inject('influxUrl'), 'opcua_user_ok', { plants: [entry('right-one')] });
      try {
        const plant = ok.plants.sources.find((s) => s.config.id === 'south-plant')!;
        await eventually(() => (plant.stats().readingsReceived >= southMappings.length ? true : undefined), 20_000, 'readings with the user name');
      } finally {
        await ok.close();
      }
    } finally {
      await guarded.stop();
    }
  }, 60_000);

  it('names a wrong endpoint', async () => {
    const port = await freePort();
    const entry = { ...plantEntry(north), endpoint: `opc.tcp://127.0.0.1:${port}/clearwater`, firstConnectRetries: 1 };
    await expect(startTestPipeline(inject('influxUrl'), 'opcua_wrong', { plants: [entry] })).rejects.toThrow(new RegExp(`opc.tcp://127.0.0.1:${port}/clearwater refused the connection after 2 attempts`));
  }, 60_000);
});
