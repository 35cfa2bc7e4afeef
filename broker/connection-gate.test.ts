import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { admitSocket, ConnectionGate, type GateEvent } from './connection-gate.ts';

describe('admitSocket', () => {
  const limits = { maxConnections: 10, maxConnectionsPerAddress: 3 };
  it.each([
    ['the first socket', 0, 0, undefined],
    ['a third from one address', 5, 2, undefined],
    ['a fourth from one address', 5, 3, 'max_connections_per_address'],
    ['one past the total', 10, 0, 'max_connections'],
    ['the total is checked first', 10, 3, 'max_connections'],
  ] as const)('%s', (_name, open, fromAddress, refusal) => {
    expect(admitSocket(open, fromAddress, limits)).toBe(refusal);
  });
});

/** What the gate uses of a socket: its address, 'close', destroy(). */
function fakeSocket(remoteAddress: string | undefined): Socket & { destroyed: boolean } {
  const socket = Object.assign(new EventEmitter(), { remoteAddress, destroyed: false });
  return Object.assign(socket, {
    destroy() {
      if (!socket.destroyed) queueMicrotask(() => socket.emit('close'));
      socket.destroyed = true;
      return socket;
    },
  }) as unknown as Socket & { destroyed: boolean };
}
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ConnectionGate', () => {
  function gate(limits = { maxConnections: 10, maxConnectionsPerAddress: 2 }) {
    const events: GateEvent[] = [];
    return { gate: new ConnectionGate(limits, (event) => events.push(event)), events, refusals: () => events.filter((e) => e.kind === 'refused') };
  }

  it('refuses a third socket from one address, logs only the first refusal, and admits again once one closed', async () => {
    const { gate: g, refusals } = gate();
    const [a, b, c, d] = ['192.0.2.1', '192.0.2.1', '192.0.2.1', '192.0.2.1'].map(fakeSocket);
    for (const socket of [a, b, c, d]) if (socket) g.admit(socket);
    expect([a, b, c, d].map((s) => s?.destroyed)).toEqual([false, false, true, true]);
    expect(refusals()).toEqual([
      { kind: 'refused', reason: 'max_connections_per_address', address: '192.0.2.1', first: true },
      { kind: 'refused', reason: 'max_connections_per_address', address: '192.0.2.1', first: false },
    ]);
    a?.destroy();
    await settle();
    const e = fakeSocket('192.0.2.1');
    g.admit(e);
    expect(e.destroyed).toBe(false);
    const f = fakeSocket('192.0.2.1');
    g.admit(f);
    expect(refusals().at(-1)).toMatchObject({ first: true }); // a new spell at the limit is logged again
  });

  it('counts an IPv6 /64 and an IPv4-mapped address as one', () => {
    const { gate: g } = gate();
    const sockets = ['2001:db8:0:1::1', '2001:db8:0:1::2', '2001:db8:0:1:ffff::9', '2001:db8:0:2::1'].map(fakeSocket);
    for (const socket of sockets) g.admit(socket);
    expect(sockets.map((s) => s.destroyed)).toEqual([false, false, true, false]);
    const mapped = [fakeSocket('198.51.100.7'), fakeSocket('::ffff:198.51.100.7'), fakeSocket('198.51.100.7')];
    for (const socket of mapped) g.admit(socket);
    expect(mapped.map((s) => s.destroyed)).toEqual([false, false, true]);
  });

  it('caps all sockets together', () => {
    const { gate: g, refusals } = gate({ maxConnections: 2, maxConnectionsPerAddress: 2 });
    const sockets = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map(fakeSocket);
    for (const socket of sockets) g.admit(socket);
    expect(sockets.map((s) => s.destroyed)).toEqual([false, false, true]);
    expect(refusals()).toEqual([{ kind: 'refused', reason: 'max_connections', address: '192.0.2.3', first: false }]);
  });

  it('behind a proxy: admits by the total, then counts the forwarded address', async () => {
    const { gate: g, refusals } = gate({ maxConnections: 10, maxConnectionsPerAddress: 1 });
    const fromProxy = [1, 2, 3].map(() => fakeSocket('127.0.0.1'));
    for (const socket of fromProxy) g.admitFromProxy(socket);
    expect(fromProxy.map((s) => s.destroyed)).toEqual([false, false, false]);
    const [first, second, third] = fromProxy;
    if (!first || !second || !third) throw new Error('three sockets');
    expect(g.claimAddress(first, '203.0.113.9')).toBe(true);
    expect(g.claimAddress(second, '203.0.113.9')).toBe(false);
    expect(g.claimAddress(third, '198.51.100.4')).toBe(true);
    expect(refusals()).toEqual([{ kind: 'refused', reason: 'max_connections_per_address', address: '203.0.113.9', first: true }]);
    first.destroy();
    await settle();
    const fourth = fakeSocket('127.0.0.1');
    g.admitFromProxy(fourth);
    expect(g.claimAddress(fourth, '203.0.113.9')).toBe(true);
  });

  it('forgets an address with its last socket', async () => {
    const { gate: g } = gate();
    const socket = fakeSocket('192.0.2.1');
    g.admit(socket);
    expect(g.open).toBe(1);
    await g.destroyAll();
    expect(g.open).toBe(0);
  });
});
