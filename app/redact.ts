/**
 * A configuration as it may be shown (`clearwater config check`): every secret masked. Pure.
 *
 * - A string under a key that names a secret: `password`, `passwordHash`, `token`, `secret`,
 *   `passphrase`, `credentials`, `apiKey`, `privateKey`, and the HTTP headers `Authorization`
 *   and `X-Api-Key` (any case, anywhere in the key), e.g. `api.tokens[].token`,
 *   `broker.observers[].passwordHash`, `influx.password`, `influx.token`, `source.password`,
 *   `notify.webhook.headers.Authorization`. An empty string stays empty, so an unset secret
 *   shows as unset.
 * - A DingTalk robot's `webhook` is a URL whose `access_token` query parameter is masked (below).
 * - In any string that is a URL: the password of its userinfo (RFC 3986 §3.2.1,
 *   `postgres://user:password@host`, `mqtt://user:password@broker`) and query parameters named
 *   like a secret (libpq's `?password=`, `?sslpassword=`). The user name and host stay readable.
 */

export const MASK = '***';

const SECRET_KEY = /pass(word|phrase)|secret|token|credential|api[-_]?key|private_?key|authori[sz]ation/i;

/** The value with every secret masked; the input is not changed. */
export function redact(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && SECRET_KEY.test(key) && value !== '' ? MASK : redactUrl(value);
  // The items of an array inherit its key: `tokens: ["…"]` are secrets too.
  if (Array.isArray(value)) return value.map((item) => redact(item, key));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, redact(item, name)]));
  return value;
}

/**
 * A URL with the password of its userinfo and its secret query parameters masked; any other
 * text as it is. The authority ends at the first `/`, `?` or `#` (RFC 3986 §3.2), the userinfo at
 * its last `@` (as WHATWG URL parsing does), the user name at the first `:`.
 */
export function redactUrl(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (!scheme) return text;
  const start = scheme[0].length;
  const rest = text.slice(start);
  const authorityLength = rest.search(/[/?#]/);
  const authority = authorityLength === -1 ? rest : rest.slice(0, authorityLength);
  const tail = authorityLength === -1 ? '' : rest.slice(authorityLength);
  return `${scheme[0]}${maskUserinfo(authority)}${maskQuery(tail)}`;
}

function maskUserinfo(authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at === -1) return authority;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon === -1 || colon === userinfo.length - 1) return authority;
  return `${userinfo.slice(0, colon)}:${MASK}${authority.slice(at)}`;
}

/** `tail` is the path, query and fragment; only query parameters are touched. */
function maskQuery(tail: string): string {
  const query = tail.indexOf('?');
  if (query === -1) return tail;
  const fragment = tail.indexOf('#', query);
  const end = fragment === -1 ? tail.length : fragment;
  const masked = tail
    .slice(query + 1, end)
    .split('&')
    .map((parameter) => {
      const equals = parameter.indexOf('=');
      if (equals === -1 || equals === parameter.length - 1) return parameter;
      return SECRET_KEY.test(decodeName(parameter.slice(0, equals))) ? `${parameter.slice(0, equals)}=${MASK}` : parameter;
    })
    .join('&');
  return `${tail.slice(0, query + 1)}${masked}${tail.slice(end)}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
