/**
 * A treatment plant over OPC UA, end to end on real parts: the simulated plant (node-opcua
 * server, SignAndEncrypt / Basic256Sha256) → the pipeline's OPC UA client → ingest → spool →
 * InfluxDB 1.6.7 under the catalog's plant tags → the GB 5749 plant-outlet rules → a turbidity
 * ticket at the plant outlet when filter 2 breaks through, resolved after the operator
 * backwashes it through the Backwash method. Simulated minutes are stepped by hand; every wait
 * is for a condition, never a duration.
 */
import { OPCUAClient } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PlantServer } from '../simulators/plant/server.ts';
import { eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';
import { MINUTE_MS, plantEntry, startTestPlant } from './support/plant.ts';

const READINGS_PER_STEP = 6;
let plant: PlantServer;
let pipeline: TestPipeline;

beforeAll(async () => {
  plant = await startTestPlant({
    trustAnyClient: true,
    scenarios: [{ kind: 'filter-breakthrough', filter: 2, startsAfter: 10 * MINUTE_MS, rampMs: 5 * MINUTE_MS, peakNtu: 8 }],
  });
  pipeline = await startTestPipeline(inject('influxUrl'), 'opcua_plant', {
    rulePacks: [new URL('../rules/packs/gb5749-plant-outlet.yaml', import.meta.url).pathname],
    plants: [plantEntry(plant)],
  });
}, 60_000);

afterAll(async () => {
  await pipeline?.close();
  await plant?.stop();
});

/** Steps the plant to minute `minute` and waits until the pipeline holds that step's readings durably. */
async function stepTo(minute: number, received: { count: number }): Promise<void> {
  plant.step(plant.clock.startMs + minute * MINUTE_MS);
  received.count += READINGS_PER_STEP;
  const source = pipeline.plants.sources[0]!;
  await eventually(() => (source.stats().readingsReceived >= received.count ? true : undefined), 10_000, `the readings of minute ${minute}`);
}

async function backwash(filter: number): Promise<void> {
  const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 1 } });
  await client.connect(plant.endpointUrl);
  const session = await client.createSession();
  const result = await session.call({ objectId: `ns=1;s=north-plant.Filter${filter}`, methodId: `ns=1;s=north-plant.Filter${filter}.Backwash`, inputArguments: [] });
  await session.close();
  await client.disconnect();
  expect(result.statusCode.name).toBe('Good');
}

describe('filter 2 breaks through at the north plant', () => {
  it('stores the readings under the plant tags, opens an outlet turbidity ticket, and resolves it after the backwash', async () => {
    const received = { count: 0 };
    await eventually(() => (pipeline.plants.sources[0]!.stats().readingsReceived >= READINGS_PER_STEP ? true : undefined), 10_000, 'the initial values');
    received.count = READINGS_PER_STEP;
    for (let minute = 1; minute <= 24; minute++) await stepTo(minute, received);
    const open = await eventually(async () => (await pipeline.tickets('open')).find((t) => t.ruleId === 'plant-outlet-turbidity'), 10_000, 'an outlet turbidity ticket');
    expect(open).toMatchObject({ site: 'north-plant', siteKind: 'plant', device: 'north-plant-turb', zone: 'north', township: 'tongmen', state: 'open', severity: 'warning' });
    expect(open.peakValue).toBeGreaterThan(1);

    await backwash(2);
    for (let minute = 25; minute <= 32; minute++) await stepTo(minute, received);
    const resolved = await eventually(async () => (await pipeline.tickets('all')).find((t) => t.id === open.id && t.state === 'resolved'), 10_000, 'the ticket resolved');
    expect(resolved.resolvedAt).toBeGreaterThan(plant.clock.startMs + 24 * MINUTE_MS);

    // In InfluxDB under the catalog's tags, one point per step (and the initial value).
    const rows = await eventually(async () => {
      const found = await pipeline.query(`SELECT turbidity, site, site_kind, zone, township FROM telemetry WHERE device = 'north-plant-turb'`);
      return found.length >= 33 ? found : undefined;
    }, 15_000, 'the outlet turbidity points');
    expect(rows).toHaveLength(33);
    for (const row of rows) expect(row.slice(2)).toEqual(['north-plant', 'plant', 'north', 'tongmen']);
    const turbidities = rows.map((row) => row[1] as number);
    expect(Math.max(...turbidities)).toBeGreaterThan(1.5);
    expect(turbidities.at(-1)).toBeLessThan(0.3);
    const raw = await pipeline.query(`SELECT count(turbidity) FROM telemetry WHERE device = 'north-intake-mp'`);
    expect(raw[0]?.[1]).toBe(33);

    // /metrics: the session, the items by status, the readings by plant.
    expect(await metric(pipeline.http, 'clearwater_opcua_session_state{plant="north-plant",state="connected"}')).toBe(1);
    expect(await metric(pipeline.http, 'clearwater_opcua_monitored_items{plant="north-plant",status="Good"}')).toBe(6);
    expect(await metric(pipeline.http, 'clearwater_opcua_readings_total{plant="north-plant",outcome="received"}')).toBe(received.count);
    expect(plant.subscriptions()).toEqual([{ id: expect.any(Number), monitoredItems: 6 }]);
  }, 60_000);
});
