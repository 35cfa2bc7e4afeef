import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { brokerSchema } from './broker.ts';
import { peerAddress } from './listeners.ts';

const conn = Object.assign(new Duplex(), { remoteAddress: '192.0.2.10' });
const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('peerAddress', () => {
  it.each([
    ['TCP or TLS: the socket', { conn }, false, '192.0.2.10'],
    ['WebSocket: the request socket', { conn: new Duplex(), req: request('198.51.100.4') }, false, '198.51.100.4'],
    ['WebSocket, X-Forwarded-For not trusted', { conn: new Duplex(), req: request('127.0.0.1', '203.0.113.9') }, false, '127.0.0.1'],
    ['WebSocket behind a proxy: the entry the proxy added', { conn: new Duplex(), req: request('127.0.0.1', '10.1.1.1, 203.0.113.9') }, true, '203.0.113.9'],
    ['behind a proxy that sent no header', { conn: new Duplex(), req: request('127.0.0.1') }, true, '127.0.0.1'],
    ['a stream with no address', { conn: new Duplex() }, false, undefined],
  ])('%s', (_name, client, behindProxy, address) => {
    expect(peerAddress(client, behindProxy)).toBe(address);
  });
});

describe('listener config', () => {
  it('has no TLS or WebSocket listener unless configured', () => {
    const config = brokerSchema.parse({});
    expect(config.tls).toBeUndefined();
    expect(config.ws).toBeUndefined();
  });

  it('fills in listener defaults', () => {
    const config = brokerSchema.parse({ tls: { certFile: 'server.crt', keyFile: 'server.key' }, ws: {} });
    expect(config.tls).toEqual({ port: 8883, certFile: 'server.crt', keyFile: 'server.key', requestClientCert: false });
    expect(config.ws).toEqual({ port: 8083, path: '/mqtt', behindProxy: false });
  });

  it.each([
    ['client certificates without a CA', { tls: { certFile: 'a', keyFile: 'b', requestClientCert: true } }],
    ['a TLS listener without a key', { tls: { certFile: 'a' } }],
    ['a WebSocket path without a slash', { ws: { path: 'mqtt' } }],
  ])('refuses %s', (_name, input) => {
    expect(brokerSchema.safeParse(input).success).toBe(false);
  });
});
