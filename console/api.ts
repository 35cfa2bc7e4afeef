/**
 * The console's one way to the HTTP API: the bearer token from the session (never in a URL),
 * JSON in and out, and failures as errors that say why (the API's `error` text), so that every
 * view can show them instead of swallowing them.
 */
import type { TileConfig } from './geo.ts';

const TOKEN_KEY = 'clearwater.token';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

export function authHeaders(): Record<string, string> {
  const token = session.token();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function api<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers: { ...authHeaders(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch (error) {
    throw new ApiError(0, `no connection to the server (${String(error)})`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const said = (body as { error?: string; problems?: string } | undefined) ?? {};
    throw new ApiError(response.status, [said.error ?? `HTTP ${response.status}`, said.problems].filter(Boolean).join(': '));
  }
  return body as T;
}

export interface ConsoleConfig {
  readonly tiles: TileConfig | null;
  /** Whether this server answers reads without a token (no tokens configured). */
  readonly anonymousRead: boolean;
}

let config: Promise<ConsoleConfig> | undefined;

/** What the page needs before sign-in, read once (`/console-config.json`). */
export function consoleConfig(): Promise<ConsoleConfig> {
  config ??= fetch('/console-config.json').then((r) => {
    if (!r.ok) throw new ApiError(r.status, `console configuration: HTTP ${r.status}`);
    return r.json() as Promise<ConsoleConfig>;
  });
  return config;
}
