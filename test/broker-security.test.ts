/**
 * Broker security with real MQTT clients over TCP against a whole Clearwater process: logins,
 * topic ACL, read-only $SYS, payload limit, the last will, and client ids bound to who logged in.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashPassword } from '../network/password.ts';
import { derivedPassword } from '../simulators/credentials.ts';
import { connect, connectDevice, eventually, metric, startTestPipeline, type TestPipeline } from './support/pipeline.ts';

const TAP = { id: 'tongmen-tap-wq', site: 'tongmen-tap' };
const OTHER = { id: 'xiwan-tap-wq', site: 'xiwan-tap' };
const reading = (turbidity: number) => JSON.stringify({ ts: Date.now() - 1000, readings: { turbidity } });

let pipeline: TestPipeline;
beforeAll(async () => {
  const observerHash = await hashPassword('observer-pass', { N: 1024, r: 8, p: 1 });
  pipeline = await startTestPipeline(inject('influxUrl'), 'broker_security', { broker: { port: 0, observers: [{ username: 'wall', passwordHash: observerHash }] } });
});
afterAll(() => pipeline?.close());

describe('logins', () => {
  it('refuses a wrong password', async () => {
    await expect(connectDevice(pipeline.mqttUrl, TAP.id, { password: 'not-the-password' })).rejects.toThrow(/Bad username or password/i);
  });

  it('refuses a device that is not in the catalog', async () => {
    await expect(connectDevice(pipeline.mqttUrl, 'ghost-device', { password: 'whatever-it-is' })).rejects.toThrow(/Bad username or password/i);
  });

  it('refuses a connection without credentials', async () => {
    await expect(connect(pipeline.mqttUrl, {})).rejects.toThrow(/Bad username or password/i);
  });

  it('counts refused logins', async () => {
    expect(await metric(pipeline.http, 'clearwater_mqtt_logins_refused_total')).toBeGreaterThanOrEqual(3);
  });
});

describe('topic ACL', () => {
  it('keeps a device publishing under another device\'s topic out of InfluxDB and away from subscribers', async () => {
    const wall = await connect(pipeline.mqttUrl, { username: 'wall', password: 'observer-pass' });
    const seen: string[] = [];
    wall.on('message', (topic) => seen.push(topic));
    await wall.subscribeAsync('#', { qos: 1 });
    const intruder = await connectDevice(pipeline.mqttUrl, TAP.id);
    // [MQTT-3.3.5-2]: acknowledged, delivered to nobody; closing the connection would make the
    // client send it again on every reconnect.
    await intruder.publishAsync(`water/${OTHER.site}/${OTHER.id}/telemetry`, reading(9.99), { qos: 1 });
    expect(intruder.connected).toBe(true);
    await intruder.endAsync();

    const honest = await connectDevice(pipeline.mqttUrl, OTHER.id);
    await honest.publishAsync(`water/${OTHER.site}/${OTHER.id}/telemetry`, reading(0.12), { qos: 1 });
    await honest.endAsync();
    const rows = await eventually(async () => {
      const r = await pipeline.query(`SELECT turbidity FROM telemetry WHERE device = '${OTHER.id}'`);
      return r.length > 0 ? r : undefined;
    });
    expect(rows.map((r) => r[1])).toEqual([0.12]);
    expect(await metric(pipeline.http, 'clearwater_mqtt_publishes_refused_total{reason="acl_denied"}')).toBe(1);
    expect(await metric(pipeline.http, 'clearwater_readings_rejected_total{reason="acl_denied"}')).toBe(1);
    expect(seen.filter((t) => t.includes('telemetry'))).toEqual([`water/${OTHER.site}/${OTHER.id}/telemetry`]);
    await wall.endAsync();
  });

  it('refuses a device\'s subscription to # and to other devices, but not to its own subtree', async () => {
    const device = await connectDevice(pipeline.mqttUrl, TAP.id);
    // SUBACK return code 0x80 for each refused filter; mqtt.js reports it as an error carrying the packet.
    const refused = await device.subscribeAsync(['#', `water/${OTHER.site}/#`], { qos: 1 }).then(
      () => undefined,
      (error: { packet?: { granted?: number[] } }) => error.packet?.granted,
    );
    expect(refused).toEqual([128, 128]);
    const own = await device.subscribeAsync(`water/${TAP.site}/${TAP.id}/#`, { qos: 1 });
    expect(own.map((g) => g.qos)).toEqual([1]);
    expect(device.connected).toBe(true);
    const received: string[] = [];
    device.on('message', (topic) => received.push(topic));
    const other = await connectDevice(pipeline.mqttUrl, OTHER.id);
    await other.publishAsync(`water/${OTHER.site}/${OTHER.id}/telemetry`, reading(0.1), { qos: 1 });
    await other.endAsync();
    await new Promise((r) => setTimeout(r, 300));
    expect(received.filter((t) => t.includes(OTHER.id))).toEqual([]);
    await device.endAsync();
  });

  it('keeps $SYS read-only: a device cannot publish there, an observer can read it', async () => {
    const device = await connectDevice(pipeline.mqttUrl, TAP.id);
    const wall = await connect(pipeline.mqttUrl, { username: 'wall', password: 'observer-pass' });
    const faked: string[] = [];
    wall.on('message', (topic) => topic.endsWith('/fake') && faked.push(topic));
    const granted = await wall.subscribeAsync('$SYS/#');
    expect(granted[0]?.qos).toBe(0);
    await device.publishAsync('$SYS/broker/fake', 'x', { qos: 1 });
    await wall.publishAsync('water/tongmen-tap/tongmen-tap-wq/telemetry', reading(0.1), { qos: 1 }); // observers publish nothing
    await new Promise((r) => setTimeout(r, 200));
    expect(faked).toEqual([]);
    expect(await metric(pipeline.http, 'clearwater_mqtt_publishes_refused_total{reason="acl_denied"}')).toBe(3);
    await device.endAsync();
    await wall.endAsync();
  });

  it('refuses payloads over 64 KiB and dead-letters them', async () => {
    const device = await connectDevice(pipeline.mqttUrl, TAP.id);
    await device.publishAsync(`water/${TAP.site}/${TAP.id}/telemetry`, JSON.stringify({ ts: Date.now(), readings: { turbidity: 0.2 }, pad: 'x'.repeat(70_000) }), { qos: 1 });
    await device.endAsync();
    expect(await metric(pipeline.http, 'clearwater_mqtt_publishes_refused_total{reason="oversize"}')).toBe(1);
    expect(await metric(pipeline.http, 'clearwater_readings_rejected_total{reason="oversize"}')).toBe(1);
  });
});

describe('presence', () => {
  it('marks a device offline through its last will when its connection dies', async () => {
    const wall = await connect(pipeline.mqttUrl, { username: 'wall', password: 'observer-pass' });
    const statuses: string[] = [];
    wall.on('message', (topic, payload) => {
      if (topic === `water/${OTHER.site}/${OTHER.id}/status`) statuses.push(payload.toString());
    });
    await wall.subscribeAsync(`water/${OTHER.site}/${OTHER.id}/status`, { qos: 1 });

    // This device sets no will of its own: the broker supplies one.
    const device = await connectDevice(pipeline.mqttUrl, OTHER.id);
    await device.publishAsync(`water/${OTHER.site}/${OTHER.id}/status`, 'online', { qos: 1, retain: true });
    await eventually(async () => ((await metric(pipeline.http, 'clearwater_devices_online')) === 1 ? true : undefined));
    device.stream.destroy(); // the cable is cut: no DISCONNECT
    await eventually(() => (statuses.at(-1) === 'offline' ? true : undefined), 5000, 'offline status');
    expect(statuses).toEqual(['online', 'offline']);
    expect(await metric(pipeline.http, 'clearwater_devices_online')).toBe(0);
    device.end(true);
    await wall.endAsync();
  });
});

// After 'presence': these leave the devices' status retained `online`.
describe('client ids belong to the principal that logged in with them', () => {
  const status = `water/${TAP.site}/${TAP.id}/status`;
  const telemetry = `water/${TAP.site}/${TAP.id}/telemetry`;
  const wallLogin = { username: 'wall', password: 'observer-pass' };

  it('refuses another device, or an observer, asking for a connected device\'s client id: the device stays connected and online', async () => {
    const takenOverBefore = await metric(pipeline.http, 'clearwater_mqtt_connections_taken_over_total');
    const wall = await connect(pipeline.mqttUrl, wallLogin);
    const statuses: string[] = [];
    wall.on('message', (topic, payload) => topic === status && statuses.push(payload.toString()));
    await wall.subscribeAsync(status, { qos: 1 });
    const victim = await connectDevice(pipeline.mqttUrl, TAP.id, { clientId: 'tongmen-tap-wq-main' });
    let victimClosed = false;
    victim.on('close', () => (victimClosed = true));
    await victim.publishAsync(status, 'online', { qos: 1, retain: true });

    // Each with its own, correct password: before the binding, Aedes closed the victim [MQTT-3.1.4-2].
    await expect(connectDevice(pipeline.mqttUrl, OTHER.id, { clientId: 'tongmen-tap-wq-main' })).rejects.toThrow(/Identifier rejected/i);
    await expect(connect(pipeline.mqttUrl, { ...wallLogin, clientId: 'tongmen-tap-wq-main' })).rejects.toThrow(/Identifier rejected/i);

    // A round trip on the victim's connection after both attempts: it is the one it had.
    await victim.publishAsync(status, 'online', { qos: 1, retain: true });
    expect(victimClosed).toBe(false);
    await eventually(() => (statuses.length >= 2 ? true : undefined), 5000, 'both statuses');
    expect(statuses).toEqual(['online', 'online']); // no `offline` from a last will in between
    expect(await metric(pipeline.http, 'clearwater_mqtt_connections_refused_total{reason="client_id_taken"}')).toBe(2);
    expect(await metric(pipeline.http, 'clearwater_mqtt_connections_taken_over_total')).toBe(takenOverBefore);
    await victim.endAsync();
    await wall.endAsync();
  });

  it('keeps the messages queued for a device\'s kept session (CleanSession 0) from anyone else, and frees the id when the session ends', async () => {
    const sessionId = 'tongmen-tap-wq-session';
    const owner = await connectDevice(pipeline.mqttUrl, TAP.id, { clientId: sessionId, clean: false });
    await owner.subscribeAsync(telemetry, { qos: 1 });
    await owner.endAsync(); // DISCONNECT: the session, its subscription with it, stays [MQTT-3.1.2-4]
    const publisher = await connectDevice(pipeline.mqttUrl, TAP.id); // another client id of the device
    await publisher.publishAsync(telemetry, reading(0.55), { qos: 1 }); // queued for the kept session
    await publisher.endAsync();

    await expect(connectDevice(pipeline.mqttUrl, OTHER.id, { clientId: sessionId, clean: false })).rejects.toThrow(/Identifier rejected/i);
    await expect(connect(pipeline.mqttUrl, { ...wallLogin, clientId: sessionId, clean: false })).rejects.toThrow(/Identifier rejected/i);

    // The owner gets what was queued for it.
    const back = mqtt.connect(pipeline.mqttUrl, { username: TAP.id, password: derivedPassword(TAP.id), clientId: sessionId, clean: false, reconnectPeriod: 0 });
    const queued = await new Promise<string>((resolve) => back.on('message', (_topic, payload) => resolve(payload.toString())));
    expect(JSON.parse(queued)).toMatchObject({ readings: { turbidity: 0.55 } });
    await back.endAsync();

    // A clean session of the owner ends the kept one [MQTT-3.1.2-6]: the id is free again.
    await (await connectDevice(pipeline.mqttUrl, TAP.id, { clientId: sessionId, clean: true })).endAsync();
    await (await connectDevice(pipeline.mqttUrl, OTHER.id, { clientId: sessionId, clean: true })).endAsync();
  });
});

describe('retained messages', () => {
  const own = (channel: string) => `water/${TAP.site}/${TAP.id}/${channel}`;

  it('keeps only a device\'s status retained: telemetry and a will elsewhere flow on but are not kept for later subscribers', async () => {
    const before = await metric(pipeline.http, 'clearwater_mqtt_retain_flags_cleared_total');
    const watcher = await connect(pipeline.mqttUrl, { username: 'wall', password: 'observer-pass' });
    const willSeen = new Promise<void>((resolve) => watcher.on('message', (topic) => topic === own('lastgasp') && resolve()));
    await watcher.subscribeAsync(own('lastgasp'), { qos: 1 });
    const device = await connectDevice(pipeline.mqttUrl, TAP.id, { will: { topic: own('lastgasp'), payload: Buffer.from('gone'), qos: 1, retain: true } });
    await device.publishAsync(own('telemetry'), reading(0.66), { qos: 1, retain: true });
    await device.publishAsync(own('status'), 'online', { qos: 1, retain: true });
    device.stream.destroy(); // no DISCONNECT: the device's own will goes out
    await willSeen;
    device.end(true);
    await watcher.endAsync();

    // An observer subscribing after the fact. One SUBSCRIBE, status last: Aedes sends the retained
    // messages filter by filter, so anything retained on the others would arrive before the status.
    const wall = await connect(pipeline.mqttUrl, { username: 'wall', password: 'observer-pass' });
    const retained: string[] = [];
    const statusSeen = new Promise<void>((resolve) =>
      wall.on('message', (topic, _payload, packet) => {
        if (packet.retain) retained.push(topic);
        if (topic === own('status')) resolve();
      }),
    );
    await wall.subscribeAsync([own('telemetry'), own('lastgasp'), own('status')], { qos: 1 });
    await statusSeen;
    expect(retained).toEqual([own('status')]);
    await wall.endAsync();
    expect(await metric(pipeline.http, 'clearwater_mqtt_retain_flags_cleared_total')).toBe(before + 2);
    const rows = await eventually(async () => {
      const r = await pipeline.query(`SELECT turbidity FROM telemetry WHERE device = '${TAP.id}' AND turbidity = 0.66`);
      return r.length > 0 ? r : undefined;
    });
    expect(rows).toHaveLength(1); // the reading itself landed
  });
});
