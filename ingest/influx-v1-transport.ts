/**
 * InfluxDB 1.x before 1.8 has no /api/v2/write, only /write?db=&rp= (README.md, "Configuration":
 * `api: v1`). This transport sits under the unmodified @influxdata/influxdb-client and maps the
 * v2 write path onto the v1 one: bucket "db/rp" → db=db&rp=rp, precision kept, user/password as
 * HTTP Basic auth (1.x accepts it on /write).
 */
import type { SendOptions, Transport } from '@influxdata/influxdb-client';

export interface V1Target {
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
}

/** Rewrites `/api/v2/write?org=…&bucket=…&precision=…` to `/write?db=…&rp=…&precision=…`. Pure. */
export function v1WritePath(v2Path: string, target: V1Target): string {
  if (!v2Path.startsWith('/api/v2/write?')) return v2Path;
  const v2 = new URLSearchParams(v2Path.slice('/api/v2/write?'.length));
  const v1 = new URLSearchParams({ db: target.database });
  if (target.retentionPolicy) v1.set('rp', target.retentionPolicy);
  const precision = v2.get('precision');
  if (precision) v1.set('precision', precision);
  const consistency = v2.get('consistency');
  if (consistency) v1.set('consistency', consistency);
  return `/write?${v1.toString()}`;
}

export function v1Transport(base: Transport, target: V1Target): Transport {
  const headers: Record<string, string> = {};
  if (target.username !== undefined) {
    const credentials = Buffer.from(`${target.username}:${target.password ?? ''}`).toString('base64');
    headers.Authorization = `Basic ${credentials}`;
  }
  const withAuth = (options: SendOptions): SendOptions => ({ ...options, headers: { ...options.headers, ...headers } });
  return {
    send: (path, body, options, callbacks) => base.send(v1WritePath(path, target), body, withAuth(options), callbacks),
    request: (path, body, options, responseStarted) => base.request(v1WritePath(path, target), body, withAuth(options), responseStarted),
    iterate: (path, body, options) => base.iterate(v1WritePath(path, target), body, withAuth(options)),
    chunkCombiner: base.chunkCombiner,
  };
}
