/**
 * MQTT bytes written by hand, for tests that must send what no well-behaved client sends: a
 * fixed header announcing a packet far larger than the bytes that follow it.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import mqttPacket from 'mqtt-packet';

export const CONNECT = 0x10;
/** PUBLISH, QoS 1. */
export const PUBLISH_QOS1 = 0x32;

/** A fixed header: the type byte, then the Remaining Length as a variable byte integer (MQTT 3.1.1 §2.2.3). */
export function fixedHeader(typeByte: number, remaining: number): Buffer {
  const bytes = [typeByte];
  do {
    let digit = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) digit |= 0x80;
    bytes.push(digit);
  } while (remaining > 0);
  return Buffer.from(bytes);
}

/** The bytes of a whole packet, as mqtt-packet (the parser under Aedes and MQTT.js) writes it. */
export function packetBytes(packet: mqttPacket.Packet): Buffer {
  return mqttPacket.generate(packet);
}

/** A raw TCP (or TLS) socket, connected. */
export function rawSocket(port: number, options: { localAddress?: string; tls?: { ca: Buffer } } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = options.tls
      ? tlsConnect({ port, host: '127.0.0.1', ca: options.tls.ca, servername: 'localhost' }, () => resolve(socket))
      : tcpConnect({ port, host: '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the other side closed the socket (or it failed); never times out by itself. */
export function closedByPeer(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.on('error', () => {}); // a reset while writing is one way of being closed
    socket.once('close', () => resolve());
    socket.resume(); // read (and drop) whatever comes, so 'end' and 'close' are seen
  });
}
