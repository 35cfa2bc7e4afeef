import { describe, expect, it } from 'vitest';
import { checkHost, hostPolicy, parseConfiguredHost, parseHost } from './host-check.ts';

describe('checkHost', () => {
  const table: [string, string, string[], string | undefined, boolean][] = [
    // what, bound (http.host), api.allowedHosts, Host header, answered
    ['loopback: its address', '127.0.0.1', [], '127.0.0.1', true],
    ['loopback: its address with the port', '127.0.0.1', [], '127.0.0.1:8080', true],
    ['loopback: another port (port forward)', '127.0.0.1', [], '127.0.0.1:18080', true],
    ['loopback: localhost', '127.0.0.1', [], 'localhost:8080', true],
    ['loopback: localhost in capitals', '127.0.0.1', [], 'LocalHost', true],
    ['loopback: [::1]', '127.0.0.1', [], '[::1]:8080', true],
    ['loopback: [::1] written long', '127.0.0.1', [], '[0:0:0:0:0:0:0:1]', true],
    ['loopback: a rebound name', '127.0.0.1', [], 'rebound.example:8080', false],
    ['loopback: a name starting with localhost', '127.0.0.1', [], 'localhost.rebound.example', false],
    ['loopback: a name ending in the address', '127.0.0.1', [], '127.0.0.1.nip.io', false],
    ['loopback: localhost with a trailing dot', '127.0.0.1', [], 'localhost.', false],
    ['loopback: another IP', '127.0.0.1', [], '192.168.1.20', false],
    ['loopback: IPv4 in hex', '127.0.0.1', [], '0x7f.0.0.1', false],
    ['loopback: IPv4 with leading zeros', '127.0.0.1', [], '127.000.000.001', false],
    ['loopback: short IPv4', '127.0.0.1', [], '127.1', false],
    ['loopback: an allowed name', '127.0.0.1', ['clearwater.county.lan'], 'clearwater.county.lan:8080', true],
    ['loopback bound to ::1: 127.0.0.1', '::1', [], '127.0.0.1:8080', true],
    ['loopback bound to ::1: its literal', '::1', [], '[::1]:8080', true],
    ['loopback bound to localhost: localhost', 'localhost', [], 'localhost:8080', true],
    ['loopback bound to localhost: 127.0.0.1', 'localhost', [], '127.0.0.1', true],
    ['loopback bound to 127.0.0.2: its address', '127.0.0.2', [], '127.0.0.2:8080', true],
    ['specific address: itself', '192.168.1.20', [], '192.168.1.20:8080', true],
    ['specific address: another', '192.168.1.20', [], '192.168.1.21:8080', false],
    ['specific address: localhost', '192.168.1.20', [], 'localhost', false],
    ['specific IPv6: itself, compressed', '2001:db8:0:0::7', [], '[2001:db8::7]:8080', true],
    ['specific IPv6 in brackets', '[2001:db8::7]', [], '[2001:db8::7]', true],
    ['bound to a name: the name', 'clearwater.county.lan', [], 'Clearwater.County.Lan:8080', true],
    ['bound to a name: an IP', 'clearwater.county.lan', [], '192.168.1.20', false],
    ['wildcard: an IPv4 literal', '0.0.0.0', [], '192.168.1.20:8080', true],
    ['wildcard: an IPv6 literal', '0.0.0.0', [], '[fe80::1]:8080', true],
    ['wildcard: loopback literal', '::', [], '127.0.0.1:8080', true],
    ['wildcard: localhost', '0.0.0.0', [], 'localhost:8080', false],
    ['wildcard: a name', '::', [], 'rebound.example', false],
    ['wildcard: an allowed name', '::', ['clearwater.county.lan'], 'clearwater.county.lan', true],
    ['wildcard: a parent of an allowed name', '::', ['clearwater.county.lan'], 'county.lan', false],
    ['wildcard: an allowed IP on a specific bind', '10.0.0.5', ['203.0.113.7'], '203.0.113.7:443', true],
    ['no Host header', '127.0.0.1', [], undefined, false],
    ['empty Host header', '127.0.0.1', [], '', false],
    ['userinfo', '127.0.0.1', [], 'user@127.0.0.1', false],
    ['IPv6 zone id', '::', [], '[fe80::1%25eth0]', false],
    ['IPv6 without brackets', '::', [], 'fe80::1', false],
    ['port too long', '127.0.0.1', [], '127.0.0.1:123456', false],
    ['two hosts', '127.0.0.1', [], '127.0.0.1, rebound.example', false],
  ];
  it.each(table)('%s', (_what, bound, allowedHosts, header, expected) => {
    const decision = checkHost(header, hostPolicy(bound, allowedHosts));
    expect(decision.allowed).toBe(expected);
    if (!decision.allowed) expect(decision.reason).toContain('api.allowedHosts');
  });
});

describe('parseHost', () => {
  it('reads names case-insensitively and IPv6 compressed', () => {
    expect(parseHost('Clearwater.LAN:8080')).toEqual({ kind: 'name', host: 'clearwater.lan' });
    expect(parseHost('[2001:DB8:0::1]')).toEqual({ kind: 'ip', host: '[2001:db8::1]' });
    expect(parseHost('10.0.0.5:')).toEqual({ kind: 'ip', host: '10.0.0.5' }); // RFC 3986 §3.2.3: the port may be empty
  });
  it('configured hosts carry no port', () => {
    expect(parseConfiguredHost('clearwater.lan:8080')).toBeUndefined();
    expect(parseConfiguredHost('::1')).toEqual({ kind: 'ip', host: '[::1]' });
    expect(parseConfiguredHost('under_score.lan')).toBeUndefined();
  });
});
