import { describe, expect, it } from 'vitest';
import { apiSchema, authorize, canSee, identify, tokenRequired, visibleTo, type Action, type OpenableRoute, type Principal } from './access.ts';

const dispatcher: Principal = { name: 'Chen (dispatch)', role: 'dispatcher', villages: [] };
const tongmenAdmin: Principal = { name: 'Li (Tongmen)', role: 'village_admin', villages: ['tongmen'] };
const viewer: Principal = { name: 'wall screen', role: 'viewer', villages: [] };
const tongmen = { village: 'tongmen' };
const dongqiao = { village: 'dongqiao' };
const noVillage = { village: null };

describe('authorize', () => {
  const table: [string, Principal | undefined, Action, { village: string | null } | undefined, boolean, boolean | 401 | 403][] = [
    // who, principal, action, scope, token required (tokenRequired below), expected (true or refusal status)
    ['dispatcher reads any', dispatcher, 'read', dongqiao, true, true],
    ['dispatcher writes any', dispatcher, 'write', dongqiao, true, true],
    ['dispatcher writes a ticket without village', dispatcher, 'write', noVillage, true, true],
    ['village admin reads the list', tongmenAdmin, 'read', undefined, true, true],
    ['village admin reads own village', tongmenAdmin, 'read', tongmen, true, true],
    ['village admin writes own village', tongmenAdmin, 'write', tongmen, true, true],
    ['village admin reads another village', tongmenAdmin, 'read', dongqiao, true, 403],
    ['village admin writes another village', tongmenAdmin, 'write', dongqiao, true, 403],
    ['village admin writes a ticket without village', tongmenAdmin, 'write', noVillage, true, 403],
    ['viewer reads', viewer, 'read', dongqiao, true, true],
    ['viewer writes', viewer, 'write', tongmen, true, 403],
    ['no token reads where none is required', undefined, 'read', tongmen, false, true],
    ['no token reads where one is required', undefined, 'read', tongmen, true, 401],
    ['no token writes where none is required', undefined, 'write', tongmen, false, 401],
    ['no token writes where one is required', undefined, 'write', undefined, true, 401],
  ];
  it.each(table)('%s', (_what, principal, action, scope, required, expected) => {
    const decision = authorize(principal, action, scope, required);
    if (expected === true) expect(decision).toEqual({ allowed: true });
    else {
      expect(decision.allowed).toBe(false);
      expect(decision).toMatchObject({ status: expected, reason: expect.any(String) });
    }
  });

  it('canSee scopes only village admins', () => {
    expect(canSee(viewer, dongqiao)).toBe(true);
    expect(canSee(tongmenAdmin, dongqiao)).toBe(false);
    expect(canSee(tongmenAdmin, noVillage)).toBe(false);
  });

  const visible: [string, Principal | undefined, { village: string | null }, boolean][] = [
    ['dispatcher, any village', dispatcher, dongqiao, true],
    ['viewer, any village', viewer, dongqiao, true],
    ['village admin, own village', tongmenAdmin, tongmen, true],
    ['village admin, another village', tongmenAdmin, dongqiao, false],
    ['village admin, no village', tongmenAdmin, noVillage, false],
    ['no token (none configured), any village', undefined, dongqiao, true],
  ];
  it.each(visible)('visibleTo: %s', (_what, principal, item, expected) => expect(visibleTo(principal, item)).toBe(expected));
});

describe('tokenRequired', () => {
  const token = { token: 'x'.repeat(16), name: 'a', role: 'viewer' as const };
  const table: [string, { tokens: (typeof token)[]; open: OpenableRoute[] }, OpenableRoute | undefined, boolean][] = [
    ['no tokens: an API route', { tokens: [], open: [] }, undefined, false],
    ['no tokens: healthz', { tokens: [], open: [] }, 'healthz', false],
    ['tokens: an API route', { tokens: [token], open: ['healthz', 'metrics'] }, undefined, true],
    ['tokens: healthz by default', { tokens: [token], open: [] }, 'healthz', true],
    ['tokens: metrics by default', { tokens: [token], open: [] }, 'metrics', true],
    ['tokens: healthz listed in open', { tokens: [token], open: ['healthz'] }, 'healthz', false],
    ['tokens: metrics not listed in open', { tokens: [token], open: ['healthz'] }, 'metrics', true],
  ];
  it.each(table)('%s', (_what, api, route, expected) => expect(tokenRequired(api, route)).toBe(expected));
});

describe('identify', () => {
  const { tokens } = apiSchema.parse({ tokens: [{ token: 'tongmen-admin-secret-1', name: 'Li (Tongmen)', role: 'village_admin', villages: ['tongmen'] }] });
  const table: [string, string | undefined, 'none' | 'Li (Tongmen)' | 'refused'][] = [
    ['no header', undefined, 'none'],
    ['empty header', '', 'none'],
    ['known bearer token', 'Bearer tongmen-admin-secret-1', 'Li (Tongmen)'],
    ['scheme is case-insensitive', 'bearer tongmen-admin-secret-1', 'Li (Tongmen)'],
    ['unknown token', 'Bearer tongmen-admin-secret-2', 'refused'],
    ['prefix of a token', 'Bearer tongmen-admin', 'refused'],
    ['basic scheme', 'Basic dXNlcjpwYXNz', 'refused'],
    ['bearer without token', 'Bearer ', 'refused'],
  ];
  it.each(table)('%s', (_what, header, expected) => {
    const who = identify(header, tokens);
    if (expected === 'refused') expect(who.ok).toBe(false);
    else expect(who).toEqual({ ok: true, principal: expected === 'none' ? undefined : { name: 'Li (Tongmen)', role: 'village_admin', villages: ['tongmen'] } });
  });
  it('never puts the secret in a refusal', () => {
    const who = identify('Bearer tongmen-admin-secret-2', tokens);
    expect(JSON.stringify(who)).not.toContain('secret');
  });
});

describe('apiSchema', () => {
  it('defaults to no tokens, nothing open without one, no other host names', () => expect(apiSchema.parse({})).toEqual({ tokens: [], open: [], allowedHosts: [] }));
  it('takes open routes and host names', () =>
    expect(apiSchema.parse({ open: ['healthz'], allowedHosts: ['clearwater.county.lan', '10.0.0.5'] })).toMatchObject({ open: ['healthz'], allowedHosts: ['clearwater.county.lan', '10.0.0.5'] }));
  const bad: [string, unknown][] = [
    ['short token', { tokens: [{ token: 'short', name: 'a', role: 'viewer' }] }],
    ['unknown role', { tokens: [{ token: 'x'.repeat(16), name: 'a', role: 'root' }] }],
    ['village admin without villages', { tokens: [{ token: 'x'.repeat(16), name: 'a', role: 'village_admin' }] }],
    ['duplicate tokens', { tokens: [{ token: 'x'.repeat(16), name: 'a', role: 'viewer' }, { token: 'x'.repeat(16), name: 'b', role: 'dispatcher' }] }],
    ['an API route in open', { open: ['tickets'] }],
    ['a route listed twice in open', { open: ['healthz', 'healthz'] }],
    ['a host with a port', { allowedHosts: ['clearwater.county.lan:8080'] }],
    ['a wildcard host', { allowedHosts: ['*.county.lan'] }],
    ['a URL for a host', { allowedHosts: ['http://clearwater.county.lan'] }],
  ];
  it.each(bad)('refuses %s', (_what, document) => expect(apiSchema.safeParse(document).success).toBe(false));
});
