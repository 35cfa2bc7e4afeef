/**
 * The in-flight window against a real Aedes broker over TCP on an ephemeral port. The broker
 * holds a PUBACK for as long as `authorizePublish` has not answered, so the test can keep
 * publishes outstanding and release them at will.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from './broker.fixtures.ts';
import { InFlightWindow } from './in-flight.ts';

let broker: TestBroker;
/** When set, publishes wait here for their PUBACK until the test answers them. */
let held: ((error: Error | null) => void)[] | undefined;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startTestBroker({
    authorizePublish: (_client, _packet, done) => (held ? held.push(done) : done(null)),
  });
});

afterEach(async () => {
  held = undefined;
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
});

afterAll(() => broker.close());

async function device(id: string): Promise<MqttClient> {
  const client = await connectAsync(broker.url, { clientId: id, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  clients.push(client);
  return client;
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
};

describe('in-flight window on a real broker', () => {
  it('counts what the broker acknowledged and empties as PUBACKs arrive', async () => {
    const client = await device('window-acks');
    const window = new InFlightWindow(5);
    const settled: (Error | undefined)[] = [];
    for (let n = 0; n < 5; n++) window.publish(client, 'water/s/window-acks/telemetry', `{"seq":${n}}`, undefined, (e) => settled.push(e));
    expect(window.size).toBe(5);
    expect(window.hasRoom).toBe(false);
    expect(await window.drain(5000)).toBe(true);
    expect(window.counts).toEqual({ sent: 5, acknowledged: 5, refused: 0 });
    expect(settled).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(window.hasRoom).toBe(true);
  });

  it('stays full while the broker holds PUBACKs and has room again after the next one', async () => {
    held = [];
    const client = await device('window-held');
    const window = new InFlightWindow(2);
    window.publish(client, 't/1', 'a', undefined);
    window.publish(client, 't/1', 'b', undefined);
    await until(() => held?.length === 2);
    expect(await window.drain(200)).toBe(false);
    expect(window.hasRoom).toBe(false);
    const room = window.nextSettlement();
    held[0]?.(null);
    await room;
    expect(window.size).toBe(1);
    expect(window.hasRoom).toBe(true);
    held[1]?.(null);
    expect(await window.drain(5000)).toBe(true);
    expect(window.counts).toEqual({ sent: 2, acknowledged: 2, refused: 0 });
  });

  it('counts publishes the client gives up on as refused', async () => {
    held = [];
    const client = await device('window-refused');
    const window = new InFlightWindow(3);
    const errors: string[] = [];
    for (let n = 0; n < 3; n++) window.publish(client, 't/2', String(n), undefined, (e) => e && errors.push(e.message));
    await until(() => held?.length === 3);
    await client.endAsync(true);
    expect(await window.drain(5000)).toBe(true);
    expect(window.counts).toEqual({ sent: 3, acknowledged: 0, refused: 3 });
    expect(errors).toHaveLength(3);
  });

  it('hands back what abandoned publishes carried and counts them neither way', async () => {
    held = [];
    const client = await device('window-abandon');
    const window = new InFlightWindow<number[]>(10);
    window.publish(client, 't/3', 'x', [1, 2]);
    window.publish(client, 't/3', 'y', [3]);
    await until(() => held?.length === 2);
    expect(window.abandon()).toEqual([[1, 2], [3]]);
    expect(window.size).toBe(0);
    for (const answer of held) answer(null);
    await client.endAsync();
    expect(window.counts).toEqual({ sent: 2, acknowledged: 0, refused: 0 });
  });

  it('refuses a limit below one', () => {
    expect(() => new InFlightWindow(0)).toThrow(RangeError);
  });
});
