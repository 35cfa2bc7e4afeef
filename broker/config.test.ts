import { describe, expect, it } from 'vitest';
import { brokerSchema } from './config.ts';

describe('broker config', () => {
  it('has the defaults the README gives', () => {
    expect(brokerSchema.parse({})).toMatchObject({
      connectTimeoutMs: 10_000,
      maxConnections: 10_000,
      maxConnectionsPerAddress: 1000,
      maxConnectPacketBytes: 8 * 1024,
      maxPacketBytes: 64 * 1024 + 8 * 1024,
    });
  });

  it.each([
    ['a CONNECT limit above the packet limit', { maxConnectPacketBytes: 100_000, maxPacketBytes: 80_000 }],
    ['a packet limit a 64 KiB payload does not fit in', { maxPacketBytes: 64 * 1024 }],
    ['a CONNECT limit too small for any device', { maxConnectPacketBytes: 100 }],
    ['no sockets per address', { maxConnectionsPerAddress: 0 }],
  ])('refuses %s', (_name, input) => {
    expect(brokerSchema.safeParse(input).success).toBe(false);
  });
});
