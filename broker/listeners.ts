/**
 * The broker's listeners: MQTT over TCP, over TLS and over WebSocket. Each hands its connections
 * to Aedes; all of them pass one gate (connection-gate.ts) that caps the open sockets of the whole
 * broker and of each address.
 *
 * Certificates are read from the files named in the config when the listener starts, so a
 * renewed certificate is picked up by a restart.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { ConnectionGate } from './connection-gate.ts';

const port = (fallback: number, what: string) => z.number().int().min(0).max(65_535).default(fallback).describe(`${what} port; 0 picks a free one`);
const host = z.string().optional().describe('Address this listener binds; default: broker.host');

export const tlsListenerSchema = z
  .object({
    host,
    port: port(8883, 'MQTT over TLS'),
    certFile: z.string().min(1).describe('Server certificate (PEM), with its intermediate certificates after it'),
    keyFile: z.string().min(1).describe('Private key of the server certificate (PEM)'),
    caFile: z.string().min(1).optional().describe('CA certificates (PEM) that sign client certificates; needed with requestClientCert'),
    requestClientCert: z
      .boolean()
      .default(false)
      .describe('Mutual TLS: refuse clients without a certificate signed by caFile (they still log in with user name and password)'),
  })
  .refine((tls) => !tls.requestClientCert || tls.caFile !== undefined, { message: 'requestClientCert needs caFile', path: ['caFile'] })
  .describe('MQTT over TLS (mqtts://); absent: no TLS listener');
export type TlsListenerConfig = z.infer<typeof tlsListenerSchema>;

export const wsListenerSchema = z
  .object({
    host,
    port: port(8083, 'MQTT over WebSocket'),
    path: z.string().startsWith('/').default('/mqtt').describe('URL path of the WebSocket endpoint, e.g. ws://host:8083/mqtt'),
    behindProxy: z
      .boolean()
      .default(false)
      .describe(
        'A reverse proxy (e.g. terminating wss://) forwards to this port: the login throttle and maxConnectionsPerAddress take the client address from the last X-Forwarded-For entry (the proxy\'s own sockets are not limited per address). Only when nothing but the proxy can reach the port',
      ),
  })
  .describe('MQTT over WebSocket (ws://), e.g. for browser dashboards; put a TLS-terminating proxy in front for wss://');
export type WsListenerConfig = z.infer<typeof wsListenerSchema>;

export type ListenerName = 'mqtt' | 'tls' | 'ws';

/** What every listener shares. */
export interface ListenerContext {
  readonly gate: ConnectionGate;
  /** Largest MQTT packet after login (maxPacketBytes), which is also the largest WebSocket message. */
  readonly maxPacketBytes: number;
  /** Hands a connection to Aedes (`aedes.handle`) with its packet size guard. */
  readonly handle: (stream: Duplex, request?: IncomingMessage) => void;
  /** An error of a listening server (e.g. EMFILE on accept); never thrown. */
  readonly onError: (listener: ListenerName, error: Error) => void;
  /** A TLS handshake that failed: the client does not trust us, sent no certificate when one is required, … */
  readonly onHandshakeFailure: (error: Error, remote: string | undefined) => void;
}

/** A bound listener. `close()` stops accepting and resolves once its last socket is gone. */
export interface Listener {
  readonly port: number;
  close(): Promise<void>;
}

export function listenTcp(address: { host: string; port: number }, context: ListenerContext): Promise<Listener> {
  const server = createTcpServer();
  server.on('connection', (socket) => {
    context.gate.admit(socket);
    if (!socket.destroyed) context.handle(socket);
  });
  return bind(server, address, (error) => context.onError('mqtt', error));
}

export async function listenTls(config: TlsListenerConfig & { host: string }, handshakeTimeoutMs: number, context: ListenerContext): Promise<Listener> {
  const [cert, key, ca] = await Promise.all([readPem(config.certFile, 'certFile'), readPem(config.keyFile, 'keyFile'), config.caFile ? readPem(config.caFile, 'caFile') : undefined]);
  const server = createTlsServer(
    { cert, key, ca, requestCert: config.requestClientCert, rejectUnauthorized: config.requestClientCert, minVersion: 'TLSv1.2', handshakeTimeout: handshakeTimeoutMs },
    (socket) => context.handle(socket),
  );
  // Before the TLS layer wraps the socket, so a refused socket costs no handshake.
  server.prependListener('connection', context.gate.admit);
  server.on('tlsClientError', (error, socket) => {
    context.onHandshakeFailure(error, socket.remoteAddress);
    socket.destroy();
  });
  return bind(server, config, (error) => context.onError('tls', error));
}

export function listenWs(config: WsListenerConfig & { host: string }, handshakeTimeoutMs: number, context: ListenerContext): Promise<Listener> {
  const server = createHttpServer({ headersTimeout: handshakeTimeoutMs, requestTimeout: handshakeTimeoutMs }, (_request, response) => {
    response.writeHead(426, { connection: 'close', upgrade: 'websocket' }).end('MQTT over WebSocket only\n');
  });
  server.prependListener('connection', config.behindProxy ? context.gate.admitFromProxy : context.gate.admit);
  const wss = new WebSocketServer({
    server,
    path: config.path,
    // A message larger than the largest packet is closed by ws (1009) before it is buffered whole;
    // packets split over several messages [MQTT-6.0.0-2] meet the packet size guard instead.
    maxPayload: context.maxPacketBytes,
    clientTracking: false,
    // [MQTT-6.0.0-3] the client offers "mqtt"; [MQTT-6.0.0-4] the server selects it ("mqttv3.1" for MQTT 3.1 clients).
    handleProtocols: (offered) => (offered.has('mqtt') ? 'mqtt' : offered.has('mqttv3.1') ? 'mqttv3.1' : false),
  });
  wss.on('connection', (socket, request) => {
    if (config.behindProxy && !context.gate.claimAddress(request.socket, peerAddress({ req: request }, true))) {
      socket.terminate(); // over maxConnectionsPerAddress for the address the proxy forwarded
      return;
    }
    // [MQTT-6.0.0-1] MQTT packets travel in binary frames; any other frame closes the connection.
    socket.on('message', (_data, isBinary) => {
      if (!isBinary) socket.close(1003, 'MQTT needs binary frames');
    });
    context.handle(createWebSocketStream(socket), request);
  });
  wss.on('error', (error) => context.onError('ws', error));
  return bind(server, config, (error) => context.onError('ws', error)).then((listener) => ({
    port: listener.port,
    close: () => {
      wss.close();
      return listener.close();
    },
  }));
}

/** Listens; a bind error rejects, later server errors go to `onError`. */
function bind(server: Server, address: { host: string; port: number }, onError: (error: Error) => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      server.on('error', onError);
      const bound = server.address();
      resolve({
        port: typeof bound === 'object' && bound ? bound.port : address.port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

async function readPem(path: string, field: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`broker.tls.${field}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * The client's address, for the login throttle and the log: the socket's for TCP and TLS, the
 * HTTP request's for WebSocket, or what the proxy in front says when `behindProxy`.
 */
export function peerAddress(client: { conn?: Duplex; req?: IncomingMessage | undefined }, behindProxy: boolean): string | undefined {
  const { req } = client;
  if (req) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').at(-1)?.trim();
    return behindProxy && last ? last : req.socket.remoteAddress;
  }
  const { conn } = client;
  return conn && 'remoteAddress' in conn && typeof conn.remoteAddress === 'string' ? conn.remoteAddress : undefined;
}
