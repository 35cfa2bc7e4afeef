import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyEnv, loadConfig, parseConfig } from './config.ts';

const samplePath = fileURLToPath(new URL('./clearwater.sample.yaml', import.meta.url));

describe('configuration', () => {
  it('runs on embedded defaults with no file at all', () => {
    const parsed = parseConfig(undefined, {}, '/srv');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.broker).toMatchObject({ host: '127.0.0.1', port: 1883 });
    expect(parsed.config.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parsed.config.influx.url).toBeUndefined();
    expect(parsed.config.dataDir).toBe('/srv/.clearwater');
    expect(parsed.config.deadLetters).toEqual({ maxEntries: 100_000, maxBytes: 256 * 1024 ** 2 });
    expect(parsed.config.catalog).toMatch(/network\/sample\/county\.yaml$/);
  });

  it('parses the sample file, resolving paths against its folder', async () => {
    const config = await loadConfig(samplePath, {});
    expect(config.catalog).toBe(`${dirname(dirname(samplePath))}/network/sample/county.yaml`);
    expect(config.influx).toMatchObject({ url: 'http://127.0.0.1:8086', api: 'v1', database: 'clearwater' });
    expect(config.broker.observers).toHaveLength(1);
    expect(config.api).toMatchObject({ open: [], allowedHosts: ['clearwater.county.lan'] });
    expect(config.deadLetters).toEqual({ maxEntries: 100_000, maxBytes: 256 * 1024 ** 2 });
  });

  it('takes environment overrides over the file', async () => {
    const config = await loadConfig(samplePath, { INFLUX_URL: 'http://influx.example:8086', INFLUX_API: 'v2', INFLUX_TOKEN: 't', CLEARWATER_MQTT_PORT: '0' });
    expect(config.influx).toMatchObject({ url: 'http://influx.example:8086', api: 'v2', token: 't' });
    expect(config.broker.port).toBe(0);
  });

  it('reports every problem at once', () => {
    const document = parse(`
broker: { port: 70000 }
http: { port: -1, hots: x }
influx: { url: not-a-url, api: v3 }
log: { level: chatty }
`);
    const parsed = parseConfig(document, { CLEARWATER_HTTP_PORT: 'eighty' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    for (const path of ['broker.port', 'http.port', 'influx.url', 'influx.api', 'log.level']) expect(parsed.problems).toContain(path);
  });

  it('resolves TLS certificate paths against the config file\'s folder', () => {
    const parsed = parseConfig({ broker: { tls: { port: 0, certFile: 'tls/server.pem', keyFile: '/etc/cw/key.pem' } } }, {}, '/srv/cw');
    expect(parsed.ok && parsed.config.broker.tls).toMatchObject({ certFile: '/srv/cw/tls/server.pem', keyFile: '/etc/cw/key.pem' });
  });

  it('does not mutate the document it overrides', () => {
    const document = { broker: { port: 1 } };
    expect(applyEnv(document, { CLEARWATER_MQTT_PORT: '2' })).toEqual({ broker: { port: 2 } });
    expect(document.broker.port).toBe(1);
  });

  it('runs the embedded broker unless a source is chosen; the environment can choose an external one', () => {
    const embedded = parseConfig(undefined, {});
    expect(embedded.ok && embedded.config.source).toEqual({ kind: 'embedded' });
    const external = parseConfig(undefined, { CLEARWATER_SOURCE_KIND: 'mqtt', CLEARWATER_SOURCE_URL: 'mqtt://emqx:1883', CLEARWATER_SOURCE_PASSWORD: 'pw' });
    expect(external.ok && external.config.source).toMatchObject({ kind: 'mqtt', url: 'mqtt://emqx:1883', clientId: 'clearwater-ingest', password: 'pw', topic: 'water/+/+/+', qos: 1 });
  });

  it('says what an external source is missing', () => {
    const parsed = parseConfig({ source: { kind: 'mqtt', qos: 2 } });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    for (const path of ['source.url', 'source.qos']) expect(parsed.problems).toContain(path);
  });
});
