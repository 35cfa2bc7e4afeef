/**
 * Whether a request's Host header names this server. A request answered without a bearer token
 * (every read while no tokens are configured, and the routes listed in `api.open`) must pass it,
 * so that DNS rebinding cannot reach the API: a page on rebound.example whose name is made to
 * resolve to 127.0.0.1 gets its requests sent with `Host: rebound.example` [RFC 9110 §7.2], which
 * names no address or name of ours. A bearer token is never sent by a browser on its own, so
 * token-bearing requests are not checked (a reverse proxy in front keeps working).
 *
 *   bound to a loopback address or localhost   that address, localhost, 127.0.0.1, [::1]
 *   bound to another address or a name         that address or name
 *   bound to a wildcard (0.0.0.0, ::)          any IP literal
 *   always                                     the names in api.allowedHosts
 *
 * The port is not compared: the name is what a rebinding page controls, and a port forward
 * (container, NAT) legitimately changes the port. Pure; gate.ts is the adapter.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** What a Host header (or a configured host) names, in canonical form. */
export type HostName = { kind: 'ip'; host: string } | { kind: 'name'; host: string };

/** A DNS name as RFC 1123 §2.1 allows it: letters, digits and inner dashes per label. */
const NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Reads `uri-host [":" port]` [RFC 9110 §7.2; RFC 3986 §3.2.2-3.2.3]: an IPv4 address, an IPv6
 * literal in brackets, or a name. Names are case-insensitive [RFC 3986 §3.2.2], IPv6 is
 * compressed as browsers send it [RFC 5952 §4]. Undefined: not a host this server answers to
 * (zone ids, IPvFuture, percent-encoding and non-canonical IPv4 such as 0x7f.1 included).
 */
export function parseHost(text: string, options: { port: boolean } = { port: true }): HostName | undefined {
  const port = options.port ? '(?::[0-9]{0,5})?' : '';
  const literal = new RegExp(`^\\[([0-9a-fA-F:.]+)\\]${port}$`).exec(text);
  if (literal) return isIPv6(literal[1]!) ? { kind: 'ip', host: `[${canonicalIPv6(literal[1]!)}]` } : undefined;
  const plain = new RegExp(`^([^:\\[\\]]+)${port}$`).exec(text);
  if (!plain) return undefined;
  const host = plain[1]!.toLowerCase();
  if (isIPv4(host)) return { kind: 'ip', host };
  return NAME.test(host) ? { kind: 'name', host } : undefined;
}

/** RFC 5952 §4 text of an IPv6 address, as the WHATWG URL parser (and so a browser) writes it. */
function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/** A configured host (`http.host`, an `api.allowedHosts` entry): an IPv4 address, IPv6 bare (`::1`) or bracketed, or a name; no port. */
export function parseConfiguredHost(bound: string): HostName | undefined {
  const bare = bound.startsWith('[') ? bound.slice(1, -1) : bound;
  if (isIPv6(bare)) return { kind: 'ip', host: `[${canonicalIPv6(bare)}]` };
  return parseHost(bound, { port: false });
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface HostPolicy {
  /** Whether Host headers naming any IP literal are answered (bound to a wildcard). */
  readonly anyIp: boolean;
  /** Canonical hosts answered besides. */
  readonly hosts: ReadonlySet<string>;
}

/** Which Host headers name a server bound to `bound` (`http.host`), plus `allowedHosts`. */
export function hostPolicy(bound: string, allowedHosts: readonly string[]): HostPolicy {
  const own = parseConfiguredHost(bound);
  const anyIp = own?.host === '0.0.0.0' || own?.host === '[::]';
  const loopback = own !== undefined && (own.host === 'localhost' || own.host === '[::1]' || (own.kind === 'ip' && own.host.startsWith('127.')));
  const allowed = allowedHosts.map((h) => parseConfiguredHost(h)?.host).filter((h): h is string => h !== undefined);
  return { anyIp, hosts: new Set([...(own && !anyIp ? [own.host] : []), ...(loopback ? LOOPBACK_NAMES : []), ...allowed]) };
}

export type HostDecision = { allowed: true } | { allowed: false; reason: string };

/** May a request with this Host header be answered without a token? Pure. */
export function checkHost(header: string | undefined, policy: HostPolicy): HostDecision {
  const named = header === undefined ? undefined : parseHost(header);
  if (named && ((policy.anyIp && named.kind === 'ip') || policy.hosts.has(named.host))) return { allowed: true };
  const what = header === undefined ? 'a request without a Host header' : 'the Host header';
  return { allowed: false, reason: `${what} does not name this server; a name it is reached by belongs in api.allowedHosts` };
}
