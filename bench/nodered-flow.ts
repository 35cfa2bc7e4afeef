/**
 * The Node-RED flow the benchmark runs as a peer: what a utility's small IoT team would build,
 * in its best no-loss shape (bench/README.md, "The Node-RED peer"):
 *
 *   mqtt in (QoS 1, water/+/+/telemetry) → json → function (one point per reading, tags site and
 *   device from the topic) → join (1,000 messages or 1 s) → influxdb batch (InfluxDB 1.x, ms)
 *
 * The stock `influxdb out` node writes one request per message and loses data from a few
 * thousand messages a second; the batch node behind a join is the configuration that keeps up.
 * Pure: settings in, the flows.json array out.
 */
export interface NoderedFlowSettings {
  readonly mqttPort: number;
  readonly influxHost: string;
  readonly influxPort: number;
  readonly database: string;
  /** Messages a batch collects before the join sends it on. */
  readonly batchCount: number;
  /** Longest a batch waits, s. */
  readonly batchSeconds: number;
}

/** The function node's code: one batch point per reading of a `{ts, readings}` or `{samples}` message. */
export const TO_POINTS = `
const [, site, device] = msg.topic.split('/');
const doc = msg.payload;
const samples = Array.isArray(doc.samples) ? doc.samples : [doc];
const out = [];
for (const sample of samples) {
  for (const [metric, value] of Object.entries(sample.readings || {})) {
    out.push({ payload: { measurement: 'telemetry', tags: { site, device }, fields: { [metric]: value }, timestamp: sample.ts } });
  }
}
return [out];
`.trim();

/** Node ids of their own (a value of a config node's property that equals a node id reads as a reference to it). */
const id = (name: string) => `cw-bench-${name}`;

export function noderedFlow(s: NoderedFlowSettings): Record<string, unknown>[] {
  const tab = id('tab');
  const wires = (next: string) => [[id(next)]];
  return [
    { id: tab, type: 'tab', label: 'MQTT to InfluxDB' },
    {
      id: id('broker'),
      type: 'mqtt-broker',
      name: 'bench broker',
      broker: '127.0.0.1',
      port: String(s.mqttPort),
      clientid: 'nodered-ingest',
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
    },
    { id: id('influx'), type: 'influxdb', hostname: s.influxHost, port: String(s.influxPort), protocol: 'http', database: s.database, name: 'bench influxdb', usetls: false, influxdbVersion: '1.x' },
    { id: id('in'), type: 'mqtt in', z: tab, name: 'devices', topic: 'water/+/+/telemetry', qos: '1', datatype: 'utf8', broker: id('broker'), nl: false, rap: true, rh: 0, inputs: 0, wires: wires('json') },
    { id: id('json'), type: 'json', z: tab, name: 'parse', property: 'payload', action: 'obj', pretty: false, wires: wires('points') },
    { id: id('points'), type: 'function', z: tab, name: 'to points', func: TO_POINTS, outputs: 1, noerr: 0, wires: wires('join') },
    {
      id: id('join'),
      type: 'join',
      z: tab,
      name: 'batch',
      mode: 'custom',
      build: 'array',
      property: 'payload',
      propertyType: 'msg',
      key: 'topic',
      joiner: '\\n',
      joinerType: 'str',
      accumulate: false,
      timeout: String(s.batchSeconds),
      count: String(s.batchCount),
      reduceRight: false,
      wires: wires('write'),
    },
    { id: id('write'), type: 'influxdb batch', z: tab, name: 'write', influxdb: id('influx'), precision: 'ms', retentionPolicy: '', wires: [] },
  ];
}
