import { EventEmitter } from 'node:events';
import type { IPublishPacket } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IncomingPublish } from './ingest.ts';
import { clientOptions, linkClientId, loggableUrl, mqttSourceSchema, MqttSource, reconnectDelayMs, type SourceClient } from './mqtt-source.ts';

const config = mqttSourceSchema.parse({ kind: 'mqtt', url: 'mqtt://broker.test:1883', clientId: 'ingest-a' });

/** An mqtt.js client stand-in: the test plays the broker by emitting events and calling handleMessage. */
class FakeClient extends EventEmitter {
  connected = false;
  subscriptions: string[] = [];
  ends: boolean[] = [];
  reconnects = 0;
  handleMessage: SourceClient['handleMessage'] = (_packet, callback) => callback();
  connect() {
    return this;
  }
  subscribe(topic: string, _options: unknown, callback: (error: Error | null, granted: { topic: string; qos: number }[]) => void) {
    this.subscriptions.push(topic);
    callback(null, [{ topic, qos: 1 }]);
    return this;
  }
  end(force: boolean, callback?: () => void) {
    this.ends.push(force);
    this.drop();
    callback?.();
    return this;
  }
  reconnect() {
    this.reconnects += 1;
    return this;
  }
  /** The broker accepts the connection. */
  accept(sessionPresent = false) {
    this.connected = true;
    this.emit('connect', { cmd: 'connack', sessionPresent });
  }
  drop() {
    if (!this.connected) return;
    this.connected = false;
    this.emit('close');
  }
  /** Delivers a PUBLISH; resolves with what mqtt.js would do: 'puback' or 'no puback'. */
  deliver(packet: Partial<IPublishPacket> = {}): { outcome: Promise<'puback' | 'no puback'>; settled: () => boolean } {
    let settled = false;
    const outcome = new Promise<'puback' | 'no puback'>((resolve) => {
      const full = { cmd: 'publish', topic: 'water/s1/d1/telemetry', payload: Buffer.from('{}'), qos: 1, dup: false, retain: false, messageId: 1, ...packet } as IPublishPacket;
      this.handleMessage(full, (error?: Error) => {
        settled = true;
        resolve(error ? 'no puback' : 'puback');
      });
    });
    return { outcome, settled: () => settled };
  }
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

async function startSource(accept: (publish: IncomingPublish) => Promise<void> | undefined) {
  const client = new FakeClient();
  const source = new MqttSource(config, { connect: () => client as unknown as SourceClient, random: () => 0 });
  const started = source.start({ accept, refuse: () => expect.unreachable('the source refuses nothing itself') });
  client.accept();
  await started;
  return { client, source };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => vi.useRealTimers());

describe('mqtt source options', () => {
  it('asks for a persistent session under the fixed client id, and reconnects itself', () => {
    expect(clientOptions(config)).toMatchObject({ clientId: 'ingest-a', clean: false, protocolVersion: 4, reconnectPeriod: 0, resubscribe: false, manualConnect: true });
    expect(clientOptions(config).properties).toBeUndefined();
  });

  it('gives an MQTT 5 session an expiry interval, else it would end at disconnect', () => {
    const v5 = mqttSourceSchema.parse({ kind: 'mqtt', url: 'mqtt://b', protocolVersion: 5, sessionExpiryS: 86_400 });
    expect(clientOptions(v5).properties).toEqual({ sessionExpiryInterval: 86_400 });
  });

  it('takes only QoS 1 and MQTT URLs', () => {
    expect(mqttSourceSchema.safeParse({ kind: 'mqtt', url: 'mqtt://b', qos: 2 }).success).toBe(false);
    expect(mqttSourceSchema.safeParse({ kind: 'mqtt', url: 'http://b' }).success).toBe(false);
    expect(mqttSourceSchema.parse({ kind: 'mqtt', url: 'mqtts://b:8883' })).toMatchObject({ topic: 'water/+/+/+', qos: 1, clientId: 'clearwater-ingest' });
  });
});

describe('loggableUrl', () => {
  it.each([
    ['mqtt://ingest:s3cret@broker.county:1883', 'mqtt://broker.county:1883'],
    ['mqtts://broker.county:8883', 'mqtts://broker.county:8883'],
    ['not a url', '(unparsable URL)'],
  ])('%s → %s', (url, shown) => expect(loggableUrl(url)).toBe(shown));
});

describe('reconnect backoff', () => {
  const limits = { reconnectMinMs: 500, reconnectMaxMs: 30_000 };
  it.each([
    [0, 0, 500],
    [0, 0.999_999, 250],
    [1, 0, 1000],
    [3, 0.5, 3000],
    [6, 0, 30_000],
    [60, 0.999_999, 15_000],
  ])('attempt %i with jitter %d waits %i ms', (attempt, random, expected) => {
    expect(reconnectDelayMs(attempt, limits, random)).toBe(expected);
  });
});

describe('mqtt source acknowledgements', () => {
  it('sends the PUBACK only after the readings are durable', async () => {
    const spool = deferred();
    const { client, source } = await startSource(() => spool.promise);
    const message = client.deliver();
    await tick();
    expect(message.settled()).toBe(false);
    spool.resolve();
    expect(await message.outcome).toBe('puback');
    expect(source.stats()).toMatchObject({ received: 1, acked: 1, unacked: 0 });
  });

  it('acknowledges a dead-lettered message at once', async () => {
    const { client, source } = await startSource(() => undefined);
    expect(await client.deliver({ topic: 'water/s1/stranger/telemetry' }).outcome).toBe('puback');
    expect(source.stats().acked).toBe(1);
  });

  it('leaves a refused message unacknowledged and reconnects so the broker re-sends it', async () => {
    vi.useFakeTimers();
    const accepted: string[] = [];
    const { client, source } = await startSource((publish) => {
      accepted.push(publish.topic);
      return Promise.reject(new Error('spool full'));
    });
    expect(await client.deliver().outcome).toBe('no puback');
    expect(client.ends).toEqual([false]); // a clean DISCONNECT: the session stays
    expect(source.stats()).toMatchObject({ acked: 0, unacked: 1, connected: false, disconnects: 1 });
    // Whatever else arrives before the reconnect is left for redelivery without touching the spool.
    expect(await client.deliver({ messageId: 2 }).outcome).toBe('no puback');
    expect(accepted).toHaveLength(1);
    vi.advanceTimersByTime(499); // first delay: reconnectMinMs 500 with random 0
    expect(client.reconnects).toBe(0);
    vi.advanceTimersByTime(1);
    expect(client.reconnects).toBe(1);
  });

  it('does not send a PUBACK computed on a connection that has since closed', async () => {
    const spool = deferred();
    const { client, source } = await startSource(() => spool.promise);
    const message = client.deliver();
    client.drop();
    spool.resolve();
    expect(await message.outcome).toBe('no puback');
    expect(source.stats()).toMatchObject({ acked: 0, unacked: 1 });
  });

  it('counts redeliveries by their DUP flag', async () => {
    const { client, source } = await startSource(() => Promise.resolve());
    await client.deliver({ dup: true }).outcome;
    expect(source.stats()).toMatchObject({ received: 1, redelivered: 1, acked: 1 });
  });

  it('does not count a QoS 0 message as acknowledged', async () => {
    const { client, source } = await startSource(() => undefined);
    await client.deliver({ qos: 0 }).outcome;
    expect(source.stats()).toMatchObject({ received: 1, acked: 0 });
  });

  it('on stop, finishes the message in hand, then disconnects cleanly', async () => {
    const spool = deferred();
    const { client, source } = await startSource(() => spool.promise);
    const message = client.deliver();
    const stopped = source.stop();
    await tick();
    expect(client.ends).toEqual([]);
    spool.resolve();
    await stopped;
    expect(await message.outcome).toBe('puback');
    expect(client.ends).toEqual([false]);
    expect(client.reconnects).toBe(0);
  });
});

describe('mqtt source subscription', () => {
  it('subscribes on a new session, and once per process on a resumed one', async () => {
    vi.useFakeTimers();
    const { client } = await startSource(() => undefined);
    expect(client.subscriptions).toEqual(['water/+/+/+']);
    client.drop();
    vi.advanceTimersByTime(250);
    client.accept(true);
    expect(client.subscriptions).toHaveLength(1);
    client.drop();
    vi.advanceTimersByTime(1000);
    client.accept(false); // the broker lost the session
    expect(client.subscriptions).toHaveLength(2);
  });
});

describe('mqtt source with several connections', () => {
  const shared = mqttSourceSchema.parse({ kind: 'mqtt', url: 'mqtt://broker.test:1883', clientId: 'ingest-a', topic: '$share/clearwater/water/+/+/+', connections: 3 });

  async function startLinks(accept: (publish: IncomingPublish) => Promise<void> | undefined) {
    const clients: { id: string | undefined; client: FakeClient }[] = [];
    const source = new MqttSource(shared, {
      connect: (_url, options) => {
        const client = new FakeClient();
        clients.push({ id: options.clientId, client });
        return client as unknown as SourceClient;
      },
      random: () => 0,
    });
    const started = source.start({ accept, refuse: () => expect.unreachable('the source refuses nothing itself') });
    for (const { client } of clients) client.accept();
    await started;
    return { clients: clients.map((c) => c.client), ids: clients.map((c) => c.id), source };
  }

  it('refuses several connections on a plain filter: each would receive every message', () => {
    const result = mqttSourceSchema.safeParse({ kind: 'mqtt', url: 'mqtt://b', connections: 4 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['topic'], message: expect.stringContaining('$share/') });
    expect(mqttSourceSchema.safeParse({ kind: 'mqtt', url: 'mqtt://b', connections: 65, topic: '$share/g/water/#' }).success).toBe(false);
  });

  it('opens one session per connection, numbered, each on the shared subscription', async () => {
    const { clients, ids, source } = await startLinks(() => undefined);
    expect(ids).toEqual(['ingest-a-1', 'ingest-a-2', 'ingest-a-3']);
    expect(clients.map((c) => c.subscriptions)).toEqual([[shared.topic], [shared.topic], [shared.topic]]);
    expect(source.stats()).toMatchObject({ connected: true, connections: 3, connects: 3 });
    expect(linkClientId('ingest-a', 0, 1)).toBe('ingest-a'); // one connection keeps the id (and the session) it always had
  });

  it('takes a message on each connection while another waits for the spool, and counts them together', async () => {
    const spool = deferred();
    const { clients, source } = await startLinks(() => spool.promise);
    const [first, second, third] = clients.map((client) => client.deliver());
    await tick();
    expect([first?.settled(), second?.settled(), third?.settled()]).toEqual([false, false, false]);
    spool.resolve();
    expect(await Promise.all([first?.outcome, second?.outcome, third?.outcome])).toEqual(['puback', 'puback', 'puback']);
    expect(source.stats()).toMatchObject({ received: 3, acked: 3 });
  });

  it('when one connection is lost, only that one reconnects, and the others keep acknowledging', async () => {
    vi.useFakeTimers();
    const { clients, source } = await startLinks(() => Promise.resolve());
    const [lost, kept] = clients as [FakeClient, FakeClient, FakeClient];
    lost.drop();
    expect(source.stats()).toMatchObject({ connected: false, connections: 2, disconnects: 1 });
    expect(await kept.deliver().outcome).toBe('puback');
    vi.advanceTimersByTime(500);
    expect(clients.map((c) => c.reconnects)).toEqual([1, 0, 0]);
    lost.accept(true);
    expect(source.stats()).toMatchObject({ connected: true, connections: 3 });
  });

  it('on stop, every connection finishes the message in hand and disconnects', async () => {
    const spool = deferred();
    const { clients, source } = await startLinks(() => spool.promise);
    const message = clients[1]!.deliver();
    const stopped = source.stop();
    await tick();
    expect(clients.map((c) => c.ends)).toEqual([[false], [], [false]]);
    spool.resolve();
    await stopped;
    expect(await message.outcome).toBe('puback');
    expect(clients.map((c) => c.ends)).toEqual([[false], [false], [false]]);
  });
});
