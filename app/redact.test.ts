import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { MASK, redact, redactUrl } from './redact.ts';

describe('redactUrl', () => {
  it.each([
    ['a PostgreSQL URL', 'postgres://clearwater:pg-pw@db.example:5432/clearwater', 'postgres://clearwater:***@db.example:5432/clearwater'],
    ['postgresql:// with libpq parameters', 'postgresql://u:pw@db/x?sslmode=require', 'postgresql://u:***@db/x?sslmode=require'],
    ['a password as a libpq parameter', 'postgres://u@db/x?sslmode=require&password=pw&sslpassword=key-pw', 'postgres://u@db/x?sslmode=require&password=***&sslpassword=***'],
    ['an MQTT URL', 'mqtt://ingest:mqtt-pw@emqx.internal:1883', 'mqtt://ingest:***@emqx.internal:1883'],
    ['an InfluxDB URL with a path', 'https://admin:influx-pw@influx.example:8086/base', 'https://admin:***@influx.example:8086/base'],
    ['an @ inside the password', 'mqtt://u:p@ss@broker:1883', 'mqtt://u:***@broker:1883'],
    ['a : inside the password', 'mqtt://u:a:b@broker', 'mqtt://u:***@broker'],
    ['a user without a password', 'postgres://clearwater@db.example/clearwater', 'postgres://clearwater@db.example/clearwater'],
    ['an empty password', 'mqtt://u:@broker', 'mqtt://u:@broker'],
    ['an @ in the path, not the authority', 'http://influx:8086/a@b', 'http://influx:8086/a@b'],
    ['a fragment after the query', 'postgres://db/x?password=pw#top', 'postgres://db/x?password=***#top'],
    ['no URL at all', 'user:pw@host', 'user:pw@host'],
    ['a plain path', '/var/lib/clearwater', '/var/lib/clearwater'],
    ['a DingTalk robot webhook', 'https://oapi.dingtalk.com/robot/send?access_token=0123abcd', 'https://oapi.dingtalk.com/robot/send?access_token=***'],
  ])('%s', (_, url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('redact', () => {
  it.each([
    ['a bearer token', { api: { tokens: [{ name: 'Dispatch', role: 'dispatcher', token: 'bearer-secret-0123456789' }] } }, { api: { tokens: [{ name: 'Dispatch', role: 'dispatcher', token: MASK }] } }],
    ['a password hash', { broker: { observers: [{ username: 'wall', passwordHash: 'scrypt$1$2' }] } }, { broker: { observers: [{ username: 'wall', passwordHash: MASK }] } }],
    ['InfluxDB credentials and URL', { influx: { url: 'http://a:pw@h:8086', username: 'a', password: 'pw', token: 'tok', org: 'county' } }, { influx: { url: `http://a:${MASK}@h:8086`, username: 'a', password: MASK, token: MASK, org: 'county' } }],
    ['an unset secret stays unset', { influx: { token: '', password: undefined } }, { influx: { token: '', password: undefined } }],
    ['the source password and URL', { source: { kind: 'mqtt', url: 'mqtts://u:pw@b:8883', username: 'u', password: 'pw' } }, { source: { kind: 'mqtt', url: `mqtts://u:${MASK}@b:8883`, username: 'u', password: MASK } }],
    ['a ticket store URL', { tickets: { store: 'postgres', url: 'postgres://u:pw@db/x', poolSize: 10 } }, { tickets: { store: 'postgres', url: `postgres://u:${MASK}@db/x`, poolSize: 10 } }],
    ['strings in an array under a secret key', { tokens: ['a', 'b'] }, { tokens: [MASK, MASK] }],
    ['any case, anywhere in the key', { clientSecret: 's', TLS_PASSPHRASE: 'p', apiKey: 'k', privateKey: 'pem' }, { clientSecret: MASK, TLS_PASSPHRASE: MASK, apiKey: MASK, privateKey: MASK }],
    [
      'DingTalk robots and a webhook channel',
      { robots: { tongmen: { webhook: 'https://oapi.dingtalk.com/robot/send?access_token=0123abcd', secret: 'SECabc', keyword: '水务告警' } }, webhook: { url: 'https://hooks.example/in', secret: 'whsec', headers: { Authorization: 'Bearer abc', 'X-Api-Key': 'k', 'X-Source': 'clearwater' } } },
      { robots: { tongmen: { webhook: `https://oapi.dingtalk.com/robot/send?access_token=${MASK}`, secret: MASK, keyword: '水务告警' } }, webhook: { url: 'https://hooks.example/in', secret: MASK, headers: { Authorization: MASK, 'X-Api-Key': MASK, 'X-Source': 'clearwater' } } },
    ],
    ['numbers, booleans and paths as they are', { port: 1883, pretty: true, keyFile: '/etc/tls/server.key', tokensPerSecond: 5 }, { port: 1883, pretty: true, keyFile: '/etc/tls/server.key', tokensPerSecond: 5 }],
  ])('%s', (_, config, shown) => {
    expect(redact(config)).toEqual(shown);
  });

  it('leaves its input as it is', () => {
    const config = { influx: { password: 'pw' } };
    redact(config);
    expect(config.influx.password).toBe('pw');
  });

  it('masks the sample configuration\'s secrets and nothing else', async () => {
    const config = await loadConfig(fileURLToPath(new URL('./clearwater.sample.yaml', import.meta.url)), {});
    const shown = redact(config) as typeof config;
    const expected = structuredClone(config);
    for (const token of expected.api.tokens) token.token = MASK;
    for (const observer of expected.broker.observers) observer.passwordHash = MASK;
    for (const robot of Object.values(expected.notify.channels.dingtalk?.robots ?? {})) {
      robot.secret = MASK;
      robot.webhook = robot.webhook.replace(/access_token=[^&]+/, `access_token=${MASK}`);
    }
    expect(shown).toEqual(expected);
  });
});
